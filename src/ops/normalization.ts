/**
 * Batch normalisation and dropout: the two layers whose behaviour depends on train/eval mode.
 */
import { noGrad } from "../autograd/grad_mode.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { add, div, mul, sqrt, sub } from "./elementwise.js";
import { mean } from "./reduce.js";
import { empty } from "./util.js";
import { rand } from "./creation.js";
import { ge } from "./elementwise.js";

export interface BatchNormOptions {
  runningMean?: Tensor | null; runningVar?: Tensor | null;
  weight?: Tensor | null; bias?: Tensor | null;
  training: boolean; momentum?: number; eps?: number;
}

/**
 * y = (x − μ) / √(σ² + ε) · γ + β over the batch (dim 0; and dim 2 for (N, C, L) input).
 * Training uses batch statistics and updates the running ones (unbiased variance, like PyTorch);
 * eval uses the running statistics.
 */
export function batchNorm(x: Tensor, opts: BatchNormOptions): Tensor {
  const { runningMean, runningVar, weight, bias, training } = opts;
  const momentum = opts.momentum ?? 0.1, eps = opts.eps ?? 1e-5;
  if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`batchNorm: expected 2-D (N, C) or 3-D (N, C, L) input, got ${fmt(x.shape)}`);
  const c = x.shape[1];
  const dims = x.ndim === 2 ? [0] : [0, 2];
  const bshape = x.ndim === 2 ? [1, c] : [1, c, 1];
  // x − μ is computed once and serves both the (biased) variance and the output.
  let centered: Tensor, v: Tensor;
  if (training) {
    const count = x.numel() / c;
    if (count <= 1) throw new Error(`batchNorm: expected more than 1 value per channel when training, got input ${fmt(x.shape)} — use a batch size > 1 or call model.eval()`);
    const mu = mean(x, dims, true);
    centered = sub(x, mu);
    v = mean(mul(centered, centered), dims, true);
    if (runningMean && runningVar) {
      noGrad(() => {
        const unbiased = mul(v, count / (count - 1)).reshape([c]);
        runningMean.copy_(add(mul(runningMean, 1 - momentum), mul(mu.reshape([c]), momentum)));
        runningVar.copy_(add(mul(runningVar, 1 - momentum), mul(unbiased, momentum)));
      });
    }
  } else {
    if (!runningMean || !runningVar) throw new Error("batchNorm: eval mode needs running statistics (trackRunningStats)");
    centered = sub(x, runningMean.reshape(bshape));
    v = runningVar.reshape(bshape);
  }
  let y = div(centered, sqrt(add(v, eps)));
  if (weight) y = mul(y, weight.reshape(bshape));
  if (bias) y = add(y, bias.reshape(bshape));
  return y;
}

/** Zeroes each element with probability p while training and scales the rest by 1/(1−p); identity in eval. */
export function dropout(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout: probability must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  if (p === 1) return mul(x, 0);
  const mask = empty(x.shape, x.dtype);
  const keep = 1 / (1 - p);
  for (let i = 0; i < mask.data.length; i++) mask.data[i] = generator.random() >= p ? keep : 0;
  return mul(x, mask);
}

const warned = new Set<string>();
/** Each warning once per process, as Python's warnings module shows a UserWarning once per place. */
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(`gradlab: ${message}`);
}

/**
 * Channel dropout (PyTorch's `F.dropout2d`, a feature dropout): while training, zeroes each whole
 * channel x[n, c] with probability p and scales the kept ones by 1/(1−p); identity in eval.
 * Input: (N, C, H, W). Like PyTorch today, a 3-D input is read as (N, C, L) — each x[n, c] row is
 * one channel — with a warning (PyTorch plans to read it as unbatched (C, H, W) one day; use
 * x.unsqueeze(0) for that now); other ranks warn too and drop x[n, c, ...] slices.
 */
export function dropout2d(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout2d: probability must be in [0, 1], got ${p}`);
  if (x.ndim === 3) {
    warnOnce("dropout2d: got a 3-D input; like PyTorch it is read as (N, C, L) and each x[n, c] row is dropped as " +
      "one channel. For an unbatched (C, H, W) image use dropout2d(x.unsqueeze(0)).squeeze(0); for 1-D channels " +
      "this is dropout1d's behaviour.");
  } else if (x.ndim !== 4) {
    warnOnce(`dropout2d: got a ${x.ndim}-D input ${fmt(x.shape)}; dropout2d is meant for (N, C, H, W) input (PyTorch ` +
      `deprecates other ranks) — use dropout for elementwise dropout`);
  }
  if (!training || p === 0) return x;
  if (x.ndim < 2) {
    throw new Error(`dropout2d: channel dropout needs at least (N, C) dims, got ${fmt(x.shape)}; use dropout`);
  }
  if (p === 1) return mul(x, 0);
  // One draw per (n, c), broadcast over the channel's elements.
  const noise = rand([x.shape[0], x.shape[1], ...x.shape.slice(2).map(() => 1)], { dtype: x.dtype, generator });
  return mul(x, mul(ge(noise, p), 1 / (1 - p)));
}
