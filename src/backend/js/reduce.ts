/** Reductions and softmax, reference, over the middle axis of an (outer, size, inner) view. */
import type { FloatArray, TypedArray } from "../../tensor/dtype.js";
import type { Reduce } from "../opcodes.js";

export type ReduceOp = keyof typeof Reduce;

import type { FloatStorage, IntStorage, Storage } from "../../tensor/storage.js";

declare module "../kernels.js" {
  interface Kernels {
    /** Reduces the middle axis of an (outer, size, inner) view; `indices` receives arg-max/min. */
    reduce(
      op: ReduceOp,
      x: Storage,
      outer: number,
      size: number,
      inner: number,
      out: Storage,
      indices?: IntStorage,
    ): void;
    /** Softmax (or log-softmax) along the middle axis of an (outer, size, inner) view. */
    softmax(x: FloatStorage, outer: number, size: number, inner: number, out: FloatStorage, log: boolean): void;
    softmaxBackward(
      y: FloatStorage,
      dy: FloatStorage,
      outer: number,
      size: number,
      inner: number,
      dx: FloatStorage,
      log: boolean,
    ): void;
  }
}

export const reductions = {
  reduce(
    op: ReduceOp,
    x: TypedArray,
    outer: number,
    size: number,
    inner: number,
    out: TypedArray,
    indices?: Int32Array,
  ): void {
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * size * inner + j;
        if (op === "sum") {
          let s = 0;
          for (let r = 0; r < size; r++) s += x[base + r * inner];
          out[o * inner + j] = s;
        } else {
          let best = x[base],
            bi = 0;
          for (let r = 1; r < size; r++) {
            const v = x[base + r * inner];
            if (Number.isNaN(best)) break;
            if (Number.isNaN(v) || (op === "max" ? v > best : v < best)) {
              best = v;
              bi = r;
            }
          }
          out[o * inner + j] = best;
          if (indices) indices[o * inner + j] = bi;
        }
      }
    }
  },
  softmax(x: FloatArray, outer: number, size: number, inner: number, out: FloatArray, log: boolean): void {
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * size * inner + j;
        let mx = -Infinity;
        for (let r = 0; r < size; r++) mx = Math.max(mx, x[base + r * inner]);
        let s = 0;
        for (let r = 0; r < size; r++) s += Math.exp(x[base + r * inner] - mx);
        if (log) {
          const lse = mx + Math.log(s);
          for (let r = 0; r < size; r++) out[base + r * inner] = x[base + r * inner] - lse;
        } else {
          for (let r = 0; r < size; r++) out[base + r * inner] = Math.exp(x[base + r * inner] - mx) / s;
        }
      }
    }
  },
  softmaxBackward(
    y: FloatArray,
    dy: FloatArray,
    outer: number,
    size: number,
    inner: number,
    dx: FloatArray,
    log: boolean,
  ): void {
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * size * inner + j;
        let s = 0;
        for (let r = 0; r < size; r++) {
          const i = base + r * inner;
          s += log ? dy[i] : dy[i] * y[i];
        }
        for (let r = 0; r < size; r++) {
          const i = base + r * inner;
          dx[i] = log ? dy[i] - Math.exp(y[i]) * s : y[i] * (dy[i] - s);
        }
      }
    }
  },
};
