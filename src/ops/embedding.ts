/**
 * Embedding lookup: `F.embedding(input, weight)` picks rows of a (numEmbeddings, embeddingDim)
 * table by int32 indices of any shape, giving (*, embeddingDim). Its backward adds each output
 * row's gradient into the row it came from, so a token seen twice gets both contributions; the
 * padding row (`paddingIdx`) gets none, as in PyTorch.
 *
 * @example
 * const table = randn([65, 32], { requiresGrad: true });
 * F.embedding(tensor([[1, 4, 4]], { dtype: "int32" }), table).shape // [1, 3, 32]
 */
import { record } from "../autograd/graph.js";
import { kernels } from "../backend/registry.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkDevices, empty, requireFloat } from "./util.js";
import type { FloatStorage, IntStorage } from "../tensor/storage.js";

export interface EmbeddingOptions {
  /** This row gets no gradient (PyTorch's padding_idx); negative counts from the end. */
  paddingIdx?: number | null;
  /** PyTorch renormalises looked-up rows to this norm in place; not supported here (throws). */
  maxNorm?: number | null;
}

/** A paddingIdx in 0..rows-1 (or −1 for none), with PyTorch's range rule for negative values. */
export function resolvePaddingIdx(paddingIdx: number | null | undefined, rows: number, op: string): number {
  if (paddingIdx === null || paddingIdx === undefined) return -1;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -rows || paddingIdx >= rows) {
    throw new Error(
      `${op}: paddingIdx must be an integer in ${-rows}..${rows - 1} (within numEmbeddings = ${rows}), ` +
        `got ${paddingIdx}`,
    );
  }
  return paddingIdx < 0 ? paddingIdx + rows : paddingIdx;
}

/**
 * Rows of `weight` (numEmbeddings, embeddingDim) picked by `input` (int32, any shape).
 * Output: (*input.shape, embeddingDim).
 */
export function embedding(input: Tensor, weight: Tensor, opts: EmbeddingOptions = {}): Tensor {
  if (input.dtype !== "int32") {
    throw new Error(
      `embedding: indices must be an int32 tensor (PyTorch's LongTensor), got ${input.dtype} ` +
        `${fmt(input.shape)} — ` +
        'create them with { dtype: "int32" } or call .int()',
    );
  }
  requireFloat(weight, "embedding");
  checkDevices("embedding", input, weight);
  if (weight.ndim !== 2) {
    throw new Error(`embedding: weight must be 2-D (numEmbeddings, embeddingDim), got ${fmt(weight.shape)}`);
  }
  if (opts.maxNorm !== undefined && opts.maxNorm !== null) {
    throw new Error(
      "embedding: maxNorm is not supported — leave it unset (renormalise the weight yourself under " +
        "noGrad if needed)",
    );
  }
  const [rows, dim] = weight.shape;
  const pad = resolvePaddingIdx(opts.paddingIdx, rows, "embedding");
  const index = input.storage as IntStorage;
  const out = empty([...input.shape, dim], weight.dtype);
  kernels.embedding(weight.storage as FloatStorage, rows, dim, index, out.storage as FloatStorage);
  return record(out, [weight], "EmbeddingBackward", (g) => {
    const dw = empty(weight.shape, weight.dtype);
    kernels.embeddingBackward(g.storage as FloatStorage, index, dim, pad, dw.storage as FloatStorage);
    return [dw];
  });
}
