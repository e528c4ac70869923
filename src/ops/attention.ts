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
import { record } from "../autograd/graph.js";
import type { AttentionArgs } from "../backend/js/attention.js";
import { getDevice, kernels } from "../backend/registry.js";
import type { FloatStorage } from "../tensor/storage.js";
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
import { emptyToOverwrite, requireFloat } from "./util.js";

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
export interface AttentionResult {
  output: Tensor;
  weights: Tensor;
}

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
  const zeroOne =
    isHost(mask.storage) &&
    noGrad(() => maxAll(mul(ne(mask, 0), ne(mask, 1))).item() === 0 && maxAll(mask).item() === 1);
  if (zeroOne) {
    throw new Error(
      `${op}: the mask ${fmt(mask.shape)} is a float tensor of 0s and 1s, which would be added to the scores ` +
        `(+1), not used as a boolean mask — gradlab has no bool dtype: pass mask.int() for a boolean mask ` +
        `(${masked ? "nonzero = masked out" : "nonzero = attend"}), or a float mask of 0 and -Infinity`,
    );
  }
  return mask.dtype === dtype ? mask : cast(mask, dtype);
}

/** The attention computation with its weights (what MultiheadAttention returns with needWeights). */
export function attention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  bias: Tensor | null,
  scale: number,
  dropoutP: number,
  training: boolean,
  generator: Generator = defaultGenerator,
): AttentionResult {
  let scores = mul(matmul(query, transpose(key, -2, -1)), scale);
  if (bias) scores = add(scores, bias);
  let weights = softmax(scores, -1);
  if (dropoutP > 0 && training) weights = dropout(weights, dropoutP, true, generator);
  return { output: matmul(weights, value), weights };
}

/** Where the fused kernel's operands sit, without the arrays (see AttentionArgs). */
type Layout = Omit<AttentionArgs, "q" | "k" | "v" | "causal" | "scale">;

/**
 * Attention through the fused kernel (attentionForward/Backward): one node in the graph, the weights
 * kept for the backward only. `packed`: q, k and v are one tensor holding them in disjoint columns (a
 * packed projection), whose gradient the kernel writes whole; otherwise each gets its own gradient
 * (so `f(x, x, x)` adds up three, as autograd does for a repeated input).
 */
function fusedAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  packed: boolean,
  lay: Layout,
  causal: boolean,
  scale: number,
  outShape: readonly number[],
): Tensor {
  const args: AttentionArgs = {
    ...lay,
    q: q.storage as FloatStorage,
    k: k.storage as FloatStorage,
    v: v.storage as FloatStorage,
    causal,
    scale,
  };
  const out = emptyToOverwrite(outShape, q.dtype),
    oRow = lay.heads * lay.Dv;
  // Every weight is written: 0 past a causal row's last key.
  const weights = kernels.alloc(q.dtype, lay.batch * lay.heads * lay.L * lay.S, false, true) as FloatStorage;
  kernels.attentionForward(args, out.storage as FloatStorage, oRow, weights);
  const inputs = packed ? [q] : [q, k, v];
  return record(out, inputs, "ScaledDotProductAttentionBackward", (g) => {
    const grads = inputs.map((t) => emptyToOverwrite(t.shape, t.dtype)); // the kernel zeroes each unit's rows first
    const [dq, dk, dv] = (packed ? [grads[0], grads[0], grads[0]] : grads).map((t) => t.storage as FloatStorage);
    kernels.attentionBackward(args, weights, g.storage as FloatStorage, oRow, dq, dk, dv);
    return grads;
  });
}

/** The fused kernels take host arrays (js, wasm); a device backend runs the composite ops. */
const fusable = (...ts: Tensor[]): boolean =>
  getDevice() === "cpu" && ts.every((t) => isHost(t.storage) && t.dtype === ts[0].dtype);

/**
 * Self-attention of a packed projection: qkv (N, L, 3E) holding Q, K and V side by side (what
 * MultiheadAttention's in_proj computes), `heads` heads of E/heads each, causal or not, no dropout →
 * (N, L, E), heads concatenated. The fused kernel reads the heads in place: no split, no transposes.
 * Returns null where the fused kernel does not run (a device backend): use `attention` then.
 */
export function packedSelfAttention(qkv: Tensor, heads: number, causal: boolean, scale: number): Tensor | null {
  if (!fusable(qkv) || qkv.ndim !== 3 || qkv.shape[2] % (3 * heads) !== 0) return null;
  const [N, L, E3] = qkv.shape,
    E = E3 / 3,
    D = E / heads;
  return fusedAttention(
    qkv,
    qkv,
    qkv,
    true,
    {
      batch: N,
      heads,
      L,
      S: L,
      D,
      Dv: D,
      qOffset: 0,
      kOffset: E,
      vOffset: 2 * E,
      qRow: E3,
      kRow: E3,
      vRow: E3,
    },
    causal,
    scale,
    [N, L, E],
  );
}

/** `F.scaled_dot_product_attention`: see the file's doc for the shapes and the mask convention. */
export function scaledDotProductAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  opts: ScaledDotProductAttentionOptions = {},
): Tensor {
  const op = "scaledDotProductAttention";
  for (const [name, t] of [
    ["query", query],
    ["key", key],
    ["value", value],
  ] as const) {
    requireFloat(t, op);
    if (t.ndim < 2) throw new Error(`${op}: ${name} must have at least 2 dims (..., L, E), got ${fmt(t.shape)}`);
  }
  const E = query.shape[query.ndim - 1],
    L = query.shape[query.ndim - 2],
    S = key.shape[key.ndim - 2];
  if (key.shape[key.ndim - 1] !== E) {
    throw new Error(
      `${op}: query ${fmt(query.shape)} and key ${fmt(key.shape)} must share the last dim (the embedding E)`,
    );
  }
  if (value.shape[value.ndim - 2] !== S) {
    throw new Error(
      `${op}: key ${fmt(key.shape)} and value ${fmt(value.shape)} must have the same sequence length S (dim -2)`,
    );
  }
  if (opts.isCausal && opts.attnMask) throw new Error(`${op}: pass either attnMask or isCausal, not both (as PyTorch)`);
  const scale = opts.scale ?? 1 / Math.sqrt(E);
  const lead = query.shape.slice(0, -2),
    Ev = value.shape[value.ndim - 1];
  const sameBatch = (t: Tensor): boolean => t.ndim === query.ndim && lead.every((d, i) => t.shape[i] === d);
  if (!opts.attnMask && !(opts.dropoutP ?? 0) && sameBatch(key) && sameBatch(value) && fusable(query, key, value)) {
    // No mask but the causal one, no dropout, no broadcast batch: one fused kernel call.
    const batch = lead.reduce((a, b) => a * b, 1);
    return fusedAttention(
      query,
      key,
      value,
      false,
      {
        batch,
        heads: 1,
        L,
        S,
        D: E,
        Dv: Ev,
        qOffset: 0,
        kOffset: 0,
        vOffset: 0,
        qRow: E,
        kRow: E,
        vRow: Ev,
      },
      !!opts.isCausal,
      scale,
      [...lead, L, Ev],
    );
  }
  const bias = opts.isCausal
    ? causalBias(L, S, query.dtype)
    : opts.attnMask
      ? maskBias(opts.attnMask, query.dtype, false, op)
      : null;
  return attention(query, key, value, bias, scale, opts.dropoutP ?? 0, true, opts.generator).output;
}

/** Sums two optional additive biases. */
export function addBias(a: Tensor | null, b: Tensor | null): Tensor | null {
  return a && b ? noGrad(() => add(a, b)) : (a ?? b);
}
