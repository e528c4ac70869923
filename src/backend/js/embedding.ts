/** Embedding lookups, reference: rows of a weight table picked by int32 indices,
  and the backward that adds them back. */
import type { FloatArray } from "../../tensor/dtype.js";

import type { FloatStorage, IntStorage } from "../../tensor/storage.js";

declare module "../kernels.js" {
  interface Kernels {
    /**
     * out[i, :] = weight[index[i], :] for a (rows, dim) table. Throws on an index outside 0..rows-1
     * (the same message on every backend).
     */
    embedding(weight: FloatStorage, rows: number, dim: number, index: IntStorage, out: FloatStorage): void;
    /**
     * dWeight[index[i], :] += dy[i, :] — rows of repeated indices add up; entries equal to
     * `paddingIdx` (−1: none) add nothing, so the padding row gets no gradient.
     */
    embeddingBackward(
      dy: FloatStorage,
      index: IntStorage,
      dim: number,
      paddingIdx: number,
      dWeight: FloatStorage,
    ): void;
  }
}

/** The one message for an index outside the table, shared by every backend. */
export function checkEmbeddingIndices(index: Int32Array, rows: number): void {
  for (let i = 0; i < index.length; i++) {
    const v = index[i];
    if (!(v >= 0 && v < rows)) {
      throw new Error(
        `embedding: index ${v} (at position ${i}) is out of range for an embedding table of ` +
          `${rows} rows (numEmbeddings); indices must be in 0..${rows - 1} — is the vocabulary larger than the table?`,
      );
    }
  }
}

export const embeddingKernels = {
  embedding(weight: FloatArray, rows: number, dim: number, index: Int32Array, out: FloatArray): void {
    checkEmbeddingIndices(index, rows);
    for (let i = 0; i < index.length; i++) out.set(weight.subarray(index[i] * dim, (index[i] + 1) * dim), i * dim);
  },
  embeddingBackward(dy: FloatArray, index: Int32Array, dim: number, paddingIdx: number, dWeight: FloatArray): void {
    for (let i = 0; i < index.length; i++) {
      if (index[i] === paddingIdx) continue;
      const o = index[i] * dim,
        s = i * dim;
      for (let j = 0; j < dim; j++) dWeight[o + j] += dy[s + j];
    }
  },
};
