/** Edge cases found in review, each checked against PyTorch's behaviour. */
import { describe, expect, it } from "vitest";
import { cat, data, F, nn, optim, tensor, type Tensor } from "../../src/index.js";

describe("edge cases match PyTorch", () => {
  it("linear refuses a bias that is not one value per output feature", () => {
    expect(() =>
      F.linear(tensor([[1, 2, 3, 4]]), tensor(new Float32Array(20), { shape: [5, 4] }), tensor([0.5])),
    ).toThrow(/bias \[1\] must have 5 elements/);
  });

  it("binaryCrossEntropy has finite gradients at p = 0 and p = 1 (a saturated sigmoid)", () => {
    const p = tensor([1, 0, 0.5], { requiresGrad: true });
    F.binaryCrossEntropy(p, tensor([1, 0, 1]), { reduction: "sum" }).backward();
    expect(Array.from(p.grad!.dataSync()).map((v) => +v.toFixed(4))).toEqual([0, 0, -2]);
    const z = tensor([20, -20], { requiresGrad: true });
    const loss = F.binaryCrossEntropy(F.sigmoid(z), tensor([1, 0]));
    loss.backward();
    expect(Array.from(z.grad!.dataSync()).every(Number.isFinite)).toBe(true);
    expect(loss.item()).toBeCloseTo(0, 6);
  });

  it("pow gradients are 0, not NaN, at a base of 0", () => {
    const a = tensor([0, 2], { requiresGrad: true });
    a.pow(0).sum().backward();
    expect(Array.from(a.grad!.dataSync())).toEqual([0, 0]);
    const b = tensor([2, 3], { requiresGrad: true });
    tensor([0, 2]).pow(b).sum().backward();
    expect(b.grad!.dataSync()[0]).toBe(0);
    expect(b.grad!.dataSync()[1]).toBeCloseTo(8 * Math.log(2), 5);
    expect(tensor([1, 2], { dtype: "int32" }).pow(2).tolist()).toEqual([1, 4]);
  });

  it("backward(gradient) checks the gradient's shape", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    expect(() => F.relu(x).backward(tensor([5, 6]))).toThrow(
      "backward: gradient has shape [2] but the output has shape [3]",
    );
  });

  it("crossEntropy takes a 1-D input with a probability target", () => {
    const l = F.crossEntropy(tensor([1, 2, 3]), tensor([0, 0, 1]));
    expect(l.shape).toEqual([]);
    expect(l.item()).toBeCloseTo(0.4076, 4);
  });

  it("a Subset of a dataset without getBatch can be batched", () => {
    class Squares extends data.Dataset<Tensor[]> {
      get length() {
        return 10;
      }
      get(i: number) {
        return [tensor([i]), tensor(i * i)];
      }
    }
    const [a] = data.randomSplit(new Squares(), [6, 4], 0);
    const batches = [...new data.DataLoader(a, { batchSize: 4 })];
    expect(batches.map(([x]) => x.shape)).toEqual([
      [4, 1],
      [2, 1],
    ]);
    batches.forEach(([x, y]) =>
      (x.tolist() as number[][]).forEach(([v], i) => expect((y.tolist() as number[])[i]).toBe(v * v)),
    );
  });

  it("SGD starts a momentum buffer from the gradient whenever there is none (momentum switched on later)", () => {
    const fc = new nn.Linear(1, 1, { bias: false });
    fc.weight.dataSync()[0] = 0;
    const opt = new optim.SGD(fc.parameters(), { lr: 1, momentum: 0, dampening: 0.5 });
    const step = () => {
      opt.zeroGrad();
      fc(tensor([[1]]))
        .sum()
        .backward();
      opt.step();
    };
    step(); // no momentum: w = -1
    opt.paramGroups[0].momentum = 0.9;
    step(); // buffer = grad = 1 (not 0.5·grad): w = -2
    expect(fc.weight.dataSync()[0]).toBe(-2);
  });

  it("a scheduler's state restores its base learning rates", () => {
    const mk = (lr: number) => new optim.SGD(new nn.Linear(1, 1).parameters(), { lr });
    const s1 = new optim.StepLR(mk(0.1), { stepSize: 1, gamma: 0.5 });
    s1.step();
    s1.step();
    const s2 = new optim.StepLR(mk(999), { stepSize: 1, gamma: 0.5 });
    s2.loadStateDict(s1.stateDict());
    s2.step();
    expect(s2.getLastLr()[0]).toBeCloseTo(0.0125, 10);
  });

  it("clear errors: fractional indices, cat of 0-d tensors, a parameter in two groups", () => {
    expect(() => tensor([[1], [2]]).indexSelect(0, [1.7])).toThrow("indexSelect: index 1.7 is not an integer");
    expect(() => cat([tensor(1), tensor(2)])).toThrow(/zero-dimensional .* use stack\(\)/);
    const fc = new nn.Linear(2, 1);
    expect(() => new optim.SGD([{ params: fc.parameters() }, { params: [fc.weight] }], { lr: 0.1 })).toThrow(
      /more than one parameter group/,
    );
  });
});

it("sum and mean over an empty dim list reduce every dim, as in PyTorch", () => {
  const x = tensor([
    [1, 2],
    [3, 4],
  ]);
  expect(x.sum([]).item()).toBe(10);
  expect(x.mean([]).item()).toBe(2.5);
});

it("F.oneHot handles large label tensors and refuses float labels", () => {
  const labels = tensor(
    Int32Array.from({ length: 200_000 }, (_, i) => i % 3),
    { shape: [200_000] },
  );
  const h = F.oneHot(labels);
  expect(h.shape).toEqual([200_000, 3]);
  expect(Array.from(h.dataSync().subarray(0, 6))).toEqual([1, 0, 0, 0, 1, 0]);
  expect(() => F.oneHot(tensor([0, 1]))).toThrow(/int32/);
});

describe.each(await (await import("../helpers.js")).backendsUnderTest())(
  "NaN is never hidden, on the %s backend",
  (backend) => {
    it("relu keeps NaN (PyTorch's relu propagates it), alone and fused after a Linear", async () => {
      const { setBackend } = await import("../../src/index.js");
      setBackend(backend);
      const out = F.relu(tensor([NaN, -1, 2, -0]));
      expect(Number.isNaN(out.dataSync()[0])).toBe(true);
      expect(Array.from(out.dataSync().subarray(1))).toEqual([0, 2, 0]);
      // A Linear→ReLU pair inside Sequential runs as one fused kernel: it must keep the NaN too.
      const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
      const loss = F.crossEntropy(model(tensor([[NaN, 1, 2]])), tensor([1], { dtype: "int32" }));
      expect(Number.isNaN(loss.item())).toBe(true);
    });
  },
);
