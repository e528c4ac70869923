/** Data movement by index, reference: permutes, row gathers/scatters and torch.gather along a dim. */
import type { FloatArray, TypedArray } from "../../tensor/dtype.js";
import { numel, stridesOf } from "../../tensor/shape.js";

import type { FloatStorage, IntStorage, Storage } from "../../tensor/storage.js";

declare module "../kernels.js" {
  interface Kernels {
    /** out = permute(x) for a contiguous x of `shape`. */
    permute(x: Storage, shape: readonly number[], perm: readonly number[], out: Storage): void;
    /** Copies rows: out[i, :] = x[index[i], :] for rows of `rowSize` elements. */
    gatherRows(x: Storage, index: IntStorage, rowSize: number, out: Storage): void;
    /** Scatter-add rows back: dx[index[i], :] += dy[i, :]. */
    scatterAddRows(dy: FloatStorage, index: IntStorage, rowSize: number, dx: FloatStorage): void;
    /**
     * torch.gather along the middle axis of x viewed as (outer, size, inner), index and out as
     * (outer, indexSize, inner): out[o, r, j] = x[o, index[o, r, j], j]. Throws on an index outside 0..size-1.
     */
    gatherAlong(
      x: Storage,
      index: IntStorage,
      outer: number,
      size: number,
      inner: number,
      indexSize: number,
      out: Storage,
    ): void;
    /** The reverse, adding: dx[o, index[o, r, j], j] += dy[o, r, j] (gather's and max's backward). */
    scatterAddAlong(
      dy: FloatStorage,
      index: IntStorage,
      outer: number,
      size: number,
      inner: number,
      indexSize: number,
      dx: FloatStorage,
    ): void;
  }
}

/** The one message for an index out of range, shared by every backend. */
export function checkIndices(index: Int32Array, size: number, op: string): void {
  for (let i = 0; i < index.length; i++) {
    const v = index[i];
    if (!(v >= 0 && v < size)) throw new Error(`${op}: index ${v} is out of bounds for a dim of size ${size}`);
  }
}

export const indexing = {
  permute(x: TypedArray, shape: readonly number[], perm: readonly number[], out: TypedArray): void {
    const rank = shape.length;
    const inStrides = stridesOf(shape);
    const outShape = perm.map((p) => shape[p]);
    const st = perm.map((p) => inStrides[p]);
    const n = numel(shape);
    const idx = new Array<number>(rank).fill(0);
    let src = 0;
    for (let i = 0; i < n; i++) {
      out[i] = x[src];
      for (let d = rank - 1; d >= 0; d--) {
        idx[d]++;
        src += st[d];
        if (idx[d] < outShape[d]) break;
        src -= st[d] * outShape[d];
        idx[d] = 0;
      }
    }
  },
  gatherRows(x: TypedArray, index: Int32Array, rowSize: number, out: TypedArray): void {
    for (let i = 0; i < index.length; i++)
      out.set(x.subarray(index[i] * rowSize, (index[i] + 1) * rowSize), i * rowSize);
  },
  scatterAddRows(dy: FloatArray, index: Int32Array, rowSize: number, dx: FloatArray): void {
    for (let i = 0; i < index.length; i++) {
      const o = index[i] * rowSize,
        s = i * rowSize;
      for (let j = 0; j < rowSize; j++) dx[o + j] += dy[s + j];
    }
  },
  gatherAlong(
    x: TypedArray,
    index: Int32Array,
    outer: number,
    size: number,
    inner: number,
    indexSize: number,
    out: TypedArray,
  ): void {
    checkIndices(index, size, "gather");
    for (let o = 0; o < outer; o++) {
      for (let r = 0; r < indexSize; r++) {
        const k = (o * indexSize + r) * inner;
        for (let j = 0; j < inner; j++) out[k + j] = x[(o * size + index[k + j]) * inner + j];
      }
    }
  },
  scatterAddAlong(
    dy: FloatArray,
    index: Int32Array,
    outer: number,
    size: number,
    inner: number,
    indexSize: number,
    dx: FloatArray,
  ): void {
    checkIndices(index, size, "scatterAdd");
    for (let o = 0; o < outer; o++) {
      for (let r = 0; r < indexSize; r++) {
        const k = (o * indexSize + r) * inner;
        for (let j = 0; j < inner; j++) dx[(o * size + index[k + j]) * inner + j] += dy[k + j];
      }
    }
  },
};
