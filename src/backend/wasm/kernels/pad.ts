/**
 * Padding kernels on wasm (assembly/pad.ts): 32-bit elements forward, float32 backward; the rest on
 * the reference. One thread: padding is a copy, bound by memory (a [64, 6, 28, 28] → 32 × 32 pad
 * takes 0.26 ms in wasm memory), so a second thread has little to win and its hand-off to lose (on
 * the shared 2-core host, 2 threads took 10–15 ms against 1 thread's 0.26 ms).
 */
import type { TypedArray } from "../../../tensor/dtype.js";
import { stridesOf } from "../../../tensor/shape.js";
import { jsKernels } from "../../js/index.js";
import { type PadPlan, padPlan } from "../../js/pad.js";
import { f32, type WasmFamily, withFrame } from "../context.js";

/** 32-bit elements of one kind on both sides (float32 or int32): what a copy kernel moves. */
export const same32 = (x: unknown, out: unknown): boolean =>
  (x instanceof Float32Array && out instanceof Float32Array) || (x instanceof Int32Array && out instanceof Int32Array);

/** The last dim's longest run of output indices reading consecutive input indices: [lo, hi) from runSrc. */
function interiorRun(p: PadPlan): [number, number, number] {
  const last = p.outShape.length - 1,
    w = p.outShape[last],
    off = p.offsets[last];
  let best: [number, number, number] = [0, 0, 0];
  for (let j = 0; j < w; ) {
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

export const padFamily: WasmFamily = (ctx) => {
  const { ex } = ctx;
  return {
    pad(mode, x, shape, pads, value, out) {
      if (!same32(x, out) || x.length === 0 || out.length === 0) {
        jsKernels.pad(mode, x, shape, pads, value, out);
        return;
      }
      const p = padPlan(mode, shape, pads),
        rank = p.outShape.length;
      const [lo, hi, runSrc] = interiorRun(p),
        bits = bitsOf(value, out);
      withFrame(ctx, (f) =>
        ex.pad(
          f.in(x as Float32Array),
          f.overwrite(out as Float32Array),
          rank,
          f.ints(stridesOf(p.inShape)),
          f.ints(p.outShape),
          f.in(p.maps),
          f.ints(p.offsets),
          0,
          p.outShape[0],
          bits,
          lo,
          hi,
          runSrc,
          f.raw(4 * rank),
        ),
      );
    },
    padBackward(mode, dy, shape, pads, dx) {
      if (!f32(dy, dx) || dx.length === 0 || dy.length === 0) {
        jsKernels.padBackward(mode, dy, shape, pads, dx);
        return;
      }
      const p = padPlan(mode, shape, pads),
        rank = p.outShape.length;
      const [lo, hi, runSrc] = interiorRun(p);
      withFrame(ctx, (f) =>
        ex.padBackward(
          f.in(dy as Float32Array),
          f.overwrite(dx as Float32Array),
          rank,
          f.ints(stridesOf(p.inShape)),
          f.ints(p.outShape),
          f.in(p.maps),
          f.ints(p.offsets),
          0,
          p.outShape[0],
          lo,
          hi,
          runSrc,
          f.raw(4 * rank),
          0,
          dx.length,
        ),
      );
    },
  };
};
