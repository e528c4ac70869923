/**
 * Resizing kernels, reference: nearest and (bi)linear interpolation of planes, PyTorch's source
 * indices and weights to the bit (UpSample.h), forward and the scatter-add backward.
 */
import type { FloatArray } from "../../tensor/dtype.js";

export type UpsampleMode = "nearest" | "linear";

/**
 * One resize of `planes` planes of inH × inW to outH × outW. `linear` interpolates along both axes
 * (bilinear) — or only along W when `rows1d` is set (linear on 3-D input: the H axis is 1 → 1, and
 * PyTorch's 1-D kernel has no H terms). `scaleH`/`scaleW` are the user's scale factors (PyTorch's
 * `scales`, used for the source index when given), null when the size was given.
 */
export interface UpsampleArgs {
  mode: UpsampleMode;
  planes: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  alignCorners: boolean;
  scaleH: number | null;
  scaleW: number | null;
  rows1d?: boolean;
}

import type { FloatStorage } from "../../tensor/storage.js";

declare module "../kernels.js" {
  interface Kernels {
    /**
     * out[p, i, j] = Σ x[p, h, w] · λh · λw over the two source rows and columns of (i, j) (one of
     * each for nearest) — see axisTable.
     */
    upsample(args: UpsampleArgs, x: FloatStorage, out: FloatStorage): void;
    /** dx (overwritten) = upsample's adjoint: each dy[p, i, j] · λh · λw added to its sources. */
    upsampleBackward(args: UpsampleArgs, dy: FloatStorage, dx: FloatStorage): void;
  }
}

/** Per output index along one axis: source indices i0/i1 and their weights w0/w1. */
export interface AxisTable {
  i0: Int32Array;
  i1: Int32Array;
  w0: Float64Array;
  w1: Float64Array;
}

/**
 * PyTorch's source index and weights along one axis. Nearest: ⌊dst · scale⌋ with scale =
 * 1/scaleFactor when one was given, else in/out. Linear: with alignCorners src = dst · (in−1)/(out−1);
 * without, src = (dst + ½) · scale − ½
 * clamped at 0; in the input's precision (`single` = float32). Equal sizes copy.
 */
export function axisTable(
  mode: UpsampleMode,
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  scale: number | null,
  single: boolean,
): AxisTable {
  const t: AxisTable = {
    i0: new Int32Array(outSize),
    i1: new Int32Array(outSize),
    w0: new Float64Array(outSize),
    w1: new Float64Array(outSize),
  };
  const r = single ? Math.fround : (v: number): number => v;
  if (mode === "nearest") {
    // PyTorch's forward kernel (HelperInterpNearest). Its backward (nearest_idx) copies when out = in
    // and halves when out = 2·in, which differs from this only when a scale factor disagrees with
    // the sizes (e.g. scaleFactor 1.1 on 5 samples); one rule for both keeps the gradient exact.
    const s = r(scale !== null && scale > 0 ? 1 / scale : inSize / outSize);
    for (let i = 0; i < outSize; i++) {
      t.i0[i] = t.i1[i] = Math.min(Math.floor(Math.fround(r(s * i))), inSize - 1);
      t.w0[i] = 1;
    }
    return t;
  }
  const ratio = alignCorners
    ? outSize > 1
      ? r((inSize - 1) / (outSize - 1))
      : 0
    : r(scale !== null && scale > 0 ? 1 / scale : inSize / outSize);
  for (let i = 0; i < outSize; i++) {
    if (inSize === outSize) {
      t.i0[i] = t.i1[i] = i;
      t.w0[i] = 1;
      continue;
    }
    let src = alignCorners ? r(ratio * i) : r(r(ratio * (i + 0.5)) - 0.5);
    if (!alignCorners && src < 0) src = 0;
    const i0 = Math.min(Math.floor(Math.fround(src)), inSize - 1); // PyTorch's floorf, in float32 for doubles too
    const l1 = Math.min(Math.max(r(src - i0), 0), 1);
    t.i0[i] = i0;
    t.i1[i] = i0 + (i0 < inSize - 1 ? 1 : 0);
    t.w1[i] = l1;
    t.w0[i] = r(1 - l1);
  }
  return t;
}

/** Both axes' tables for one call. */
export function upsampleTables(a: UpsampleArgs, single: boolean): [AxisTable, AxisTable] {
  return [
    axisTable(a.mode, a.inH, a.outH, a.alignCorners, a.scaleH, single),
    axisTable(a.mode, a.inW, a.outW, a.alignCorners, a.scaleW, single),
  ];
}

/** Whether the H axis contributes two weighted rows (bilinear) rather than one row as is. */
export const twoRows = (a: UpsampleArgs): boolean => a.mode === "linear" && !a.rows1d;

export const upsampleKernels = {
  upsample(a: UpsampleArgs, x: FloatArray, out: FloatArray): void {
    const [h, w] = upsampleTables(a, x instanceof Float32Array);
    const inPlane = a.inH * a.inW,
      outPlane = a.outH * a.outW,
      two = twoRows(a),
      lin = a.mode === "linear";
    for (let p = 0; p < a.planes; p++) {
      const xp = p * inPlane;
      for (let i = 0; i < a.outH; i++) {
        const r0 = xp + h.i0[i] * a.inW,
          r1 = xp + h.i1[i] * a.inW,
          o = p * outPlane + i * a.outW;
        for (let j = 0; j < a.outW; j++) {
          const c0 = w.i0[j],
            c1 = w.i1[j];
          if (!lin) {
            out[o + j] = x[r0 + c0];
            continue;
          }
          // PyTorch's order: each row interpolated along W, then the rows along H.
          const t0 = x[r0 + c0] * w.w0[j] + x[r0 + c1] * w.w1[j];
          out[o + j] = two ? t0 * h.w0[i] + (x[r1 + c0] * w.w0[j] + x[r1 + c1] * w.w1[j]) * h.w1[i] : t0;
        }
      }
    }
  },
  upsampleBackward(a: UpsampleArgs, dy: FloatArray, dx: FloatArray): void {
    const single = dy instanceof Float32Array,
      r = single ? Math.fround : (v: number): number => v;
    const [h, w] = upsampleTables(a, single);
    const inPlane = a.inH * a.inW,
      outPlane = a.outH * a.outW,
      two = twoRows(a),
      lin = a.mode === "linear";
    dx.fill(0);
    for (let p = 0; p < a.planes; p++) {
      const xp = p * inPlane;
      for (let i = 0; i < a.outH; i++) {
        const r0 = xp + h.i0[i] * a.inW,
          r1 = xp + h.i1[i] * a.inW,
          o = p * outPlane + i * a.outW;
        for (let j = 0; j < a.outW; j++) {
          const g = dy[o + j],
            c0 = w.i0[j],
            c1 = w.i1[j];
          if (!lin) {
            dx[r0 + c0] += g;
            continue;
          }
          if (!two) {
            dx[r0 + c0] += w.w0[j] * g;
            dx[r0 + c1] += w.w1[j] * g;
            continue;
          }
          // PyTorch's order: the weight product first, then times the gradient.
          dx[r0 + c0] += r(h.w0[i] * w.w0[j]) * g;
          dx[r0 + c1] += r(h.w0[i] * w.w1[j]) * g;
          dx[r1 + c0] += r(h.w1[i] * w.w0[j]) * g;
          dx[r1 + c1] += r(h.w1[i] * w.w1[j]) * g;
        }
      }
    }
  },
};
