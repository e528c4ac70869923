/**
 * Normalization layers' ops — batch, layer and group normalization, each one fused kernel forward
 * and one backward — and dropout: the layers whose behaviour depends on train/eval mode live here.
 *
 * @example
 * F.layerNorm(x, [768], w, b)                                    // over the last dim
 * F.batchNorm(x, { runningMean, runningVar, training: true })    // x: (N, C), (N, C, L) or (N, C, H, W)
 */
import { record } from "../autograd/graph.js";
import { kernels } from "../backend/registry.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { allocArray } from "../tensor/dtype.js";
import { fmt, numel } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { add, ge, mul } from "./elementwise.js";
import { checkDevices, empty, emptyToOverwrite, requireFloat } from "./util.js";
import { rand } from "./creation.js";
import type { FloatStorage } from "../tensor/storage.js";

export interface BatchNormFunctionalOptions {
  /** Running statistics (C): read in eval, updated in place when training. */
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  /** γ and β (C); none means 1 and 0. */
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Batch statistics (true) or the running ones (false). */
  training: boolean;
  /** running ← (1 − momentum)·running + momentum·batch. Default 0.1. */
  momentum?: number;
  eps?: number;
}

const data = (t: Tensor | null | undefined): FloatStorage | null => (t ? (t.storage as FloatStorage) : null);

function checkVector(t: Tensor | null | undefined, len: number, what: string, op: string, x: Tensor): void {
  if (t && t.numel() !== len) {
    throw new Error(
      `${op}: ${what} has shape ${fmt(t.shape)} but the input ${fmt(x.shape)} has ${len} channels — ` +
        `it needs ${len} elements`,
    );
  }
}

/**
 * y = (x − μ) / √(σ² + ε) · γ + β per channel (dim 1), over the batch and every dim after the channel.
 * Training uses the batch's mean and biased variance and updates the running statistics in place
 * (with the unbiased variance, like PyTorch); eval uses the running statistics.
 * Input: (N, C), (N, C, L) or (N, C, H, W, ...). Output: same shape.
 */
export function batchNorm(x: Tensor, opts: BatchNormFunctionalOptions, name = "batchNorm"): Tensor {
  const { runningMean, runningVar, weight, bias, training } = opts;
  const momentum = opts.momentum ?? 0.1,
    eps = opts.eps ?? 1e-5;
  requireFloat(x, name);
  checkDevices(name, x, weight, bias, runningMean, runningVar);
  if (x.ndim < 2) throw new Error(`${name}: expected input (N, C), (N, C, L) or (N, C, H, W), got ${fmt(x.shape)}`);
  const n = x.shape[0],
    c = x.shape[1],
    l = numel(x.shape.slice(2));
  if (training && n * l <= 1) {
    throw new Error(
      `${name}: expected more than 1 value per channel when training, got input ${fmt(x.shape)} — ` +
        "use a batch size > 1 or call model.eval()",
    );
  }
  if (!training && (!runningMean || !runningVar)) {
    throw new Error(`${name}: eval mode needs running statistics (trackRunningStats)`);
  }
  if (!runningMean !== !runningVar) throw new Error(`${name}: pass both runningMean and runningVar, or neither`);
  checkVector(weight, c, "weight", name, x);
  checkVector(bias, c, "bias", name, x);
  checkVector(runningMean, c, "runningMean", name, x);
  checkVector(runningVar, c, "runningVar", name, x);
  const out = empty(x.shape, x.dtype),
    mean = empty([c], x.dtype),
    rstd = empty([c], x.dtype);
  kernels.batchNormForward({
    x: x.storage as FloatStorage,
    n,
    c,
    l,
    weight: data(weight),
    bias: data(bias),
    runningMean: data(runningMean),
    runningVar: data(runningVar),
    training,
    momentum,
    eps,
    out: out.storage as FloatStorage,
    mean: mean.storage as FloatStorage,
    rstd: rstd.storage as FloatStorage,
  });
  const inputs = [x, weight, bias].filter((t): t is Tensor => !!t);
  return record(out, inputs, "NativeBatchNormBackward", (g) => {
    const dx = x.requiresGrad ? empty(x.shape, g.dtype) : null;
    const dw = weight?.requiresGrad ? empty([c], g.dtype) : null,
      db = bias?.requiresGrad ? empty([c], g.dtype) : null;
    kernels.batchNormBackward({
      x: x.storage as FloatStorage,
      dy: g.storage as FloatStorage,
      mean: mean.storage as FloatStorage,
      rstd: rstd.storage as FloatStorage,
      weight: data(weight),
      n,
      c,
      l,
      training,
      dx: data(dx),
      dweight: data(dw),
      dbias: data(db),
    });
    return [
      dx,
      ...(weight ? [dw?.reshape(weight.shape) ?? null] : []),
      ...(bias ? [db?.reshape(bias.shape) ?? null] : []),
    ];
  });
}

/** Normalizes each row of a (rows, d) view without affine; the backward gives dx only. */
function normalizeRows(
  x: Tensor,
  rows: number,
  d: number,
  eps: number,
  weight: Tensor | null,
  bias: Tensor | null,
  gradName: string,
): Tensor {
  const out = emptyToOverwrite(x.shape, x.dtype),
    mean = emptyToOverwrite([rows], x.dtype),
    rstd = emptyToOverwrite([rows], x.dtype);
  kernels.layerNormForward({
    x: x.storage as FloatStorage,
    rows,
    d,
    weight: data(weight),
    bias: data(bias),
    eps,
    out: out.storage as FloatStorage,
    mean: mean.storage as FloatStorage,
    rstd: rstd.storage as FloatStorage,
  });
  const inputs = [x, weight, bias].filter((t): t is Tensor => !!t);
  return record(out, inputs, gradName, (g) => {
    const dx = emptyToOverwrite(x.shape, g.dtype);
    const dw = weight?.requiresGrad ? empty(weight.shape, g.dtype) : null;
    const db = bias?.requiresGrad ? empty(bias.shape, g.dtype) : null;
    kernels.layerNormBackward({
      x: x.storage as FloatStorage,
      dy: g.storage as FloatStorage,
      mean: mean.storage as FloatStorage,
      rstd: rstd.storage as FloatStorage,
      weight: data(weight),
      rows,
      d,
      dx: dx.storage as FloatStorage,
      dweight: data(dw),
      dbias: data(db),
    });
    return [x.requiresGrad ? dx : null, ...(weight ? [dw] : []), ...(bias ? [db] : [])];
  });
}

/**
 * y = (x − E[x]) / √(Var[x] + ε) · γ + β over the last dims (`normalizedShape`), per sample, with
 * the biased variance. Input: (*, ...normalizedShape). weight, bias: normalizedShape. Output: same shape.
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
  name = "layerNorm",
): Tensor {
  requireFloat(x, name);
  checkDevices(name, x, weight, bias);
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  const tail = x.shape.slice(x.ndim - shape.length);
  if (shape.length === 0 || shape.length > x.ndim || tail.some((s, i) => s !== shape[i])) {
    throw new Error(
      `${name}: normalizedShape ${fmt(shape)} expects input of shape [*, ${shape.join(", ")}], ` +
        `got ${fmt(x.shape)}` +
        " — normalizedShape names the input's last dims",
    );
  }
  for (const [t, what] of [
    [weight, "weight"],
    [bias, "bias"],
  ] as const) {
    if (t && fmt(t.shape) !== fmt(shape)) {
      throw new Error(`${name}: ${what} has shape ${fmt(t.shape)}, expected normalizedShape ${fmt(shape)}`);
    }
  }
  const d = numel(shape);
  return normalizeRows(x, x.numel() / d, d, eps, weight, bias, "NativeLayerNormBackward");
}

/**
 * Splits the channels into `numGroups` groups and normalizes each group of each sample (over its
 * channels and every dim after them), then scales and shifts per channel (γ, β of length C).
 * Input: (N, C, *). Output: same shape.
 */
export function groupNorm(
  x: Tensor,
  numGroups: number,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
  name = "groupNorm",
): Tensor {
  requireFloat(x, name);
  checkDevices(name, x, weight, bias);
  if (x.ndim < 2) throw new Error(`${name}: expected input (N, C, *), got ${fmt(x.shape)}`);
  const [n, c] = x.shape;
  if (!(Number.isInteger(numGroups) && numGroups > 0) || c % numGroups !== 0) {
    throw new Error(
      `${name}: the ${c} channels of input ${fmt(x.shape)} must split evenly into ` + `numGroups=${numGroups} groups`,
    );
  }
  checkVector(weight, c, "weight", name, x);
  checkVector(bias, c, "bias", name, x);
  const rows = n * numGroups;
  let y = normalizeRows(x, rows, rows ? x.numel() / rows : 0, eps, null, null, "NativeGroupNormBackward");
  // The affine is per channel, not per normalized element: broadcast (1, C, 1, ...).
  const bshape = [1, c, ...x.shape.slice(2).map(() => 1)];
  if (weight) y = mul(y, weight.reshape(bshape));
  if (bias) y = add(y, bias.reshape(bshape));
  return y;
}

/** Zeroes each element with probability p while training and scales the rest by 1/(1−p); identity in eval. */
export function dropout(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout: probability must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  if (p === 1) return mul(x, 0);
  // The mask is drawn on the host by the seeded generator (the same on every backend), then handed over.
  const values = allocArray(x.dtype, x.numel());
  const keep = 1 / (1 - p);
  for (let i = 0; i < values.length; i++) values[i] = generator.random() >= p ? keep : 0;
  return mul(x, new Tensor(kernels.fromHost(values), x.shape));
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
    warnOnce(
      "dropout2d: got a 3-D input; like PyTorch it is read as (N, C, L) and each x[n, c] row is dropped as " +
        "one channel. For an unbatched (C, H, W) image use dropout2d(x.unsqueeze(0)).squeeze(0); for 1-D channels " +
        "this is dropout1d's behaviour.",
    );
  } else if (x.ndim !== 4) {
    warnOnce(
      `dropout2d: got a ${x.ndim}-D input ${fmt(x.shape)}; dropout2d is meant for (N, C, H, W) input (PyTorch ` +
        `deprecates other ranks) — use dropout for elementwise dropout`,
    );
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
