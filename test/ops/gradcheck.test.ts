/** A float64 finite-difference gradient check for every differentiable op, on every backend. */
import { describe, expect, it } from "vitest";
import { F, gradcheck, manualSeed, randn, rand, type Tensor, tensor, cat, stack } from "../../src/index.js";
import { linearRelu } from "../../src/ops/matmul.js";
import { backendsUnderTest, useBackend } from "../helpers.js";
import { sequenceChecks } from "./gradcheck_sequence.js";

const backends = await backendsUnderTest();
const d = (shape: number[], scale = 1, shift = 0): Tensor => randn(shape, { dtype: "float64" }).mul(scale).add(shift);
const pos = (shape: number[]): Tensor => rand(shape, { dtype: "float64" }).add(0.5);
const labels = (vals: number[]): Tensor => tensor(vals, { dtype: "int32" });
// Keep inputs away from kinks (0 for relu/abs) so central differences are meaningful.
const awayFromZero = (shape: number[]): Tensor => { const t = d(shape); return t.add(t.gt(0).double().sub(0.5).mul(0.4)); };

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
  linearRelu: () => [(x, w, b) => linearRelu(x, w, b), [d([5, 4], 0.1), d([3, 4], 0.1), tensor([2, -2, 1.5], { dtype: "float64" })]],
  softmax: () => [(a) => F.softmax(a, -1), [d([3, 5])]],
  "softmax dim0 temperature": () => [(a) => F.softmax(a, 0, { temperature: 0.7 }), [d([3, 5])]],
  logSoftmax: () => [(a) => F.logSoftmax(a, 1), [d([3, 5])]],
  crossEntropy: () => [(a) => F.crossEntropy(a, labels([0, 2, 4])), [d([3, 5])]],
  "crossEntropy smoothing sum": () => [(a) => F.crossEntropy(a, labels([1, 2, 3]), { labelSmoothing: 0.1, reduction: "sum" }), [d([3, 5])]],
  "crossEntropy ignoreIndex none": () => [(a) => F.crossEntropy(a, labels([1, -100, 3]), { reduction: "none" }), [d([3, 5])]],
  "crossEntropy soft targets": () => [(a, p) => F.crossEntropy(a, p), [d([3, 5]), F.softmax(d([3, 5]), 1)]],
  nllLoss: () => [(a) => F.nllLoss(a, labels([0, 2, 4])), [d([3, 5])]],
  mseLoss: () => [(a, b) => F.mseLoss(a, b), [d([3, 4]), d([3, 4])]],
  binaryCrossEntropy: () => [(p, y) => F.binaryCrossEntropy(p, y), [rand([6], { dtype: "float64" }).mul(0.8).add(0.1), rand([6], { dtype: "float64" })]],
  binaryCrossEntropyWithLogits: () => [(x, y) => F.binaryCrossEntropyWithLogits(x, y), [d([6], 3), rand([6], { dtype: "float64" })]],
  "bceWithLogits posWeight": () => [(x, y) => F.binaryCrossEntropyWithLogits(x, y, { posWeight: tensor([2], { dtype: "float64" }) }), [d([6], 3), rand([6], { dtype: "float64" })]],
  batchNorm: () => [(x, w, b) => F.batchNorm(x, { weight: w, bias: b, training: true }), [d([6, 3]), d([3]), d([3])]],
  "batchNorm 3d": () => [(x) => F.batchNorm(x, { training: true }), [d([4, 3, 2])]],
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
  "dropout (fixed mask via seed)": () => [(a) => { manualSeed(7); return F.dropout(a, 0.3, true); }, [d([20])]],
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
