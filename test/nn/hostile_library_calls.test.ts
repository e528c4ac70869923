// Library calls an attacker (or a typo) makes: non-numeric data and negative shapes are clear errors
// naming the op, strict loading sees keys named like Object.prototype members, and zero-size
// Linear layers work as in PyTorch through forward and backward on every backend.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { F, getBackend, nn, ones, rand, randn, setBackend, type Tensor, tensor, zeros } from "../../src/index.js";
import { backendsUnderTest } from "../helpers.js";

describe("creation functions refuse what cannot be a tensor", () => {
  it("tensor() of strings, null or bigints names the element instead of storing NaN or 0", () => {
    expect(() => tensor(["a"] as never)).toThrow(
      'tensor: the element at index [0] is the string "a", not a number; parse the strings first',
    );
    expect(() => tensor([[1], ["x"]] as never)).toThrow(/element at index \[1\]\[0\] is the string "x"/);
    expect(() => tensor([1, null] as never)).toThrow(/element at index \[1\] is null, not a number/);
    expect(() => tensor([1n] as never)).toThrow(/is a bigint, not a number; convert it with Number\(x\)/);
    expect(() => tensor([1, "2"] as never, { shape: [2] })).toThrow(/element at flat index 1 is the string "2"/);
    expect(tensor([true, false]).tolist()).toEqual([1, 0]);
  });

  it("a negative, fractional or NaN dimension names the op and the shape", () => {
    expect(() => zeros([-1])).toThrow(
      "zeros: shape [-1] has dimension 0 = -1; dimensions must be non-negative integers",
    );
    expect(() => ones([2, 2.5])).toThrow("ones: shape [2, 2.5] has dimension 1 = 2.5");
    expect(() => randn([NaN])).toThrow("randn: shape [NaN] has dimension 0 = NaN");
    expect(() => rand(-3)).toThrow("rand: shape [-3]");
    // [-1, -2] has 2 elements, so only the dimension check catches it.
    expect(() => tensor([1, 2], { shape: [-1, -2] })).toThrow("tensor: shape [-1, -2] has dimension 0 = -1");
    expect(zeros([0, 3]).shape).toEqual([0, 3]);
  });
});

describe("loadStateDict with strict checking", () => {
  for (const key of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
    it(`reports an unexpected key named ${key}`, () => {
      const m = new nn.Linear(2, 1);
      // JSON.parse makes "__proto__" an own key, as a hostile checkpoint's header would.
      const sd = JSON.parse(`{"${key}": 0}`) as Record<string, Tensor>;
      // A tensor under the key (defineProperty: plain assignment to "__proto__" would set the prototype).
      Object.defineProperty(sd, key, { value: tensor([0]), enumerable: true, configurable: true, writable: true });
      Object.assign(sd, m.stateDict());
      expect(Object.keys(sd)).toContain(key);
      expect(() => m.loadStateDict(sd)).toThrow(`unexpected keys: ${key}`);
      expect(m.loadStateDict(sd, { strict: false }).unexpectedKeys).toEqual([key]);
    });
  }

  it("reports a missing key even when the state dict has a prototype", () => {
    const m = new nn.Linear(2, 1);
    expect(() => m.loadStateDict({ weight: m.weight.detach() })).toThrow("missing keys: bias");
  });
});

describe("zero-size Linear layers (allowed, as in PyTorch)", () => {
  let backends: string[] = [];
  let before = "";
  beforeAll(async () => {
    before = getBackend();
    backends = await backendsUnderTest();
  });
  afterAll(() => setBackend(before));

  it("Linear(0, 5), Linear(5, 0) and Linear(0, 0) run forward and backward on every backend", () => {
    expect(backends.length).toBeGreaterThan(0);
    for (const b of backends) {
      setBackend(b);
      for (const [i, o] of [
        [0, 5],
        [5, 0],
        [0, 0],
      ]) {
        const what = `${b}: Linear(${i}, ${o})`;
        const layer = new nn.Linear(i, o);
        // PyTorch draws the bias from U(-1/√fan_in, 1/√fan_in) only when fan_in > 0; else it is 0.
        expect(Array.from(layer.bias!.dataSync()), what).toEqual(new Array(o).fill(0));
        const x = randn([3, i], { requiresGrad: true });
        const y = layer(x);
        expect(y.shape, what).toEqual([3, o]);
        expect(Array.from(y.dataSync()), what).toEqual(new Array(3 * o).fill(0));
        y.sum().backward();
        expect(x.grad!.shape, what).toEqual([3, i]);
        expect(Array.from(x.grad!.dataSync()), what).toEqual(new Array(3 * i).fill(0));
        expect(layer.weight.grad!.shape, what).toEqual([o, i]);
        // d(sum y)/db = the number of rows, for each output.
        expect(Array.from(layer.bias!.grad!.dataSync()), what).toEqual(new Array(o).fill(3));
      }
    }
  });

  it("a net with an empty hidden layer trains a step, and the backend computes normally after it", () => {
    for (const b of backends) {
      setBackend(b);
      const net = new nn.Sequential(new nn.Linear(4, 0), new nn.ReLU(), new nn.Linear(0, 3));
      const y = tensor([0, 1, 2], { dtype: "int32" });
      const loss = F.crossEntropy(net(randn([3, 4])), y);
      // Constant logits (the zero bias): the loss is log(3).
      expect(loss.item()).toBeCloseTo(Math.log(3), 6);
      loss.backward();
      const logits = tensor([
        [1, 2, 3],
        [3, 2, 1],
        [0, 0, 0],
      ]);
      const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
      expect(F.crossEntropy(logits, y).item(), b).toBeCloseTo((lse - 1 + (lse - 2) + Math.log(3)) / 3, 5);
    }
  });

  it("negative or fractional sizes are still refused, naming the argument", () => {
    expect(() => new nn.Linear(-1, 5)).toThrow("Linear: inFeatures must be a non-negative integer, got -1");
    expect(() => new nn.Linear(4, 2.5)).toThrow("Linear: outFeatures must be a non-negative integer, got 2.5");
  });
});
