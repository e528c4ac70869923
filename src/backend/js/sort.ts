/**
 * Sorting and sampling, reference: top-k / sort along an axis, running sums, and drawing category
 * indices from unnormalised probabilities — what text generation needs (top-k filtering, sampling).
 * Axes are the middle one of an (outer, size, inner) view, as in the reductions.
 */
import type { FloatArray, TypedArray } from "../../tensor/dtype.js";

import type { FloatStorage, IntStorage, Storage } from "../../tensor/storage.js";

declare module "../kernels.js" {
  interface Kernels {
    /**
     * The k largest (or smallest) elements along the middle axis of (outer, size, inner), in order,
     * with their indices: values and indices are (outer, k, inner). Ties keep the lower index first
     * (a stable order); NaN counts as larger than every number, as in PyTorch. k = size is a sort.
     */
    topk(
      x: Storage,
      outer: number,
      size: number,
      inner: number,
      k: number,
      largest: boolean,
      values: Storage,
      indices: IntStorage,
    ): void;
    /** Running sum along the middle axis (from the end when `reverse`,
      which is cumsum's backward), accumulated in float64. */
    cumsum(x: Storage, outer: number, size: number, inner: number, reverse: boolean, out: Storage): void;
    /**
     * `numSamples` category indices per row of `probs` (rows × n non-negative weights, any positive
     * sum) from the uniforms `u` (rows × numSamples, in [0, 1)): with replacement by the inverse of
     * the row's cumulative sum; without, one after the other, each drawn category removed. Throws
     * on a row no distribution can come from (the same messages on every backend).
     */
    multinomial(
      probs: FloatStorage,
      rows: number,
      n: number,
      u: Float64Array,
      numSamples: number,
      replacement: boolean,
      out: IntStorage,
    ): void;
  }
}

/** a ranks before b when looking for the largest: NaN above every number. */
const greater = (a: number, b: number): boolean => (a !== a && b === b) || a > b;

/** The errors a distribution can raise, shared by every backend (checked before any draw). */
export function checkDistributions(
  probs: FloatArray,
  rows: number,
  n: number,
  numSamples: number,
  replacement: boolean,
): void {
  if (!replacement && numSamples > n) {
    throw new Error(
      `multinomial: cannot draw ${numSamples} samples without replacement from ${n} categories — ` +
        "pass { replacement: true } or ask for fewer samples",
    );
  }
  for (let r = 0; r < rows; r++) {
    let sum = 0,
      positive = 0;
    for (let j = 0; j < n; j++) {
      const p = probs[r * n + j];
      if (!(p >= 0) || p === Infinity) {
        throw new Error(
          `multinomial: row ${r} has the weight ${p} at category ${j}; weights must be finite and ≥ 0 ` +
            "(pass probabilities, e.g. softmax(logits), not logits)",
        );
      }
      sum += p;
      if (p > 0) positive++;
    }
    if (!(sum > 0)) {
      throw new Error(`multinomial: row ${r} sums to 0 — every category has weight 0, so there is nothing to draw`);
    }
    if (!replacement && positive < numSamples) {
      throw new Error(
        `multinomial: row ${r} has only ${positive} categories with a positive weight, too few for ` +
          `${numSamples} ` +
          "samples without replacement",
      );
    }
  }
}

export const sortKernels = {
  topk(
    x: TypedArray,
    outer: number,
    size: number,
    inner: number,
    k: number,
    largest: boolean,
    values: TypedArray,
    indices: Int32Array,
  ): void {
    const order = Array.from({ length: size }, (_, i) => i);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * size * inner + j;
        const at = (i: number): number => x[base + i * inner];
        for (let i = 0; i < size; i++) order[i] = i;
        // Array.prototype.sort is stable: equal keys keep ascending index order.
        order.sort(
          largest
            ? (a, b) => (greater(at(a), at(b)) ? -1 : greater(at(b), at(a)) ? 1 : 0)
            : (a, b) => (greater(at(b), at(a)) ? -1 : greater(at(a), at(b)) ? 1 : 0),
        );
        for (let r = 0; r < k; r++) {
          const dst = (o * k + r) * inner + j;
          values[dst] = at(order[r]);
          indices[dst] = order[r];
        }
      }
    }
  },
  cumsum(x: TypedArray, outer: number, size: number, inner: number, reverse: boolean, out: TypedArray): void {
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * size * inner + j;
        let s = 0;
        for (let r = 0; r < size; r++) {
          const i = base + (reverse ? size - 1 - r : r) * inner;
          s += x[i];
          out[i] = s;
        }
      }
    }
  },
  multinomial(
    probs: FloatArray,
    rows: number,
    n: number,
    u: Float64Array,
    numSamples: number,
    replacement: boolean,
    out: Int32Array,
  ): void {
    checkDistributions(probs, rows, n, numSamples, replacement);
    const w = new Float64Array(n);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < n; j++) w[j] = probs[r * n + j];
      if (replacement) {
        for (let j = 1; j < n; j++) w[j] += w[j - 1]; // cumulative sums, in float64
        for (let s = 0; s < numSamples; s++) {
          const target = u[r * numSamples + s] * w[n - 1];
          // The first category whose cumulative sum exceeds the target (never one of weight 0).
          let lo = 0,
            hi = n - 1;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (w[mid] > target) hi = mid;
            else lo = mid + 1;
          }
          out[r * numSamples + s] = lo;
        }
      } else {
        for (let s = 0; s < numSamples; s++) {
          let total = 0;
          for (let j = 0; j < n; j++) total += w[j];
          const target = u[r * numSamples + s] * total;
          let acc = 0,
            pick = -1;
          for (let j = 0; j < n; j++) {
            if (w[j] <= 0) continue;
            acc += w[j];
            pick = j;
            if (acc > target) break;
          }
          out[r * numSamples + s] = pick;
          w[pick] = 0;
        }
      }
    }
  },
};
