import { describe, expect, it } from "vitest";
import { F, manualSeed, nn, optim, randint, randn, tensor } from "../../src/index.js";

function trainSteps(opt: optim.Optimizer<{ lr: number }>, model: nn.Module, steps: number): number {
  manualSeed(5);
  const x = randn([32, 4]),
    y = randint(0, 3, [32]);
  let loss = 0;
  for (let i = 0; i < steps; i++) {
    const l = F.crossEntropy(model(x), y);
    opt.zeroGrad();
    l.backward();
    opt.step();
    loss = l.item();
  }
  return loss;
}

describe("optim", () => {
  it("SGD, Adam and AdamW all reduce the loss", () => {
    for (const make of [
      (p: nn.Parameter[]) => new optim.SGD(p, { lr: 0.1, momentum: 0.9 }),
      (p: nn.Parameter[]) => new optim.Adam(p, { lr: 0.01 }),
      (p: nn.Parameter[]) => new optim.AdamW(p, { lr: 0.01 }),
    ]) {
      manualSeed(0);
      const m = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 3));
      const opt = make(m.parameters());
      const first = trainSteps(opt, m, 1),
        last = trainSteps(opt, m, 50);
      expect(last).toBeLessThan(first);
    }
  });

  it("parameter groups get their own learning rates", () => {
    const a = new nn.Linear(2, 1),
      b = new nn.Linear(2, 1);
    const opt = new optim.SGD([{ params: a.parameters() }, { params: b.parameters(), lr: 0 }], { lr: 1 });
    const beforeA = Array.from(a.weight.dataSync()),
      beforeB = Array.from(b.weight.dataSync());
    a(tensor([[1, 2]]))
      .add(b(tensor([[1, 2]])))
      .sum()
      .backward();
    opt.step();
    // Group 0 (lr 1) takes the full step w − 1·x, so a step() that does nothing fails here; group 1 (lr 0) stays.
    expect(Array.from(a.weight.dataSync())).toEqual([Math.fround(beforeA[0] - 1), Math.fround(beforeA[1] - 2)]);
    expect(Array.from(b.weight.dataSync())).toEqual(beforeB);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([1, 0]);
  });

  it("stateDict/loadStateDict resumes to the same trajectory", () => {
    manualSeed(0);
    const m1 = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
    const o1 = new optim.Adam(m1.parameters(), { lr: 0.01 });
    trainSteps(o1, m1, 3);
    const m2 = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
    m2.loadStateDict(Object.fromEntries(Object.entries(m1.stateDict()).map(([k, v]) => [k, v.clone()])));
    const o2 = new optim.Adam(m2.parameters(), { lr: 0.01 });
    o2.loadStateDict(structuredCloneState(o1.stateDict()));
    trainSteps(o1, m1, 3);
    trainSteps(o2, m2, 3);
    expect(Array.from(m2.parameters()[0].dataSync())).toEqual(Array.from(m1.parameters()[0].dataSync()));
  });

  it("rejects bad hyper-parameters with a readable error", () => {
    const p = new nn.Linear(2, 1).parameters();
    expect(() => new optim.SGD(p, { lr: -1 })).toThrow(/invalid learning rate -1/);
    expect(() => new optim.SGD(p, { lr: 0.1, nesterov: true })).toThrow(/Nesterov/);
    expect(() => new optim.Adam(p, { betas: [1.2, 0.9] })).toThrow(/betas/);
    expect(() => new optim.SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
  });

  it("schedulers follow PyTorch's formulas", () => {
    const mk = () => new optim.SGD(new nn.Linear(1, 1).parameters(), { lr: 1 });
    const s1 = new optim.StepLR(mk(), { stepSize: 2, gamma: 0.5 });
    const lrs1 = Array.from({ length: 5 }, () => {
      s1.step();
      return s1.getLastLr()[0];
    });
    expect(lrs1).toEqual([1, 0.5, 0.5, 0.25, 0.25]);
    const s2 = new optim.CosineAnnealingLR(mk(), { tMax: 4 });
    const lrs2 = Array.from({ length: 4 }, () => {
      s2.step();
      return s2.getLastLr()[0];
    });
    expect(lrs2.map((v) => +v.toFixed(6))).toEqual([0.853553, 0.5, 0.146447, 0]);
    const s3 = new optim.LambdaLR(mk(), (e) => 1 / (e + 1));
    s3.step();
    expect(s3.getLastLr()[0]).toBe(0.5);
  });
});

function structuredCloneState(sd: optim.OptimizerStateDict): optim.OptimizerStateDict {
  return {
    param_groups: sd.param_groups.map((g) => ({ ...g })),
    state: Object.fromEntries(
      Object.entries(sd.state).map(([k, s]) => [
        k,
        Object.fromEntries(Object.entries(s).map(([n, v]) => [n, typeof v === "number" ? v : v.clone()])),
      ]),
    ),
  };
}
