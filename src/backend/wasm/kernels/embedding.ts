/** Embedding lookups on wasm (assembly/embedding.ts). */
import { checkEmbeddingIndices } from "../../js/embedding.js";
import { jsKernels } from "../../js/index.js";
import { f32, type WasmFamily, withFrame } from "../context.js";

export const embeddingFamily: WasmFamily = (ctx) => {
  const { ex } = ctx;
  return {
    embedding(weight, rows, dim, index, out) {
      if (!f32(weight, out)) {
        jsKernels.embedding(weight, rows, dim, index, out);
        return;
      }
      checkEmbeddingIndices(index, rows);
      if (index.length === 0 || dim === 0) return;
      withFrame(ctx, (f) =>
        ex.embedding(
          f.in(weight as Float32Array, 0, rows * dim),
          f.in(index),
          index.length,
          dim,
          f.overwrite(out as Float32Array, 0, index.length * dim),
        ),
      );
    },
    embeddingBackward(dy, index, dim, paddingIdx, dWeight) {
      if (!f32(dy, dWeight)) {
        jsKernels.embeddingBackward(dy, index, dim, paddingIdx, dWeight);
        return;
      }
      if (index.length === 0 || dim === 0) return;
      withFrame(ctx, (f) =>
        ex.embeddingBackward(
          f.in(dy as Float32Array, 0, index.length * dim),
          f.in(index),
          index.length,
          dim,
          paddingIdx,
          f.out(dWeight as Float32Array),
        ),
      );
    },
  };
};
