/**
 * nn.MultiheadAttention: h heads of scaled dot-product attention over learned projections,
 *
 *   MultiHead(Q, K, V) = Concat(head_1, ..., head_h)·W_Oᵀ + b_O,  head_i = Attention(Q·W_Qiᵀ, K·W_Kiᵀ, V·W_Viᵀ)
 *
 * Input (batchFirst): query (N, L, E), key and value (N, S, E); without batchFirst (L, N, E) and
 * (S, N, E); unbatched (L, E). Output: [output (same layout as query), weights (N, L, S) averaged
 * over heads, or (N, h, L, S) with averageAttnWeights false, or null with needWeights false].
 * Parameters under PyTorch's keys: in_proj_weight (3E, E) = [W_Q; W_K; W_V], in_proj_bias (3E),
 * out_proj.weight (E, E), out_proj.bias (E); PyTorch's init (xavier-uniform in_proj, zero biases).
 *
 * Masks: int32 masks are boolean, nonzero = NOT allowed (PyTorch's bool convention for this module):
 * attnMask (L, S) or (N·h, L, S), keyPaddingMask (N, S); float masks are added to the scores.
 */
import { noGrad } from "../autograd/grad_mode.js";
import { addBias, attention, causalBias, maskBias, packedSelfAttention } from "../ops/attention.js";
import { empty } from "../ops/util.js";
import { linear } from "../ops/matmul.js";
import { mean } from "../ops/reduce.js";
import { narrow, reshape, squeeze, transpose, unsqueeze } from "../ops/shape.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { constant_, xavierUniform_ } from "./init.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights in training mode. Default 0. */
  dropout?: number;
  bias?: boolean;
  /** Inputs are (N, L, E) instead of (L, N, E). Default false, as PyTorch. */
  batchFirst?: boolean;
}

export interface MultiheadAttentionForwardOptions {
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true, as PyTorch). */
  needWeights?: boolean;
  attnMask?: Tensor | null;
  /** Average the weights over heads (default true). */
  averageAttnWeights?: boolean;
  /** A hint that attnMask is the causal mask; without attnMask, the causal mask is used. */
  isCausal?: boolean;
}

export class MultiheadAttention extends Module<[Tensor, Tensor | null]> {
  in_proj_weight: Parameter;
  in_proj_bias: Parameter | null;
  out_proj: Linear;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    opts: MultiheadAttentionOptions = {},
  ) {
    super();
    if (!Number.isInteger(embedDim) || embedDim <= 0 || !Number.isInteger(numHeads) || numHeads <= 0) {
      throw new Error(
        `MultiheadAttention: embedDim and numHeads must be positive integers, got ${embedDim} and ${numHeads}`,
      );
    }
    if (embedDim % numHeads !== 0) {
      throw new Error(
        `MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads} (each head gets embedDim / numHeads)`,
      );
    }
    this.headDim = embedDim / numHeads;
    this.dropout = opts.dropout ?? 0;
    this.batchFirst = opts.batchFirst ?? false;
    const bias = opts.bias ?? true;
    this.in_proj_weight = new Parameter(empty([3 * embedDim, embedDim]));
    this.in_proj_bias = bias ? new Parameter(empty([3 * embedDim])) : null;
    this.out_proj = new Linear(embedDim, embedDim, { bias });
    xavierUniform_(this.in_proj_weight);
    if (this.in_proj_bias) constant_(this.in_proj_bias, 0);
    if (this.out_proj.bias) constant_(this.out_proj.bias, 0);
  }

  override forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    opts: MultiheadAttentionForwardOptions = {},
  ): [Tensor, Tensor | null] {
    const E = this.embedDim,
      h = this.numHeads,
      d = this.headDim;
    const name = `MultiheadAttention(E=${E}, heads=${h})`;
    const unbatched = query.ndim === 2;
    for (const [what, t] of [
      ["query", query],
      ["key", key],
      ["value", value],
    ] as const) {
      if (t.ndim !== (unbatched ? 2 : 3) || t.shape[t.ndim - 1] !== E) {
        const layout = unbatched ? "(L, E)" : this.batchFirst ? "(N, L, E)" : "(L, N, E)";
        throw new Error(
          `${name} got ${what} ${fmt(t.shape)}: expected ${layout} with E = ${E}` +
            (!unbatched && !this.batchFirst ? " — pass batchFirst: true for (N, L, E) input" : ""),
        );
      }
    }
    // Work batch-first: (N, L, E).
    const toBatchFirst = (t: Tensor): Tensor =>
      unbatched ? unsqueeze(t, 0) : this.batchFirst ? t : transpose(t, 0, 1);
    const q0 = toBatchFirst(query),
      k0 = toBatchFirst(key),
      v0 = toBatchFirst(value);
    const [N, L] = q0.shape,
      S = k0.shape[1];
    if (k0.shape[0] !== N || v0.shape[0] !== N || v0.shape[1] !== S) {
      throw new Error(
        `${name}: query ${fmt(query.shape)}, key ${fmt(key.shape)} and value ${fmt(value.shape)} disagree on the batch or on S`,
      );
    }
    const W = this.in_proj_weight,
      b = this.in_proj_bias;
    const part = (t: Tensor, i: number): Tensor => narrow(t, 0, i * E, E);
    let q: Tensor, k: Tensor, v: Tensor;
    if (query === key && key === value) {
      // Self-attention: one product for Q, K and V, split after (PyTorch does the same).
      const qkv = linear(q0, W, b);
      const fusedOk =
        !opts.attnMask && !opts.keyPaddingMask && !(opts.needWeights ?? true) && !(this.dropout > 0 && this.training);
      // At most a causal mask and no weights wanted (a transformer block): one fused kernel reads the
      // heads straight out of the packed projection (null on a device backend: the ops below then).
      const o = fusedOk ? packedSelfAttention(qkv, h, !!opts.isCausal, 1 / Math.sqrt(d)) : null;
      if (o) {
        const out = this.out_proj(o);
        return [unbatched ? squeeze(out, 0) : this.batchFirst ? out : transpose(out, 0, 1), null];
      }
      [q, k, v] = [0, 1, 2].map((i) => narrow(qkv, 2, i * E, E));
    } else {
      q = linear(q0, part(W, 0), b && part(b, 0));
      k = linear(k0, part(W, 1), b && part(b, 1));
      v = linear(v0, part(W, 2), b && part(b, 2));
    }
    // (N, T, E) → (N, h, T, d)
    const heads = (t: Tensor, T: number): Tensor => transpose(reshape(t, [N, T, h, d]), 1, 2);
    const bias = this.bias(opts, N, L, S, q0.dtype, name);
    const { output, weights } = attention(
      heads(q, L),
      heads(k, S),
      heads(v, S),
      bias,
      1 / Math.sqrt(d),
      this.dropout,
      this.training,
    );
    let out = this.out_proj(reshape(transpose(output, 1, 2), [N, L, E]));
    out = unbatched ? squeeze(out, 0) : this.batchFirst ? out : transpose(out, 0, 1);
    if (!(opts.needWeights ?? true)) return [out, null];
    let w = (opts.averageAttnWeights ?? true) ? mean(weights, 1) : weights;
    if (unbatched) w = squeeze(w, 0);
    return [out, w];
  }

  /** The additive bias (N or 1, h or 1, L, S) from attnMask, keyPaddingMask and isCausal. */
  private bias(
    opts: MultiheadAttentionForwardOptions,
    N: number,
    L: number,
    S: number,
    dtype: Tensor["dtype"],
    name: string,
  ): Tensor | null {
    let bias: Tensor | null = null;
    if (opts.attnMask) {
      const m = opts.attnMask;
      const ok =
        (m.ndim === 2 && m.shape[0] === L && m.shape[1] === S) ||
        (m.ndim === 3 && m.shape[0] === N * this.numHeads && m.shape[1] === L && m.shape[2] === S);
      if (!ok)
        throw new Error(
          `${name}: attnMask ${fmt(m.shape)} must be (L, S) = [${L}, ${S}] or (N·heads, L, S) = [${N * this.numHeads}, ${L}, ${S}]`,
        );
      bias = maskBias(m, dtype, true, name);
      if (m.ndim === 3) bias = noGrad(() => reshape(bias!, [N, this.numHeads, L, S]));
    } else if (opts.isCausal) {
      bias = causalBias(L, S, dtype);
    }
    if (opts.keyPaddingMask) {
      const m = opts.keyPaddingMask;
      if (m.ndim !== 2 || m.shape[0] !== N || m.shape[1] !== S) {
        throw new Error(`${name}: keyPaddingMask ${fmt(m.shape)} must be (N, S) = [${N}, ${S}]`);
      }
      bias = addBias(
        bias,
        noGrad(() => reshape(maskBias(m, dtype, true, name), [N, 1, 1, S])),
      );
    }
    return bias;
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, dropout=${this.dropout}, batchFirst=${this.batchFirst}`;
  }
}
