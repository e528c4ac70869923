/** A float64 finite-difference gradient check for every differentiable op, on every backend. */
import { describe, expect, it } from "vitest";
import { conv2dRelu } from "../../src/ops/conv.js";
import {
  F,
  gradcheck,
  manualSeed,
  ones,
  randn,
  rand,
  randperm,
  type Tensor,
  tensor,
  cat,
  stack,
  tril,
  triu,
  where,
  zeros,
} from "../../src/index.js";
import { linearRelu } from "../../src/ops/matmul.js";
import { backendsUnderTest, useBackend } from "../helpers.js";
import { sequenceChecks } from "./gradcheck_sequence.js";

const backends = await backendsUnderTest();
const d = (shape: number[], scale = 1, shift = 0): Tensor => randn(shape, { dtype: "float64" }).mul(scale).add(shift);
const pos = (shape: number[]): Tensor => rand(shape, { dtype: "float64" }).add(0.5);
const labels = (vals: number[]): Tensor => tensor(vals, { dtype: "int32" });
// Keep inputs away from kinks (0 for relu/abs) so central differences are meaningful.
/** A shuffled grid k·0.05 (k = 0..n−1): distinct values, so max pooling's argmax is stable under finite differences. */
const distinct = (shape: number[]): Tensor =>
  tensor(Array.from(randperm(shape.reduce((a, b) => a * b, 1))), { shape, dtype: "float64" }).mul(0.05);
const awayFromZero = (shape: number[]): Tensor => {
  const t = d(shape);
  return t.add(t.gt(0).double().sub(0.5).mul(0.4));
};

const checks: Record<string, () => [(...xs: Tensor[]) => Tensor, Tensor[]]> = {
  "add (broadcast)": () => [(a, b) => a.add(b), [d([3, 4]), d([4])]],
  "sub (broadcast)": () => [(a, b) => a.sub(b), [d([3, 1]), d([3, 4])]],
  "mul (broadcast)": () => [(a, b) => a.mul(b), [d([2, 3, 4]), d([3, 1])]],
  "div (broadcast)": () => [(a, b) => a.div(b), [d([3, 4]), pos([4])]],
  "pow scalar": () => [(a) => a.pow(3), [d([3, 4])]],
  "pow square": () => [(a) => a.pow(2), [d([5])]],
  "pow tensor": () => [(a, b) => a.pow(b), [pos([3, 4]), d([3, 4])]],
  maximum: () => [(a, b) => a.maximum(b), [d([3, 4]), d([4])]],
  minimum: () => [(a, b) => a.minimum(b), [d([3, 4]), d([3, 4])]],
  neg: () => [(a) => a.neg(), [d([4])]],
  exp: () => [(a) => a.exp(), [d([3, 4])]],
  log: () => [(a) => a.log(), [pos([3, 4])]],
  log1p: () => [(a) => a.log1p(), [pos([3, 4])]],
  sqrt: () => [(a) => a.sqrt(), [pos([3, 4])]],
  abs: () => [(a) => a.abs(), [awayFromZero([3, 4])]],
  clamp: () => [(a) => a.clamp(-0.5, 0.5), [d([20])]],
  relu: () => [(a) => F.relu(a), [awayFromZero([3, 4])]],
  leakyRelu: () => [(a) => F.leakyRelu(a, 0.1), [awayFromZero([3, 4])]],
  sigmoid: () => [(a) => F.sigmoid(a), [d([3, 4], 3)]],
  tanh: () => [(a) => F.tanh(a), [d([3, 4], 2)]],
  gelu: () => [(a) => F.gelu(a), [d([3, 4], 3)]],
  "gelu tanh": () => [(a) => F.gelu(a, { approximate: "tanh" }), [d([3, 4], 3)]],
  silu: () => [(a) => F.silu(a), [d([3, 4], 3)]],
  "sum all": () => [(a) => a.sum(), [d([3, 4])]],
  "sum dims keepdim": () => [(a) => a.sum([0, 2], true), [d([2, 3, 4])]],
  mean: () => [(a) => a.mean(-1), [d([3, 4])]],
  var: () => [(a) => a.var(0), [d([5, 3])]],
  "max dim": () => [(a) => a.max(1).values, [d([3, 5])]],
  "min dim": () => [(a) => a.min(0, true).values, [d([3, 5])]],
  "max all": () => [(a) => a.max(), [d([3, 5])]],
  "matmul 2d": () => [(a, b) => a.matmul(b), [d([3, 4]), d([4, 5])]],
  "matmul batched broadcast": () => [(a, b) => a.matmul(b), [d([2, 3, 4]), d([4, 2])]],
  "matmul vector": () => [(a, b) => a.matmul(b), [d([3, 4]), d([4])]],
  linear: () => [(x, w, b) => F.linear(x, w, b), [d([5, 4]), d([3, 4]), d([3])]],
  // nn.Sequential's fused Linear→ReLU; a bias of ±1.5–2 keeps x·Wᵀ + b (with small x, W) away from relu's kink.
  linearRelu: () => [
    (x, w, b) => linearRelu(x, w, b),
    [d([5, 4], 0.1), d([3, 4], 0.1), tensor([2, -2, 1.5], { dtype: "float64" })],
  ],
  "conv1d stride padding dilation": () => [
    (x, w, b) => F.conv1d(x, w, b, { stride: 2, padding: 2, dilation: 2 }),
    [d([2, 4, 9]), d([3, 4, 3]), d([3])],
  ],
  "conv1d same groups": () => [
    (x, w) => F.conv1d(x, w, null, { padding: "same", groups: 2 }),
    [d([2, 4, 7]), d([4, 2, 4])],
  ],
  conv2d: () => [(x, w, b) => F.conv2d(x, w, b), [d([2, 3, 5, 4]), d([4, 3, 3, 2]), d([4])]],
  "conv2d stride padding": () => [
    (x, w, b) => F.conv2d(x, w, b, { stride: [2, 3], padding: [1, 2] }),
    [d([2, 2, 7, 8]), d([3, 2, 3, 3]), d([3])],
  ],
  "conv2d dilation no bias": () => [
    (x, w) => F.conv2d(x, w, null, { dilation: [2, 1], padding: 1 }),
    [d([1, 2, 7, 6]), d([3, 2, 3, 3])],
  ],
  "conv2d groups": () => [
    (x, w, b) => F.conv2d(x, w, b, { groups: 2, padding: 1, stride: 2 }),
    [d([2, 4, 6, 5]), d([6, 2, 3, 3]), d([6])],
  ],
  "conv2d depthwise": () => [
    (x, w, b) => F.conv2d(x, w, b, { groups: 3, padding: 1 }),
    [d([2, 3, 5, 5]), d([3, 1, 3, 3]), d([3])],
  ],
  "conv2d same even kernel": () => [
    (x, w) => F.conv2d(x, w, null, { padding: "same", dilation: [1, 3] }),
    [d([1, 2, 5, 7]), d([2, 2, 2, 2])],
  ],
  "conv2d 1x1 unbatched": () => [(x, w, b) => F.conv2d(x, w, b), [d([3, 4, 5]), d([2, 3, 1, 1]), d([2])]],
  // The fused Conv2d→ReLU; a bias of ±1.5–2 keeps the small pre-activations away from relu's kink.
  conv2dRelu: () => [
    (x, w, b) => conv2dRelu(x, w, b, { padding: 1 }),
    [d([2, 2, 4, 4], 0.1), d([3, 2, 3, 3], 0.1), tensor([2, -2, 1.5], { dtype: "float64" })],
  ],
  convTranspose2d: () => [(x, w, b) => F.convTranspose2d(x, w, b), [d([2, 3, 4, 3]), d([3, 2, 3, 3]), d([2])]],
  "convTranspose2d stride padding outputPadding": () => [
    (x, w, b) => F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: [1, 0] }),
    [d([2, 3, 3, 4]), d([3, 2, 3, 2]), d([2])],
  ],
  "convTranspose2d groups dilation": () => [
    (x, w) => F.convTranspose2d(x, w, null, { groups: 2, dilation: 2, stride: [1, 2], outputPadding: [1, 1] }),
    [d([1, 4, 3, 3]), d([4, 3, 2, 3])],
  ],
  softmax: () => [(a) => F.softmax(a, -1), [d([3, 5])]],
  "softmax dim0 temperature": () => [(a) => F.softmax(a, 0, { temperature: 0.7 }), [d([3, 5])]],
  logSoftmax: () => [(a) => F.logSoftmax(a, 1), [d([3, 5])]],
  crossEntropy: () => [(a) => F.crossEntropy(a, labels([0, 2, 4])), [d([3, 5])]],
  "crossEntropy smoothing sum": () => [
    (a) => F.crossEntropy(a, labels([1, 2, 3]), { labelSmoothing: 0.1, reduction: "sum" }),
    [d([3, 5])],
  ],
  "crossEntropy ignoreIndex none": () => [
    (a) => F.crossEntropy(a, labels([1, -100, 3]), { reduction: "none" }),
    [d([3, 5])],
  ],
  "crossEntropy soft targets": () => [(a, p) => F.crossEntropy(a, p), [d([3, 5]), F.softmax(d([3, 5]), 1)]],
  nllLoss: () => [(a) => F.nllLoss(a, labels([0, 2, 4])), [d([3, 5])]],
  mseLoss: () => [(a, b) => F.mseLoss(a, b), [d([3, 4]), d([3, 4])]],
  binaryCrossEntropy: () => [
    (p, y) => F.binaryCrossEntropy(p, y),
    [rand([6], { dtype: "float64" }).mul(0.8).add(0.1), rand([6], { dtype: "float64" })],
  ],
  binaryCrossEntropyWithLogits: () => [
    (x, y) => F.binaryCrossEntropyWithLogits(x, y),
    [d([6], 3), rand([6], { dtype: "float64" })],
  ],
  "bceWithLogits posWeight": () => [
    (x, y) => F.binaryCrossEntropyWithLogits(x, y, { posWeight: tensor([2], { dtype: "float64" }) }),
    [d([6], 3), rand([6], { dtype: "float64" })],
  ],
  batchNorm: () => [(x, w, b) => F.batchNorm(x, { weight: w, bias: b, training: true }), [d([6, 3]), d([3]), d([3])]],
  "batchNorm 3d": () => [(x) => F.batchNorm(x, { training: true }), [d([4, 3, 2])]],
  "batchNorm 4d training, running stats": () => [
    (x, w, b) =>
      F.batchNorm(x, {
        weight: w,
        bias: b,
        training: true,
        runningMean: zeros([3], { dtype: "float64" }),
        runningVar: ones([3], { dtype: "float64" }),
      }),
    [d([2, 3, 3, 2]), d([3]), d([3])],
  ],
  "batchNorm 4d eval": () => {
    const runningMean = d([3]),
      runningVar = pos([3]); // fixed across calls
    return [
      (x, w, b) => F.batchNorm(x, { weight: w, bias: b, training: false, runningMean, runningVar }),
      [d([2, 3, 2, 2]), d([3]), d([3])],
    ];
  },
  "layerNorm last dim": () => [(x, w, b) => F.layerNorm(x, [5], w, b), [d([3, 5]), d([5]), d([5])]],
  "layerNorm last 2 dims": () => [
    (x, w, b) => F.layerNorm(x, [3, 4], w, b, 1e-3),
    [d([2, 3, 4]), d([3, 4]), d([3, 4])],
  ],
  "layerNorm no affine": () => [(x) => F.layerNorm(x, 6), [d([2, 6])]],
  groupNorm: () => [(x, w, b) => F.groupNorm(x, 2, w, b), [d([2, 4, 3]), d([4]), d([4])]],
  "groupNorm no affine, 4d": () => [(x) => F.groupNorm(x, 3, null, null), [d([2, 3, 2, 2])]],
  // Distinct values, ≥ 0.05 apart (h = 1e-6 never changes which one is the max).
  maxPool2d: () => [(x) => F.maxPool2d(x, 2), [distinct([2, 2, 5, 4])]],
  "maxPool2d k3 s2 p1 ceilMode": () => [
    (x) => F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }),
    [distinct([1, 2, 7, 6])],
  ],
  "maxPool2d dilation 2": () => [(x) => F.maxPool2d(x, [2, 3], { stride: 1, dilation: 2 }), [distinct([1, 1, 6, 7])]],
  maxPool1d: () => [(x) => F.maxPool1d(x, 3, { stride: 2, padding: 1 }), [distinct([2, 2, 9])]],
  avgPool2d: () => [(x) => F.avgPool2d(x, 2), [d([2, 2, 5, 4])]],
  "avgPool2d k3 s2 p1 ceilMode exclude pad": () => [
    (x) => F.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
    [d([1, 2, 6, 7])],
  ],
  "avgPool2d divisorOverride": () => [
    (x) => F.avgPool2d(x, [2, 3], { stride: [1, 2], divisorOverride: 4 }),
    [d([1, 2, 4, 7])],
  ],
  avgPool1d: () => [(x) => F.avgPool1d(x, 3, { stride: 2, padding: 1 }), [d([2, 3, 8])]],
  adaptiveAvgPool2d: () => [(x) => F.adaptiveAvgPool2d(x, [3, 2]), [d([2, 2, 7, 5])]],
  "adaptiveAvgPool2d upsampling": () => [(x) => F.adaptiveAvgPool2d(x, [4, null]), [d([1, 2, 3, 2])]],
  // The weights w make each output element's gradient distinct; they are inputs too, so fixed across calls.
  reshape: () => [(a, w) => a.reshape([4, 3]).mul(w), [d([3, 4]), d([4, 3])]],
  permute: () => [(a, w) => a.permute(2, 0, 1).mul(w), [d([2, 3, 4]), d([4, 2, 3])]],
  transpose: () => [(a, w) => a.t().mul(w), [d([3, 4]), d([4, 3])]],
  expand: () => [(a, w) => a.expand([3, 4]).mul(w), [d([3, 1]), d([3, 4])]],
  cat: () => [(a, b, w) => cat([a, b], 1).mul(w), [d([2, 2]), d([2, 3]), d([2, 5])]],
  stack: () => [(a, b, w) => stack([a, b], 1).mul(w), [d([2, 3]), d([2, 3]), d([2, 2, 3])]],
  narrow: () => [(a) => a.narrow(1, 1, 2), [d([3, 4])]],
  indexSelect: () => [(a) => a.indexSelect(0, [2, 0, 2]), [d([3, 4])]],
  gather: () => [(a) => a.gather(1, labels([0, 3, 1, 1, 2, 0]).reshape([3, 2])), [d([3, 4])]],
  "dropout (fixed mask via seed)": () => [
    (a) => {
      manualSeed(7);
      return F.dropout(a, 0.3, true);
    },
    [d([20])],
  ],
  "dropout2d (fixed mask via seed)": () => [
    (a) => {
      manualSeed(7);
      return F.dropout2d(a, 0.4, true);
    },
    [d([3, 4, 2, 2])],
  ],
  // Padding: each mode's index map and its scatter-add adjoint (reflect/circular read some inputs twice).
  "pad constant (crop one side)": () => [(a) => F.pad(a, [2, -1, 0, 3], { value: 0.7 }), [d([2, 3, 4, 5])]],
  "pad constant 3 dims": () => [(a) => F.pad(a, [1, 1, 0, 2, 1, 0]), [d([2, 3, 4])]],
  "pad reflect": () => [(a) => F.pad(a, [2, 1, 3, 2], { mode: "reflect" }), [d([2, 2, 4, 5])]],
  "pad reflect 1-D": () => [(a) => F.pad(a, [3, 2], { mode: "reflect" }), [d([2, 3, 4])]],
  "pad replicate": () => [(a) => F.pad(a, [2, 3, 1, 2], { mode: "replicate" }), [d([2, 3, 4])]],
  "pad circular": () => [(a) => F.pad(a, [2, 1, 3, 1], { mode: "circular" }), [d([1, 2, 3, 4])]],
  // Resizing: nearest (integer and fractional ratios, a scale factor) and bilinear both ways.
  "interpolate nearest x2": () => [(a) => F.interpolate(a, { scaleFactor: 2 }), [d([2, 2, 3, 4])]],
  "interpolate nearest size": () => [(a) => F.interpolate(a, { size: [5, 3] }), [d([1, 2, 3, 7])]],
  "interpolate nearest 1-D scale": () => [(a) => F.interpolate(a, { scaleFactor: 1.7 }), [d([2, 2, 5])]],
  "interpolate bilinear": () => [(a) => F.interpolate(a, { size: [7, 5], mode: "bilinear" }), [d([2, 2, 4, 3])]],
  "interpolate bilinear alignCorners": () => [
    (a) => F.interpolate(a, { size: [7, 5], mode: "bilinear", alignCorners: true }),
    [d([2, 2, 4, 3])],
  ],
  "interpolate bilinear downscale": () => [
    (a) => F.interpolate(a, { scaleFactor: 0.6, mode: "bilinear" }),
    [d([1, 2, 6, 5])],
  ],
  "interpolate linear 1-D": () => [(a) => F.interpolate(a, { size: 9, mode: "linear" }), [d([2, 2, 4])]],
  // Selection: gradients go to both branches by the condition, summed over broadcast dims.
  "where (broadcast three ways)": () => {
    const cond = d([3, 1, 4]).gt(0);
    return [(a, b) => where(cond, a, b), [d([2, 1, 1, 4]), d([5, 1])]];
  },
  "where scalar branch": () => {
    const cond = d([3, 4]).gt(0);
    return [(a) => where(cond, a, -1.5), [d([3, 4])]];
  },
  "tensor.where": () => {
    const cond = d([4]).gt(0);
    return [(a, b) => a.where(cond, b), [d([3, 4]), d([3, 1])]];
  },
  maskedFill: () => {
    const mask = d([1, 4]).gt(0);
    return [(a) => a.maskedFill(mask, -2), [d([3, 4])]];
  },
  "maskedFill 0-d tensor value": () => {
    const mask = d([3, 4]).gt(0);
    return [(a, v) => a.maskedFill(mask, v), [d([3, 4]), d([])]];
  },
  tril: () => [(a) => tril(a, 1), [d([2, 4, 5])]],
  triu: () => [(a) => triu(a, -1), [d([2, 3, 5, 4])]],
  "causal softmax (maskedFill −inf)": () => [
    (a) => F.softmax(a.maskedFill(triu(ones([5, 5]), 1), -Infinity), -1),
    [d([2, 5, 5])],
  ],
  ...sequenceChecks,
};

describe.each(backends)("gradcheck on the %s backend", (backend) => {
  it.each(Object.keys(checks))("%s", (name) => {
    useBackend(backend);
    manualSeed(42);
    const [fn, inputs] = checks[name]();
    expect(gradcheck(fn, inputs)).toBe(true);
  });
});

it("gradcheck catches a wrong gradient", () => {
  useBackend("js");
  const wrong = (a: Tensor) => a.mul(a.detach()); // gradient misses half of d(a²)/da
  expect(() => gradcheck(wrong, [d([3])])).toThrow(/analytic .* vs numeric/);
});
