/** Fused cross-entropy, reference: log-softmax and the negative log-likelihood in one pass. */
import type { FloatArray } from "../../tensor/dtype.js";
import { reductions } from "./reduce.js";

import type { FloatStorage, IntStorage } from "../../tensor/storage.js";

declare module "../kernels.js" {
  interface Kernels {
    /**
     * Cross-entropy from logits (n×c), fused with log-softmax. Writes each row's loss (0 for
     * ignoreIndex rows) and the log-probabilities the backward pass reuses. Throws on a target
     * outside 0..c-1 that is not ignoreIndex.
     */
    crossEntropyForward(
      logits: FloatStorage,
      target: IntStorage,
      n: number,
      c: number,
      labelSmoothing: number,
      ignoreIndex: number,
      lossRows: FloatStorage,
      logProbs: FloatStorage,
    ): void;
    /** dlogits[i,:] = rowGrad[i] · (softmax − smoothed one-hot); zero for ignored rows. */
    crossEntropyBackward(
      logProbs: FloatStorage,
      target: IntStorage,
      n: number,
      c: number,
      labelSmoothing: number,
      ignoreIndex: number,
      rowGrad: FloatStorage,
      dlogits: FloatStorage,
    ): void;
  }
}

/** The one message for a class index out of range, shared by every backend. */
export function checkTargets(target: Int32Array, n: number, c: number, ignoreIndex: number): void {
  for (let i = 0; i < n; i++) {
    const t = target[i];
    if (t !== ignoreIndex && (t < 0 || t >= c)) {
      throw new Error(`cross_entropy: target ${t} is out of bounds for ${c} classes (expected 0..${c - 1})`);
    }
  }
}

export const lossKernels = {
  crossEntropyForward(
    logits: FloatArray,
    target: Int32Array,
    n: number,
    c: number,
    eps: number,
    ignoreIndex: number,
    lossRows: FloatArray,
    logProbs: FloatArray,
  ): void {
    checkTargets(target, n, c, ignoreIndex);
    reductions.softmax(logits, n, c, 1, logProbs, true);
    for (let i = 0; i < n; i++) {
      const t = target[i];
      if (t === ignoreIndex) {
        lossRows[i] = 0;
        continue;
      }
      let s = 0;
      if (eps > 0) for (let j = 0; j < c; j++) s += logProbs[i * c + j];
      lossRows[i] = -(1 - eps) * logProbs[i * c + t] - (eps / c) * s;
    }
  },
  crossEntropyBackward(
    logProbs: FloatArray,
    target: Int32Array,
    n: number,
    c: number,
    eps: number,
    ignoreIndex: number,
    rowGrad: FloatArray,
    dlogits: FloatArray,
  ): void {
    for (let i = 0; i < n; i++) {
      const t = target[i],
        g = t === ignoreIndex ? 0 : rowGrad[i];
      for (let j = 0; j < c; j++) {
        const q = (j === t ? 1 - eps : 0) + eps / c;
        dlogits[i * c + j] = g * (Math.exp(logProbs[i * c + j]) - q);
      }
    }
  },
};
