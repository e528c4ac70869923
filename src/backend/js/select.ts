/**
 * Selection kernels, reference: `where` (pick from a or b by a condition, three-way broadcast) and
 * the triangle mask of tril/triu. They move values without arithmetic, so ±inf and NaN pass through
 * exactly — a·c + b·(1−c) would turn a masked −inf into NaN.
 */
import type { TypedArray } from "../../tensor/dtype.js";
import { broadcastStrides } from "../../tensor/shape.js";

import type { Storage } from "../../tensor/storage.js";

declare module "../kernels.js" {
  interface Kernels {
    /**
     * out = cond ≠ 0 ? a : b elementwise, each of cond/a/b broadcast from its shape to outShape.
     * cond may be any dtype (a NaN counts as true, as PyTorch's bool conversion); a, b and out share one.
     */
    where(
      cond: Storage,
      condShape: readonly number[],
      a: Storage,
      aShape: readonly number[],
      b: Storage,
      bShape: readonly number[],
      out: Storage,
      outShape: readonly number[],
    ): void;
    /**
     * tril (upper false) / triu (upper true) of `batch` matrices rows × cols: out[i, j] = x[i, j] where
     * j − i ≤ diagonal (tril) or j − i ≥ diagonal (triu), else 0.
     */
    triangle(
      x: Storage,
      batch: number,
      rows: number,
      cols: number,
      diagonal: number,
      upper: boolean,
      out: Storage,
    ): void;
  }
}

/**
 * Drops size-1 dims and merges neighbours contiguous in every operand, so loops run over the
 * longest inner dim. `strides[k][d]` is operand k's stride along dim d; returns the merged shape
 * and strides (at least one dim).
 */
export function collapseDims(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [],
    outSt: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const k = outShape.length - 1;
    if (k >= 0 && strides.every((st, i) => outSt[i][k] === st[d] * shape[d])) {
      outShape[k] *= shape[d];
      strides.forEach((st, i) => {
        outSt[i][k] = st[d];
      });
    } else {
      outShape.push(shape[d]);
      strides.forEach((st, i) => outSt[i].push(st[d]));
    }
  }
  if (!outShape.length) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: outShape, strides: outSt };
}

export const selectKernels = {
  where(
    cond: TypedArray,
    condShape: readonly number[],
    a: TypedArray,
    aShape: readonly number[],
    b: TypedArray,
    bShape: readonly number[],
    out: TypedArray,
    outShape: readonly number[],
  ): void {
    const n = out.length;
    if (n === 0) return;
    const read = [condShape, aShape, bShape].map((s) => broadcastStrides(s, outShape));
    const { shape, strides } = collapseDims(outShape, read);
    const [sc, sa, sb] = strides,
      rank = shape.length;
    const idx = new Array<number>(rank).fill(0);
    let ic = 0,
      ia = 0,
      ib = 0;
    for (let i = 0; i < n; i++) {
      const c = cond[ic];
      out[i] = c !== 0 ? a[ia] : b[ib]; // NaN !== 0: true
      for (let d = rank - 1; d >= 0; d--) {
        idx[d]++;
        ic += sc[d];
        ia += sa[d];
        ib += sb[d];
        if (idx[d] < shape[d]) break;
        ic -= sc[d] * shape[d];
        ia -= sa[d] * shape[d];
        ib -= sb[d] * shape[d];
        idx[d] = 0;
      }
    }
  },
  triangle(
    x: TypedArray,
    batch: number,
    rows: number,
    cols: number,
    diagonal: number,
    upper: boolean,
    out: TypedArray,
  ): void {
    for (let m = 0; m < batch; m++) {
      for (let i = 0; i < rows; i++) {
        const o = (m * rows + i) * cols;
        // The kept columns of row i: j ≤ i + diagonal (tril) or j ≥ i + diagonal (triu).
        const cut = Math.min(Math.max(upper ? i + diagonal : i + diagonal + 1, 0), cols);
        for (let j = 0; j < cols; j++) out[o + j] = j < cut !== upper ? x[o + j] : 0;
      }
    }
  },
};
