/** Padding kernels on wasm (assembly/pad.ts): 32-bit elements forward, float32 backward; the rest on the reference. */
import type { TypedArray } from "../../../tensor/dtype.js";
import { stridesOf } from "../../../tensor/shape.js";
import { jsKernels } from "../../js/index.js";
import { type PadPlan, padPlan } from "../../js/pad.js";
import { ELEMENTWISE_PARALLEL, f32, threadsNow, type WasmContext, type WasmFamily, withFrame } from "../context.js";

/** 32-bit elements of one kind on both sides (float32 or int32): what a copy kernel moves. */
export const same32 = (x: unknown, out: unknown): boolean =>
  (x instanceof Float32Array && out instanceof Float32Array) || (x instanceof Int32Array && out instanceof Int32Array);

/**
 * Runs export `fn` over `units` independent units (planes, rows) whose total work is `work`
 * elements, split into one contiguous range per thread (one thread below ELEMENTWISE_PARALLEL);
 * `call(start, end)` returns the argument list for units [start, end).
 */
export function splitUnits(ctx: WasmContext, fn: string, units: number, work: number,
  call: (start: number, end: number) => number[]): void {
  const t = Math.min(work >= ELEMENTWISE_PARALLEL ? threadsNow(ctx) : 1, units);
  const run = ctx.ex[fn];
  if (t <= 1) { run(...call(0, units)); return; }
  const chunk = Math.ceil(units / t);
  const calls: number[][] = [];
  for (let s = chunk; s < units; s += chunk) calls.push(call(s, Math.min(units, s + chunk)));
  ctx.pool!.run(fn, calls, () => run(...call(0, chunk)));
}

/** The last dim's longest run of output indices reading consecutive input indices: [lo, hi) from runSrc. */
function interiorRun(p: PadPlan): [number, number, number] {
  const last = p.outShape.length - 1, w = p.outShape[last], off = p.offsets[last];
  let best: [number, number, number] = [0, 0, 0];
  for (let j = 0; j < w;) {
    const m = p.maps[off + j];
    let k = j + 1;
    if (m >= 0) while (k < w && p.maps[off + k] === m + (k - j)) k++;
    if (m >= 0 && k - j > best[1] - best[0]) best = [j, k, m];
    j = k;
  }
  return best;
}

/** The fill value's 32 bits as the kernel stores them. */
function bitsOf(value: number, like: TypedArray): number {
  if (like instanceof Int32Array) return value | 0;
  return new Int32Array(new Float32Array([value]).buffer)[0];
}

export const padFamily: WasmFamily = (ctx) => ({
  pad(mode, x, shape, pads, value, out) {
    if (!same32(x, out) || x.length === 0 || out.length === 0) { jsKernels.pad(mode, x, shape, pads, value, out); return; }
    const p = padPlan(mode, shape, pads), rank = p.outShape.length;
    const [lo, hi, runSrc] = interiorRun(p), bits = bitsOf(value, out);
    withFrame(ctx, (f) => {
      const px = f.in(x as Float32Array), po = f.overwrite(out as Float32Array);
      const st = f.ints(stridesOf(p.inShape)), os = f.ints(p.outShape), maps = f.in(p.maps), offs = f.ints(p.offsets);
      splitUnits(ctx, "pad", p.outShape[0], out.length, (s, e) =>
        [px, po, rank, st, os, maps, offs, s, e, bits, lo, hi, runSrc, f.raw(4 * rank)]);
    });
  },
  padBackward(mode, dy, shape, pads, dx) {
    if (!f32(dy, dx) || dx.length === 0 || dy.length === 0) { jsKernels.padBackward(mode, dy, shape, pads, dx); return; }
    const p = padPlan(mode, shape, pads), rank = p.outShape.length;
    const [lo, hi, runSrc] = interiorRun(p), block = dx.length / p.inShape[0];
    withFrame(ctx, (f) => {
      const pdy = f.in(dy as Float32Array), pdx = f.overwrite(dx as Float32Array);
      const st = f.ints(stridesOf(p.inShape)), os = f.ints(p.outShape), maps = f.in(p.maps), offs = f.ints(p.offsets);
      // Dim 0 is never padded, so the threads' dim-0 ranges own disjoint blocks of dx: each zeroes and fills its own.
      splitUnits(ctx, "padBackward", p.outShape[0], dy.length, (s, e) =>
        [pdy, pdx, rank, st, os, maps, offs, s, e, lo, hi, runSrc, f.raw(4 * rank), s * block, (e - s) * block]);
    });
  },
});
