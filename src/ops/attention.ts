/**
 * Scaled dot-product attention, PyTorch's math:
 *
 *   Attention(Q, K, V) = softmax(Q·Kᵀ · scale + bias) · V,   scale = 1/√E by default
 *
 * Query (N..., L, E), key (N..., S, E), value (N..., S, Ev) → output (N..., L, Ev). The bias comes
 * from `isCausal` (position i sees keys 0..i, top-left aligned as PyTorch) and `attnMask`: an int32
 * mask is boolean (nonzero = this query–key pair takes part, PyTorch's bool convention for this
 * function) and becomes 0 / −∞; a float mask is added as is.
 *
 * gradlab has no bool dtype (comparisons give float 0/1), so a float mask of only 0s and 1s is
 * refused: it would be added as +1, silently attending everywhere. Pass `mask.int()`.
 */
import { noGrad } from "../autograd/grad_mode.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { fmt } from "../tensor/shape.js";
import { isHost } from "../tensor/storage.js";
import type { Tensor } from "../tensor/tensor.js";
import { arange } from "./creation.js";
import { add, cast, eq, le, log, mul, ne } from "./elementwise.js";
import { matmul } from "./matmul.js";
import { dropout } from "./normalization.js";
import { maxAll } from "./reduce.js";
import { transpose, unsqueeze } from "./shape.js";
import { softmax } from "./softmax.js";
import { requireFloat } from "./util.js";

export interface ScaledDotProductAttentionOptions {
  /** int32: nonzero = attend (PyTorch's bool mask); float: added to the scores. Broadcasts to (N..., L, S). */
  attnMask?: Tensor | null;
  /** Dropout on the attention weights (applied whenever > 0, as PyTorch's function does). */
  dropoutP?: number;
  /** Mask out keys after each query's position. */
  isCausal?: boolean;
  /** Default 1/√E. */
  scale?: number | null;
  generator?: Generator;
}

/** The output and the attention weights (after dropout), shape (N..., L, S). */
export interface AttentionResult { output: Tensor; weights: Tensor }

/** 0 where `keep` is 1, −∞ where it is 0: log does exactly that, with no special-casing. */
const biasFromKeep = (keep: Tensor, dtype: Tensor["dtype"]): Tensor => noGrad(() => log(cast(keep, dtype)));

/** The additive bias of a causal mask: 0 for key j ≤ query i, −∞ after. */
export function causalBias(L: number, S: number, dtype: Tensor["dtype"] = "float32"): Tensor {
  return biasFromKeep(le(arange(S), unsqueeze(arange(L), 1)), dtype);
}

/**
 * An additive bias from a user's mask. `masked` says what a nonzero int32 entry means: true for
 * MultiheadAttention's masks (True = not allowed), false for scaledDotProductAttention's (True = attend).
 */
export function maskBias(mask: Tensor, dtype: Tensor["dtype"], masked: boolean, op: string): Tensor {
  if (mask.dtype === "int32") return biasFromKeep(masked ? eq(mask, 0) : ne(mask, 0), dtype);
  // Checked where the mask is on the host (a GPU read would be asynchronous).
  const zeroOne = isHost(mask.storage) &&
    noGrad(() => maxAll(mul(ne(mask, 0), ne(mask, 1))).item() === 0 && maxAll(mask).item() === 1);
  if (zeroOne) {
    throw new Error(`${op}: the mask ${fmt(mask.shape)} is a float tensor of 0s and 1s, which would be added to the scores ` +
      `(+1), not used as a boolean mask — gradlab has no bool dtype: pass mask.int() for a boolean mask ` +
      `(${masked ? "nonzero = masked out" : "nonzero = attend"}), or a float mask of 0 and -Infinity`);
  }
  return mask.dtype === dtype ? mask : cast(mask, dtype);
}

/** The attention computation with its weights (what MultiheadAttention returns with needWeights). */
export function attention(query: Tensor, key: Tensor, value: Tensor, bias: Tensor | null, scale: number, dropoutP: number,
  training: boolean, generator: Generator = defaultGenerator): AttentionResult {
  let scores = mul(matmul(query, transpose(key, -2, -1)), scale);
  if (bias) scores = add(scores, bias);
  let weights = softmax(scores, -1);
  if (dropoutP > 0 && training) weights = dropout(weights, dropoutP, true, generator);
  return { output: matmul(weights, value), weights };
}

/** `F.scaled_dot_product_attention`: see the file's doc for the shapes and the mask convention. */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, opts: ScaledDotProductAttentionOptions = {}): Tensor {
  const op = "scaledDotProductAttention";
  for (const [name, t] of [["query", query], ["key", key], ["value", value]] as const) {
    requireFloat(t, op);
    if (t.ndim < 2) throw new Error(`${op}: ${name} must have at least 2 dims (..., L, E), got ${fmt(t.shape)}`);
  }
  const E = query.shape[query.ndim - 1], L = query.shape[query.ndim - 2], S = key.shape[key.ndim - 2];
  if (key.shape[key.ndim - 1] !== E) {
    throw new Error(`${op}: query ${fmt(query.shape)} and key ${fmt(key.shape)} must share the last dim (the embedding E)`);
  }
  if (value.shape[value.ndim - 2] !== S) {
    throw new Error(`${op}: key ${fmt(key.shape)} and value ${fmt(value.shape)} must have the same sequence length S (dim -2)`);
  }
  if (opts.isCausal && opts.attnMask) throw new Error(`${op}: pass either attnMask or isCausal, not both (as PyTorch)`);
  const scale = opts.scale ?? 1 / Math.sqrt(E);
  const bias = opts.isCausal ? causalBias(L, S, query.dtype) : opts.attnMask ? maskBias(opts.attnMask, query.dtype, false, op) : null;
  return attention(query, key, value, bias, scale, opts.dropoutP ?? 0, true, opts.generator).output;
}

/** Sums two optional additive biases. */
export function addBias(a: Tensor | null, b: Tensor | null): Tensor | null {
  return a && b ? noGrad(() => add(a, b)) : a ?? b;
}
