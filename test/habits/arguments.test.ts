/**
 * Plain-JS slips that used to give wrong results silently: PyTorch's positional arguments where gradlab
 * takes an options object, snake_case option names, varargs where one array goes.
 */
import { describe, expect, it } from "vitest";
import { cat, data, nn, optim, randn, stack, tensor, zeros } from "../../src/index.js";

const params = () => new nn.Linear(2, 2).parameters();
const dataset = () => new data.TensorDataset(randn([10, 2]));
type Case = [call: string, f: () => unknown, error: RegExp];
const check = (_call: string, f: () => unknown, error: RegExp) => {
  expect(f).toThrow(error);
};

describe("an options object where PyTorch takes positional arguments", () => {
  it.each<Case>([
    [
      "new optim.SGD(params, 0.01)",
      () => new optim.SGD(params(), 0.01 as never),
      /SGD: expected an options object, got a number \(0\.01\) — write new optim\.SGD\(model\.parameters\(\), \{ lr:/,
    ],
    // Adam used to ignore the number and train at its default lr.
    [
      "new optim.Adam(params, 0.01)",
      () => new optim.Adam(params(), 0.01 as never),
      /Adam: expected an options object, got a number \(0\.01\)/,
    ],
    [
      "new optim.AdamW(params, 0.01)",
      () => new optim.AdamW(params(), 0.01 as never),
      /AdamW: expected an options object/,
    ],
    [
      "new optim.StepLR(opt, 5)",
      () => new optim.StepLR(new optim.SGD(params(), { lr: 1 }), 5 as never),
      /StepLR: expected an options object, got a number \(5\)/,
    ],
    [
      "new nn.Linear(2, 3, false)",
      () => new nn.Linear(2, 3, false as never),
      /Linear: expected an options object, got a boolean \(false\) — write new nn\.Linear\(2, 3, \{ bias: false \}\)/,
    ],
    [
      "new nn.BatchNorm1d(4, 0.1)",
      () => new nn.BatchNorm1d(4, 0.1 as never),
      /BatchNorm1d: expected an options object, got a number \(0\.1\)/,
    ],
    [
      'new nn.GELU("tanh")',
      () => new nn.GELU("tanh" as never),
      /GELU: expected an options object, got a string \("tanh"\)/,
    ],
    [
      'new nn.CrossEntropyLoss("sum")',
      () => new nn.CrossEntropyLoss("sum" as never),
      /CrossEntropyLoss: expected an options/,
    ],
    [
      "new nn.Softmax({ dim: 1 })",
      () => new nn.Softmax({ dim: 1 } as never),
      /Softmax: dim must be an integer, got a plain object — new nn\.Softmax\(1\)/,
    ],
    [
      "new nn.LeakyReLU({ negativeSlope: 0.2 })",
      () => new nn.LeakyReLU({ negativeSlope: 0.2 } as never),
      /LeakyReLU: negativeSlope must be a number/,
    ],
    [
      "new data.DataLoader(ds, 64)",
      () => new data.DataLoader(dataset(), 64 as never),
      /DataLoader: expected an options object, got a number \(64\) — write new data\.DataLoader\(dataset/,
    ],
    [
      'tensor(x, "int32")',
      () => tensor([0, 1], "int32" as never),
      /tensor: expected an options object, got a string \("int32"\)/,
    ],
  ])("%s", check);
});

describe("snake_case options (silently ignored before)", () => {
  it.each<Case>([
    [
      "SGD { weight_decay }",
      () => new optim.SGD(params(), { lr: 0.1, weight_decay: 1e-4 } as never),
      /SGD: unknown option "weight_decay" — gradlab's options are camelCase: weightDecay/,
    ],
    [
      "a parameter group { weight_decay }",
      () => new optim.SGD([{ params: params(), weight_decay: 0 } as never], { lr: 0.1 }),
      /SGD parameter group: unknown option "weight_decay"/,
    ],
    [
      "Adam { learningRate }",
      () => new optim.Adam(params(), { learningRate: 0.1 } as never),
      /Adam: unknown option "learningRate" \(valid: lr, betas, eps, weightDecay, maximize, amsgrad\)/,
    ],
    [
      "CrossEntropyLoss { label_smoothing }",
      () => new nn.CrossEntropyLoss({ label_smoothing: 0.1 } as never),
      /CrossEntropyLoss: unknown option "label_smoothing" — gradlab's options are camelCase: labelSmoothing/,
    ],
    [
      "NLLLoss { ignore_index }",
      () => new nn.NLLLoss({ ignore_index: 0 } as never),
      /NLLLoss: unknown option "ignore_index"/,
    ],
    [
      "BCEWithLogitsLoss { pos_weight }",
      () => new nn.BCEWithLogitsLoss({ pos_weight: zeros([1]) } as never),
      /unknown option "pos_weight" — .*posWeight/,
    ],
    [
      "DataLoader { batch_size }",
      () => new data.DataLoader(dataset(), { batch_size: 4 } as never),
      /DataLoader: unknown option "batch_size" — gradlab's options are camelCase: batchSize/,
    ],
    [
      "BatchNorm1d { track_running_stats }",
      () => new nn.BatchNorm1d(4, { track_running_stats: false } as never),
      /unknown option "track_running_stats" — .*trackRunningStats/,
    ],
  ])("%s", check);
});

describe("the wrong thing where a list or a dataset goes", () => {
  it.each<Case>([
    [
      "zeros(2, 3)",
      () => zeros(2 as never, 3 as never),
      /got a number \(3\) where the options go — the shape is one array: zeros\(\[2, 3\]\)/,
    ],
    ["randn(64, 784)", () => randn(64 as never, 784 as never), /got a number \(784\) where the options go/],
    [
      "cat(a, b)",
      () => cat(randn([2]) as never, randn([2]) as never),
      /cat: takes one array of tensors: cat\(\[a, b\], dim\)/,
    ],
    ["stack(a, b)", () => stack(randn([2]) as never, randn([2]) as never), /stack: takes one array of tensors/],
    [
      "new nn.Sequential([a, b])",
      () => new nn.Sequential([new nn.ReLU(), new nn.ReLU()] as never),
      /Sequential: argument 0 is an array — pass the modules as separate arguments/,
    ],
    [
      "new nn.ModuleList(a, b)",
      () => new (nn.ModuleList as never as new (...a: unknown[]) => unknown)(new nn.ReLU(), new nn.ReLU()),
      /ModuleList takes one array of modules/,
    ],
    [
      "new optim.SGD(model, ...)",
      () => new optim.SGD(new nn.Linear(2, 2) as never, { lr: 0.1 }),
      /SGD: got a module where parameters go — pass model\.parameters\(\)/,
    ],
    [
      "new optim.SGD(model.parameters, ...)",
      () => new optim.SGD(new nn.Linear(2, 2).parameters as never, { lr: 0.1 }),
      /SGD: got a function where parameters go/,
    ],
    [
      "new optim.SGD([model], ...)",
      () => new optim.SGD([new nn.Linear(2, 2)] as never, { lr: 0.1 }),
      /SGD: item 0 is a function, not a parameter tensor — pass model\.parameters\(\)/,
    ],
    [
      "new optim.SGD(params) without lr",
      () => new optim.SGD(params(), {} as never),
      /SGD: lr is required — new optim\.SGD\(params, \{ lr: 0\.01 \}\)/,
    ],
    [
      "new data.DataLoader(tensor)",
      () => new data.DataLoader(randn([10, 2]) as never),
      /DataLoader: the first argument must be a dataset .*got a Tensor — wrap tensors in one: new data\.TensorData/,
    ],
    [
      "new optim.StepLR(model)",
      () => new optim.StepLR(new nn.Linear(1, 1) as never, { stepSize: 1 }),
      /StepLR: the first argument is the optimizer, got a function/,
    ],
  ])("%s", check);

  it("the right calls still work", () => {
    expect(zeros([2, 3], { dtype: "int32" }).dtype).toBe("int32");
    expect(cat([randn([2]), randn([2])]).shape).toEqual([4]);
    expect(new nn.ModuleList([new nn.ReLU()]).length).toBe(1);
    expect(new data.DataLoader(dataset(), { batchSize: 4, shuffle: true, seed: 1 }).length).toBe(3);
    expect(new optim.SGD([{ params: params() }, { params: [], lr: 1 }], { lr: 0.1 }).paramGroups).toHaveLength(2);
  });
});
