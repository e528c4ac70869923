/**
 * Loss functions from PyTorch's `torch.nn.functional`, same names (camelCase) and semantics.
 * `crossEntropy` takes raw logits and fuses log-softmax with the negative log-likelihood, so it
 * stays finite at logits of ±1e4 and its gradient is simply softmax − one-hot.
 *
 * @example
 * crossEntropy(tensor([[2, 1, 0.1]]), tensor([0], { dtype: "int32" })).item() // 0.4170
 */
import { record } from "../autograd/graph.js";
import { kernels } from "../backend/registry.js";
import { fmt, sameShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/grad_mode.js";
import { abs, clamp, div, exp, log, log1p, mul, ne, neg, sub } from "./elementwise.js";
import { relu } from "./activation.js";
import { mean, sum } from "./reduce.js";
import { gather } from "./shape.js";
import { logSoftmax } from "./softmax.js";
import { checkDevices, empty, requireFloat } from "./util.js";
import { type FloatStorage, type IntStorage, isHost } from "../tensor/storage.js";

export type Reduction = "mean" | "sum" | "none";

export interface CrossEntropyOptions {
  reduction?: Reduction;
  /** Mixes the one-hot target with the uniform distribution: (1−ε)·onehot + ε/C. */
  labelSmoothing?: number;
  /** Targets equal to this are skipped (and not counted in the mean). Default −100, as PyTorch. */
  ignoreIndex?: number;
}

function reduce(x: Tensor, reduction: Reduction, op: string): Tensor {
  if (reduction === "none") return x;
  if (reduction === "sum") return sum(x);
  if (reduction === "mean") return mean(x);
  throw new Error(`${op}: reduction must be "mean", "sum" or "none", got "${reduction as string}"`);
}

/** Integer input with a float target is labels and logits in the wrong order, not a dtype to convert. */
function checkOrder(input: Tensor, target: Tensor, op: string): void {
  checkDevices(op, input, target);
  if (input.dtype === "int32" && target.dtype !== "int32") {
    throw new Error(
      `${op}: the arguments look swapped: input is int32 ${fmt(input.shape)} (class labels?) ` +
        `and target ${target.dtype} ${fmt(target.shape)} (scores?) — the order is ${op}(input, target), ` +
        `as in PyTorch: ${op}(${op === "nllLoss" ? "logProbs" : "logits"} [N, C], labels [N])`,
    );
  }
}

function checkClassTargets(input: Tensor, target: Tensor, op: string): void {
  checkOrder(input, target, op);
  if (target.dtype !== "int32") {
    throw new Error(
      `${op}: class-index targets must be int32, got ${target.dtype} ${fmt(target.shape)} — pass labels as tensor(labels, { dtype: "int32" }) or call .long()`,
    );
  }
  if (input.ndim !== 2 || target.ndim !== 1 || target.shape[0] !== input.shape[0]) {
    throw new Error(
      `${op}: expected input [N, C] and target [N], got input ${fmt(input.shape)} and target ${fmt(target.shape)}` +
        (input.ndim > 2
          ? " — for (N, C, L) logits use input.permute(0, 2, 1).reshape([-1, C]) and target.reshape([-1])"
          : target.ndim === 2
            ? " — targets are class indices, not one-hot rows: use target.argmax(1)"
            : ""),
    );
  }
}

/**
 * Cross-entropy between logits and class indices (or class probabilities).
 * Input: (N, C) logits (or (C)). Target: (N) int32 class indices, or (N, C) float probabilities.
 * Output: scalar, or (N) with `reduction: "none"`.
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const reduction = opts.reduction ?? "mean";
  const eps = opts.labelSmoothing ?? 0;
  const ignoreIndex = opts.ignoreIndex ?? -100;
  checkOrder(input, target, "crossEntropy");
  requireFloat(input, "crossEntropy");
  if (!["mean", "sum", "none"].includes(reduction))
    throw new Error(`crossEntropy: reduction must be "mean", "sum" or "none", got "${reduction}"`);
  if (!(eps >= 0 && eps <= 1)) throw new Error(`crossEntropy: labelSmoothing must be in [0, 1], got ${eps}`);
  if (input.ndim === 1) {
    const batched = target.dtype === "int32" ? target.reshape([1]) : target.unsqueeze(0);
    return crossEntropy(input.unsqueeze(0), batched, opts).reshape([]);
  }
  if (target.dtype !== "int32" && sameShape(target.shape, input.shape)) {
    const c = input.shape[1];
    const smoothed = eps > 0 ? target.mul(1 - eps).add(eps / c) : target;
    return reduce(neg(sum(mul(logSoftmax(input, 1), smoothed), 1)), reduction, "crossEntropy");
  }
  if (input.ndim > 2 && target.dtype === "int32") {
    // (N, C, d1, ...) logits with (N, d1, ...) targets: classes moved last and flattened to the
    // (rows, C) form the fused kernel runs on (one permute; the rows are the sequence positions).
    const [nb, c] = input.shape,
      rest = input.shape.slice(2);
    if (target.ndim !== input.ndim - 1 || target.shape[0] !== nb || rest.some((d, i) => target.shape[i + 1] !== d)) {
      const lmLayout = target.ndim === input.ndim - 1 && target.shape.every((d, i) => d === input.shape[i]);
      const fix =
        ` — for (N, L, C) logits use input.view(-1, ${input.shape[input.ndim - 1]}) with target.view(-1), ` +
        "or input.permute(0, 2, 1)";
      throw new Error(
        `crossEntropy: input ${fmt(input.shape)} is read as (N, C, d1, ...) logits and needs a target ` +
          `${fmt([nb, ...rest])} of class indices, got ${fmt(target.shape)}${lmLayout ? fix : ""}`,
      );
    }
    const flat = input.permute([0, ...rest.map((_, i) => i + 2), 1]).reshape([-1, c]);
    const out = crossEntropy(flat, target.reshape([-1]), opts);
    return reduction === "none" ? out.reshape(target.shape) : out;
  }
  checkClassTargets(input, target, "crossEntropy");
  const [n, c] = input.shape;
  const tgt = target.storage as IntStorage;
  // Per-row losses from the fused kernel, with their own backward; the reduction is ordinary ops.
  const logProbs = empty([n, c], input.dtype);
  const rows = empty([n], input.dtype);
  kernels.crossEntropyForward(
    input.storage as FloatStorage,
    tgt,
    n,
    c,
    eps,
    ignoreIndex,
    rows.storage as FloatStorage,
    logProbs.storage as FloatStorage,
  );
  record(rows, [input], "CrossEntropyBackward", (g) => {
    const dx = empty(input.shape, input.dtype);
    kernels.crossEntropyBackward(
      logProbs.storage as FloatStorage,
      tgt,
      n,
      c,
      eps,
      ignoreIndex,
      g.storage as FloatStorage,
      dx.storage as FloatStorage,
    );
    return [dx];
  });
  if (reduction !== "mean") return reduce(rows, reduction, "crossEntropy");
  // The mean is over the rows that count: ignored targets are left out (0/0 = NaN if all are).
  const counted = noGrad(() => sum(ne(target, ignoreIndex)));
  return div(sum(rows), counted);
}

/** Negative log-likelihood of log-probabilities. Input (N, C), target (N) int32. */
export function nllLoss(
  input: Tensor,
  target: Tensor,
  opts: { reduction?: Reduction; ignoreIndex?: number } = {},
): Tensor {
  checkClassTargets(input, target, "nllLoss");
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const keep = target.ne(ignoreIndex);
  const safeTarget = target.mul(keep.int()).reshape([-1, 1]);
  const picked = neg(gather(input, 1, safeTarget).reshape([-1])).mul(keep.to(input.dtype));
  const reduction = opts.reduction ?? "mean";
  if (reduction === "mean") return sum(picked).div(sum(keep));
  return reduce(picked, reduction, "nllLoss");
}

function checkSameShape(a: Tensor, b: Tensor, op: string): void {
  checkDevices(op, a, b);
  if (!sameShape(a.shape, b.shape)) {
    throw new Error(
      `${op}: input ${fmt(a.shape)} and target ${fmt(b.shape)} must have the same shape — a [N, 1] vs [N] mismatch would broadcast to [N, N]; reshape one of them`,
    );
  }
}

/** Mean squared error: mean((input − target)²). */
export function mseLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  checkSameShape(input, target, "mseLoss");
  const d = sub(input, target);
  return reduce(mul(d, d), opts.reduction ?? "mean", "mseLoss");
}

/** Binary cross-entropy on probabilities in [0, 1]; logs are clamped at −100, as PyTorch does. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  checkSameShape(input, target, "binaryCrossEntropy");
  // Checked where the values are on the host (a GPU read would be asynchronous).
  for (const v of isHost(input.storage) ? input.storage : []) {
    if (!(v >= 0 && v <= 1))
      throw new Error(
        `binaryCrossEntropy: input values must be probabilities in [0, 1], found ${v} — apply sigmoid first, or use binaryCrossEntropyWithLogits on raw logits`,
      );
  }
  // Forward as PyTorch: logs clamped at −100. Backward as PyTorch too — (p − y) / max(p(1 − p), 1e-12) —
  // instead of through the clamp: at p = 0 or 1 (a saturated sigmoid in float32) that would be 0 · ∞ = NaN.
  const { logP, log1mP, loss } = noGrad(() => {
    const lp = clamp(log(input), -100),
      l1 = clamp(log(sub(1, input)), -100);
    return { logP: lp, log1mP: l1, loss: neg(mul(target, lp).add(mul(sub(1, target), l1))) };
  });
  record(loss, [input, target], "BinaryCrossEntropyBackward", (g) => [
    input.requiresGrad ? mul(g, div(sub(input, target), clamp(mul(input, sub(1, input)), 1e-12))) : null,
    target.requiresGrad ? mul(g, sub(log1mP, logP)) : null,
  ]);
  return reduce(loss, opts.reduction ?? "mean", "binaryCrossEntropy");
}

/** BCE on logits, stable form: max(x, 0) − x·y + log(1 + e^−|x|). */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  opts: { reduction?: Reduction; posWeight?: Tensor } = {},
): Tensor {
  checkSameShape(input, target, "binaryCrossEntropyWithLogits");
  if (opts.posWeight) {
    // (1 + (pw − 1)·y) scales the log-sigmoid term: loss = (1−y)·x + (1 + (pw−1)·y)·softplus(−x)
    const lw = mul(sub(opts.posWeight, 1), target).add(1);
    const softplusNegX = relu(neg(input)).add(log1p(exp(neg(abs(input)))));
    const loss = mul(sub(1, target), input).add(mul(lw, softplusNegX));
    return reduce(loss, opts.reduction ?? "mean", "binaryCrossEntropyWithLogits");
  }
  const loss = relu(input)
    .sub(mul(input, target))
    .add(log1p(exp(neg(abs(input)))));
  return reduce(loss, opts.reduction ?? "mean", "binaryCrossEntropyWithLogits");
}
