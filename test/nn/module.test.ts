import { describe, expect, it } from "vitest";
import { F, manualSeed, nn, noGrad, ones, randn, type Tensor, tensor } from "../../src/index.js";

class MLP extends nn.Module {
  net = new nn.Sequential(
    new nn.Linear(784, 256),
    new nn.ReLU(),
    new nn.Linear(256, 256),
    new nn.ReLU(),
    new nn.Linear(256, 10),
  );
  override forward(x: Tensor): Tensor {
    return this.net(x);
  }
}

describe("nn.Module", () => {
  it("registers fields a subclass assigns, with PyTorch's key names, and is callable", () => {
    const m = new MLP();
    expect(Object.keys(m.stateDict())).toEqual([
      "net.0.weight",
      "net.0.bias",
      "net.2.weight",
      "net.2.bias",
      "net.4.weight",
      "net.4.bias",
    ]);
    expect(m.parameters().reduce((s, p) => s + p.numel(), 0)).toBe(269322);
    expect(m(randn([64, 784])).shape).toEqual([64, 10]);
    expect([...m.modules()].length).toBe(7);
  });

  it("summary lists each layer's output shape and 269,322 parameters", () => {
    const s = nn.summary(new MLP(), [64, 784]);
    expect(s.totalParams).toBe(269322);
    expect(s.rows.map((r) => r.outputShape)).toEqual([
      [64, 256],
      [64, 256],
      [64, 256],
      [64, 256],
      [64, 10],
    ]);
    expect(s.toString()).toContain("Total params: 269,322");
  });

  it("BatchNorm buffers use PyTorch's names; train/eval recurse", () => {
    const m = new nn.Sequential(new nn.Linear(4, 3), new nn.BatchNorm1d(3), new nn.ReLU(), new nn.Dropout(0.5));
    expect(Object.keys(m.stateDict())).toEqual([
      "0.weight",
      "0.bias",
      "1.weight",
      "1.bias",
      "1.running_mean",
      "1.running_var",
      "1.num_batches_tracked",
    ]);
    m.eval();
    expect([...m.modules()].every((x) => !x.training)).toBe(true);
    m.train();
    expect([...m.modules()].every((x) => x.training)).toBe(true);
  });

  it("loadStateDict copies values and lists missing, unexpected and mis-shaped keys", () => {
    manualSeed(0);
    const a = new nn.Sequential(new nn.Linear(3, 2)),
      b = new nn.Sequential(new nn.Linear(3, 2));
    b.loadStateDict(a.stateDict());
    expect(Array.from(b[0].parameters()[0].dataSync())).toEqual(Array.from(a[0].parameters()[0].dataSync()));
    expect(() => b.loadStateDict({ "0.weight": randn([2, 4]), "0.bias": randn([2]), "9.weight": randn([1]) })).toThrow(
      /size mismatch for 0\.weight: checkpoint \[2, 4\] vs model \[2, 3\].*unexpected keys: 9\.weight/,
    );
    expect(() => b.loadStateDict({ "0.weight": randn([2, 3]) })).toThrow(/missing keys: 0\.bias/);
    expect(b.loadStateDict({ "0.weight": randn([2, 3]) }, { strict: false }).missingKeys).toEqual(["0.bias"]);
  });

  it("zeroGrad clears gradients", () => {
    const m = new nn.Linear(2, 1);
    m(ones([1, 2]))
      .sum()
      .backward();
    expect(m.weight.grad).not.toBeNull();
    m.zeroGrad();
    expect(m.weight.grad).toBeNull();
  });

  it("Linear uses PyTorch's default init bounds", () => {
    manualSeed(0);
    const fc = new nn.Linear(100, 50);
    const bound = 1 / Math.sqrt(100);
    expect(Math.max(...Array.from(fc.weight.dataSync()).map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...Array.from(fc.bias!.dataSync()).map(Math.abs))).toBeLessThanOrEqual(bound);
  });

  it("Xavier and He init have the right variance", () => {
    manualSeed(0);
    const w = new nn.Linear(400, 300).weight;
    nn.init.xavierNormal_(w);
    const varX = w.var().item();
    expect(varX).toBeCloseTo(2 / 700, 4);
    nn.init.kaimingNormal_(w, { nonlinearity: "relu" });
    expect(w.var().item()).toBeCloseTo(2 / 400, 3);
    nn.init.xavierUniform_(w, { gain: nn.init.calculateGain("tanh") });
    expect(Math.max(...Array.from(w.dataSync()))).toBeLessThanOrEqual((5 / 3) * Math.sqrt(6 / 700));
  });

  it("Dropout scales kept units in train and is the identity in eval", () => {
    manualSeed(0);
    const d = new nn.Dropout(0.25);
    const y = d(ones([10000]));
    const kept = Array.from(y.dataSync()).filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    expect(kept.length / 10000).toBeGreaterThan(0.72);
    expect(kept.length / 10000).toBeLessThan(0.78);
    d.eval();
    expect(Array.from(d(ones([5])).dataSync())).toEqual([1, 1, 1, 1, 1]);
  });

  it("every activation module matches its functional form", () => {
    // 2-D, so a module that ignored its dim, slope or approximation would compute something else.
    const x = tensor([
      [-2, -0.5, 0, 0.5, 2],
      [1, -1, 3, -3, 0.25],
    ]);
    const pairs: [nn.Module, Tensor][] = [
      [new nn.ReLU(), F.relu(x)],
      [new nn.LeakyReLU(0.2), F.leakyRelu(x, 0.2)],
      [new nn.Sigmoid(), F.sigmoid(x)],
      [new nn.Tanh(), F.tanh(x)],
      [new nn.GELU(), F.gelu(x)],
      [new nn.GELU({ approximate: "tanh" }), F.gelu(x, { approximate: "tanh" })],
      [new nn.SiLU(), F.silu(x)],
      [new nn.Softmax(0), F.softmax(x, 0)],
      [new nn.LogSoftmax(0), F.logSoftmax(x, 0)],
      [new nn.Identity(), x],
      [new nn.Flatten(0), x.flatten(0)],
    ];
    for (const [m, expected] of pairs) {
      const out = m(x);
      expect(out.shape, String(m)).toEqual(expected.shape);
      expect(Array.from(out.dataSync()), String(m)).toEqual(Array.from(expected.dataSync()));
    }
    // The functional forms differ where the settings differ, so the comparisons above can tell.
    expect(Array.from(F.leakyRelu(x, 0.2).dataSync())).not.toEqual(Array.from(F.leakyRelu(x).dataSync()));
    expect(Array.from(F.gelu(x, { approximate: "tanh" }).dataSync())).not.toEqual(Array.from(F.gelu(x).dataSync()));
    expect(Array.from(F.softmax(x, 0).dataSync())).not.toEqual(Array.from(F.softmax(x, -1).dataSync()));
    expect(new nn.Flatten()(randn([2, 3, 4])).shape).toEqual([2, 12]);
    expect(noGrad(() => new nn.LeakyReLU(0.2)(tensor([-2, 2]))).tolist()).toEqual([-0.4000000059604645, 2]);
  });

  it("ModuleList registers its modules", () => {
    class Deep extends nn.Module {
      layers = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2)]);
      override forward(x: Tensor) {
        for (const l of this.layers) x = l(x);
        return x;
      }
    }
    const d = new Deep();
    expect(Object.keys(d.stateDict())).toEqual([
      "layers.0.weight",
      "layers.0.bias",
      "layers.1.weight",
      "layers.1.bias",
    ]);
    expect(d(randn([1, 2])).shape).toEqual([1, 2]);
  });

  it("loss modules", () => {
    const logits = tensor([[2, 1, 0.1]]),
      y = tensor([0], { dtype: "int32" });
    expect(new nn.CrossEntropyLoss()(logits, y).item()).toBeCloseTo(0.417, 3);
    expect(new nn.CrossEntropyLoss({ reduction: "none" })(logits, y).shape).toEqual([1]);
    expect(new nn.MSELoss()(tensor([1, 2]), tensor([1, 4])).item()).toBe(2);
    expect(new nn.BCEWithLogitsLoss()(tensor([0]), tensor([1])).item()).toBeCloseTo(Math.log(2), 6);
    expect(new nn.BCELoss()(tensor([0.5]), tensor([1])).item()).toBeCloseTo(Math.log(2), 6);
    expect(new nn.NLLLoss()(tensor([[-1, -2]]), tensor([1], { dtype: "int32" })).item()).toBe(2);
    // log-sum-exp stability at ±1e4
    expect(new nn.CrossEntropyLoss()(tensor([[1e4, -1e4]]), tensor([1], { dtype: "int32" })).item()).toBe(2e4);
  });
});
