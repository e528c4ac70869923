/** Pooling on wasm (assembly/pool.ts): planes (N·C) split across threads when the call is big enough. */
import type { PoolWindow } from "../../js/pool.js";
import { jsKernels } from "../../js/index.js";
import { f32, threadsNow, type WasmContext, type WasmFamily, withFrame } from "../context.js";

/**
 * Window reads (or elements) from which a call is split across threads: a thread hand-off costs a
 * few µs, about what one thread spends on this many reads.
 */
export const PLANES_PARALLEL = 1 << 15;

/** Threads a call over `count` items doing `work` would use now (at most `count`). */
export function planThreads(ctx: WasmContext, count: number, work: number): number {
  return work >= PLANES_PARALLEL ? Math.max(1, Math.min(threadsNow(ctx), count)) : 1;
}

/**
 * Runs export `fn` over `count` independent items (planes, channels, rows) on up to threadsNow()
 * threads in contiguous chunks, one thread below PLANES_PARALLEL units of `work`;
 * `call(start, len, k)` returns the argument list for chunk k (0 runs on the calling thread).
 * `threads` (from planThreads) fixes the thread count, for a caller that sized per-thread scratch.
 */
export function parallelItems(
  ctx: WasmContext,
  fn: string,
  count: number,
  work: number,
  call: (start: number, len: number, k: number) => number[],
  threads = planThreads(ctx, count, work),
): void {
  const run = ctx.ex[fn];
  if (threads <= 1) {
    run(...call(0, count, 0));
    return;
  }
  const chunk = Math.ceil(count / threads);
  const calls: number[][] = [];
  for (let s = chunk; s < count; s += chunk) calls.push(call(s, Math.min(chunk, count - s), s / chunk));
  ctx.pool!.run(fn, calls, () => run(...call(0, chunk, 0)));
}

const geometry = (p: PoolWindow): number[] => [p.kH, p.kW, p.sH, p.sW, p.pH, p.pW];

export const poolFamily: WasmFamily = (ctx) => {
  /**
   * Runs `fn` over the planes: `src` (srcPlane floats each) is read, `dst` (dstPlane each) written in
   * full, `extra(s)` adds per-chunk pointers after them and `tail` the shared scalar arguments.
   */
  function overPlanes(
    fn: string,
    src: Float32Array,
    srcPlane: number,
    dst: Float32Array,
    dstPlane: number,
    planes: number,
    work: number,
    tail: number[],
    idx?: Int32Array,
  ): void {
    withFrame(ctx, (f) => {
      const ps = f.in(src, 0, planes * srcPlane),
        pd = f.overwrite(dst, 0, planes * dstPlane);
      const pi = idx ? f.overwrite(idx, 0, planes * dstPlane) : 0;
      parallelItems(ctx, fn, planes, work, (s, n) => [
        ps + 4 * s * srcPlane,
        pd + 4 * s * dstPlane,
        ...(idx ? [pi + 4 * s * dstPlane] : []),
        n,
        ...tail,
      ]);
    });
  }

  return {
    maxPool2d(x, planes, h, w, p, out, indices) {
      if (!f32(x, out) || planes === 0) {
        jsKernels.maxPool2d(x, planes, h, w, p, out, indices);
        return;
      }
      const outPlane = p.outH * p.outW;
      overPlanes(
        "maxPool2d",
        x as Float32Array,
        h * w,
        out as Float32Array,
        outPlane,
        planes,
        planes * outPlane * p.kH * p.kW,
        [h, w, ...geometry(p), p.dH, p.dW, p.outH, p.outW],
        indices,
      );
    },
    avgPool2d(x, planes, h, w, p, countIncludePad, divisor, out) {
      if (!f32(x, out) || planes === 0) {
        jsKernels.avgPool2d(x, planes, h, w, p, countIncludePad, divisor, out);
        return;
      }
      const outPlane = p.outH * p.outW;
      overPlanes(
        "avgPool2d",
        x as Float32Array,
        h * w,
        out as Float32Array,
        outPlane,
        planes,
        planes * outPlane * p.kH * p.kW,
        [h, w, ...geometry(p), p.outH, p.outW, +countIncludePad, divisor],
      );
    },
    avgPool2dBackward(dy, planes, h, w, p, countIncludePad, divisor, dx) {
      if (!f32(dy, dx) || planes === 0) {
        jsKernels.avgPool2dBackward(dy, planes, h, w, p, countIncludePad, divisor, dx);
        return;
      }
      const outPlane = p.outH * p.outW;
      overPlanes(
        "avgPool2dBackward",
        dy as Float32Array,
        outPlane,
        dx as Float32Array,
        h * w,
        planes,
        planes * outPlane * p.kH * p.kW,
        [h, w, ...geometry(p), p.outH, p.outW, +countIncludePad, divisor],
      );
    },
    // Adaptive windows tile the input (overlapping by at most a row or column): ~one read per input element.
    adaptiveAvgPool2d(x, planes, h, w, outH, outW, out) {
      if (!f32(x, out) || planes === 0) {
        jsKernels.adaptiveAvgPool2d(x, planes, h, w, outH, outW, out);
        return;
      }
      overPlanes(
        "adaptiveAvgPool2d",
        x as Float32Array,
        h * w,
        out as Float32Array,
        outH * outW,
        planes,
        planes * h * w,
        [h, w, outH, outW],
      );
    },
    adaptiveAvgPool2dBackward(dy, planes, h, w, outH, outW, dx) {
      if (!f32(dy, dx) || planes === 0) {
        jsKernels.adaptiveAvgPool2dBackward(dy, planes, h, w, outH, outW, dx);
        return;
      }
      overPlanes(
        "adaptiveAvgPool2dBackward",
        dy as Float32Array,
        outH * outW,
        dx as Float32Array,
        h * w,
        planes,
        planes * h * w,
        [h, w, outH, outW],
      );
    },
  };
};
