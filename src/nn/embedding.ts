/**
 * nn.Embedding: a lookup table of numEmbeddings vectors of size embeddingDim, indexed by int32
 * token ids — the first layer of every language model.
 *
 * Input: int32 (*), any shape. Output: (*, embeddingDim). Weight: (numEmbeddings, embeddingDim),
 * initialised N(0, 1) as in PyTorch, with the `paddingIdx` row zeroed; that row gets no gradient.
 * Rows of indices repeated in a batch receive the sum of their gradients.
 *
 * @example
 * const emb = new nn.Embedding(65, 32);
 * emb(tensor([[0, 5, 5]], { dtype: "int32" })).shape // [1, 3, 32]
 */
import { noGrad } from "../autograd/grad_mode.js";
import { kernels } from "../backend/registry.js";
import { zeros } from "../ops/creation.js";
import { embedding, resolvePaddingIdx } from "../ops/embedding.js";
import { empty } from "../ops/util.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { normal_ } from "./init.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

export interface EmbeddingModuleOptions {
  /** Index whose row is zero at init and never updated (PyTorch's padding_idx); negative counts from the end. */
  paddingIdx?: number | null;
  /** PyTorch's max_norm renormalisation: not supported (throws). */
  maxNorm?: number | null;
  /** Use these values as the initial weight (numEmbeddings, embeddingDim) instead of N(0, 1) (PyTorch's _weight). */
  weight?: Tensor;
  /** Freeze the weight (requiresGrad false; PyTorch's _freeze). */
  freeze?: boolean;
}

export class Embedding extends Module {
  weight: Parameter;
  /** The padding row in 0..numEmbeddings-1, or null. */
  readonly paddingIdx: number | null;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    opts: EmbeddingModuleOptions = {},
  ) {
    super();
    for (const [name, v] of [
      ["numEmbeddings", numEmbeddings],
      ["embeddingDim", embeddingDim],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`Embedding: ${name} must be a positive integer, got ${v}`);
    }
    if (opts.maxNorm !== undefined && opts.maxNorm !== null) {
      throw new Error(
        "Embedding: maxNorm is not supported — leave it unset (renormalise the weight yourself under " +
          "noGrad if needed)",
      );
    }
    const pad = resolvePaddingIdx(opts.paddingIdx, numEmbeddings, "Embedding");
    this.paddingIdx = pad < 0 ? null : pad;
    if (opts.weight) {
      const w = opts.weight;
      if (w.ndim !== 2 || w.shape[0] !== numEmbeddings || w.shape[1] !== embeddingDim) {
        throw new Error(
          `Embedding(${numEmbeddings}, ${embeddingDim}): weight ${fmt(w.shape)} must be ` +
            `[${numEmbeddings}, ${embeddingDim}]`,
        );
      }
      this.weight = new Parameter(w.detach(), !opts.freeze);
    } else {
      this.weight = new Parameter(empty([numEmbeddings, embeddingDim]), !opts.freeze);
      this.resetParameters();
    }
  }

  /** Builds an Embedding from a (numEmbeddings, embeddingDim) table; frozen unless `freeze: false`, like PyTorch. */
  static fromPretrained(embeddings: Tensor, opts: { freeze?: boolean; paddingIdx?: number | null } = {}): Embedding {
    if (embeddings.ndim !== 2) {
      throw new Error(
        `Embedding.fromPretrained: embeddings must be 2-D (numEmbeddings, embeddingDim), got ` +
          `${fmt(embeddings.shape)}`,
      );
    }
    const [rows, dim] = embeddings.shape;
    return new Embedding(rows, dim, { weight: embeddings, freeze: opts.freeze ?? true, paddingIdx: opts.paddingIdx });
  }

  /** N(0, 1), then the padding row zeroed. */
  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null) {
      const d = this.embeddingDim,
        p = this.paddingIdx;
      noGrad(() => kernels.copyBlocks(zeros([d]).storage, 0, 0, this.weight.storage, p * d, 0, d, 1));
    }
  }

  override forward(input: Tensor): Tensor {
    if (input.dtype !== "int32") {
      throw new Error(
        `Embedding(${this.numEmbeddings}, ${this.embeddingDim}) got ${input.dtype} input ` +
          `${fmt(input.shape)}: it expects int32 ` +
          'token indices — create them with { dtype: "int32" } or call .int()',
      );
    }
    return embedding(input, this.weight, { paddingIdx: this.paddingIdx });
  }

  override extraRepr(): string {
    return (
      `${this.numEmbeddings}, ` +
      `${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ""}`
    );
  }
}
