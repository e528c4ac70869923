/**
 * Parameters reuse their gradient storage between steps (a training loop allocates no gradient
 * memory), but never storage a user holds: a `.grad` you keep keeps its values, as in PyTorch.
 */
import { afterAll, describe, expect, it } from "vitest";
import { F, getBackend, nn, optim, randn, randint, setBackend } from "../../src/index.js";
import { backendsUnderTest } from "../helpers.js";

const backends = await backendsUnderTest();
const initial = getBackend();
afterAll(() => setBackend(initial));

function step(model: nn.Module, opt: optim.Optimizer<{ lr: number }>): void {
  opt.zeroGrad();
  F.crossEntropy(model(randn([8, 5])), randint(0, 3, [8])).backward();
  opt.step();
}

describe.each(backends)("gradient storage on the %s backend", (backend) => {
  it("a .grad the user kept is not overwritten by later steps", () => {
    setBackend(backend);
    const model = new nn.Sequential(new nn.Linear(5, 4), new nn.ReLU(), new nn.Linear(4, 3));
    const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const w = model.parameters()[0];
    step(model, opt);
    const kept = w.grad!;
    const values = Array.from(kept.dataSync());
    step(model, opt);
    step(model, opt);
    expect(Array.from(kept.dataSync())).toEqual(values);
    expect(w.grad).not.toBe(kept);
    expect(Array.from(w.grad!.dataSync())).not.toEqual(values);
  });

  it("without anyone reading .grad, every step writes into the same storage", () => {
    setBackend(backend);
    const model = new nn.Sequential(new nn.Linear(5, 4), new nn.ReLU(), new nn.Linear(4, 3));
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const params = model.parameters();
    step(model, opt);
    const first = params.map((p) => p.peekGrad()!.dataSync());
    for (let i = 0; i < 3; i++) step(model, opt);
    params.forEach((p, i) => expect(p.peekGrad()!.dataSync()).toBe(first[i]));
  });

  it("gradients accumulate into an existing .grad until zeroGrad (PyTorch's accumulation)", () => {
    setBackend(backend);
    const layer = new nn.Linear(3, 2);
    const x = randn([4, 3]);
    layer(x).sum().backward();
    const once = Array.from(layer.weight.grad!.dataSync());
    layer(x).sum().backward();
    Array.from(layer.weight.grad!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(2 * once[i], 5));
  });
});
