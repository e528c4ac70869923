/**
 * The runners of ../shared/fixtures/pytorch/cases.json: one per kind of case, on the active backend.
 * parity.test.ts runs them on the CPU backends, test/backend/gpu/fixtures.gpu.ts on WebGPU (where
 * the value checks settle in `settleReads()`).
 */
import { expect } from "vitest";
import { F, nn, optim, type Tensor } from "../../src/index.js";
import { type Case, expectClose, type FixtureTensor, fromFixture, withValues } from "../helpers.js";

type OpFn = (inputs: Record<string, Tensor>, args: Record<string, unknown>) => Tensor;
const ops: Record<string, OpFn> = {
  add: ({ a, b }) => a.add(b),
  sub: ({ a, b }) => a.sub(b),
  mul: ({ a, b }) => a.mul(b),
  div: ({ a, b }) => a.div(b),
  pow: ({ a }, { exponent }) => a.pow(exponent as number),
  exp: ({ a }) => a.exp(),
  log: ({ a }) => a.log(),
  sqrt: ({ a }) => a.sqrt(),
  neg: ({ a }) => a.neg(),
  abs: ({ a }) => a.abs(),
  sum: ({ a }, { dim, keepdim }) => a.sum(dim as number | undefined, (keepdim as boolean) ?? false),
  mean: ({ a }, { dim, keepdim }) => a.mean(dim as number | undefined, (keepdim as boolean) ?? false),
  max: ({ a }, { dim }) => a.max(dim as number).values,
  matmul: ({ a, b }) => a.matmul(b),
  relu: ({ input }) => F.relu(input),
  sigmoid: ({ input }) => F.sigmoid(input),
  tanh: ({ input }) => F.tanh(input),
  gelu: ({ input }, { approximate }) => F.gelu(input, { approximate: approximate as "tanh" | undefined }),
  silu: ({ input }) => F.silu(input),
  leaky_relu: ({ input }, { negative_slope }) => F.leakyRelu(input, negative_slope as number),
  softmax: ({ input }, { dim, temperature }) =>
    F.softmax(input, dim as number, { temperature: temperature as number | undefined }),
  log_softmax: ({ input }, { dim }) => F.logSoftmax(input, dim as number),
  linear: ({ input, weight, bias }) => F.linear(input, weight, bias),
  cross_entropy: ({ input, target }, { reduction, label_smoothing }) =>
    F.crossEntropy(input, target, {
      reduction: reduction as "mean" | undefined,
      labelSmoothing: label_smoothing as number | undefined,
    }),
  nll_loss: ({ input, target }) => F.nllLoss(input, target),
  mse_loss: ({ input, target }) => F.mseLoss(input, target),
  binary_cross_entropy: ({ input, target }) => F.binaryCrossEntropy(input, target),
  binary_cross_entropy_with_logits: ({ input, target }) => F.binaryCrossEntropyWithLogits(input, target),
};

function runOpCase(c: Case): void {
  const inputs = Object.fromEntries(
    Object.entries(c.inputs).map(([k, t]) => [k, fromFixture(t, t.dtype === "float32" && !!c.grads?.[k])]),
  );
  const fn = ops[c.op!];
  expect(fn, `no gradlab mapping for op ${c.op}`).toBeDefined();
  const out = fn(inputs, c.args ?? {});
  expectClose(out, c.output!, { what: `${c.name} output` });
  if (c.upstream) {
    out.backward(fromFixture(c.upstream));
    for (const [k, g] of Object.entries(c.grads ?? {}))
      expectClose(inputs[k].grad!, g, { what: `${c.name} grad ${k}` });
  }
}

function runBatchNormCase(c: Case): void {
  const args = c.args as { num_features: number; momentum: number; eps: number };
  const bn = new nn.BatchNorm1d(args.num_features, { momentum: args.momentum, eps: args.eps });
  bn.weight!.copy_(fromFixture(c.inputs.weight));
  bn.bias!.copy_(fromFixture(c.inputs.bias));
  const x = fromFixture(c.inputs.x_train, true);
  const out = bn(x);
  expectClose(out, c.output!, { what: "batch_norm1d train output" });
  out.backward(fromFixture(c.upstream!));
  expectClose(x.grad!, c.grads!.x_train, { what: "grad x" });
  expectClose(bn.weight!.grad!, c.grads!.weight, { what: "grad weight" });
  expectClose(bn.bias!.grad!, c.grads!.bias, { what: "grad bias" });
  bn(fromFixture(c.inputs.x_train2));
  expectClose(bn.running_mean!, c.running_mean as FixtureTensor, { what: "running_mean" });
  expectClose(bn.running_var!, c.running_var as FixtureTensor, { what: "running_var" });
  withValues(bn.num_batches_tracked!, ([n]) => expect(n).toBe(2));
  bn.eval();
  expectClose(bn(fromFixture(c.inputs.x_eval)), c.eval_output as FixtureTensor, { what: "eval output" });
}

const optimizers: Record<string, (p: nn.Parameter[]) => optim.Optimizer<{ lr: number }>> = {
  sgd: (p) => new optim.SGD(p, { lr: 0.1 }),
  sgd_momentum: (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9 }),
  sgd_nesterov_wd: (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
  adam: (p) => new optim.Adam(p, { lr: 0.01 }),
  adamw: (p) => new optim.AdamW(p, { lr: 0.01, weightDecay: 0.05 }),
};

/** The case's Sequential(Linear, ReLU, ..., Linear) of `c.sizes`, with PyTorch's initial weights `c.init`. */
export function fixtureMlp(c: { name: string; [k: string]: unknown }): nn.Sequential {
  const sizes = c.sizes as number[];
  const layers: nn.Module[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    if (i > 0) layers.push(new nn.ReLU());
    layers.push(new nn.Linear(sizes[i], sizes[i + 1]));
  }
  const model = new nn.Sequential(...layers);
  model.loadStateDict(
    Object.fromEntries(Object.entries(c.init as Record<string, FixtureTensor>).map(([k, t]) => [k, fromFixture(t)])),
  );
  return model;
}

/**
 * An optimizer case's trajectory: each step (zero_grad, cross_entropy, backward, step, then the
 * scheduler's step) must give PyTorch's loss, every parameter after it, and the lr after it when
 * the case records one.
 */
export function expectOptimizerTrajectory(
  c: {
    name: string;
    inputs: Record<string, FixtureTensor>;
    losses?: unknown;
    params_after_each_step?: unknown;
    lr_after_each_step?: unknown;
  },
  model: nn.Module,
  opt: optim.Optimizer<{ lr: number }>,
  scheduler?: { step(): void } | null,
): void {
  const x = fromFixture(c.inputs.x),
    y = fromFixture(c.inputs.y);
  const after = c.params_after_each_step as Record<string, FixtureTensor>[];
  const lrs = c.lr_after_each_step as number[] | undefined;
  (c.losses as number[]).forEach((expected, step) => {
    opt.zeroGrad();
    const loss = F.crossEntropy(model(x), y);
    expectClose(loss, [expected], { rtol: 1e-4, atol: 1e-6, what: `${c.name} loss ${step}` });
    loss.backward();
    opt.step();
    scheduler?.step();
    const sd = model.stateDict();
    for (const [k, t] of Object.entries(after[step]))
      expectClose(sd[k], t, { rtol: 1e-4, atol: 1e-6, what: `${c.name} step ${step} ${k}` });
    if (lrs) expect(opt.paramGroups[0].lr, `${c.name} lr after step ${step}`).toBeCloseTo(lrs[step], 9);
  });
}

function runOptimCase(c: Case): void {
  const model = fixtureMlp(c);
  expectOptimizerTrajectory(c, model, optimizers[c.name](model.parameters()));
}

/** Runs one case of cases.json on the active backend, asserting. */
export function runParityCase(c: Case): void {
  if (c.kind === "op") runOpCase(c);
  else if (c.kind === "module") runBatchNormCase(c);
  else runOptimCase(c);
}
