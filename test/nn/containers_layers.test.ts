/** ModuleDict, ModuleList's list methods, and the small layers: Identity, Flatten, Unflatten, Dropout2d. */
import { describe, expect, it, vi } from "vitest";
import { manualSeed, nn, ones, randn, type Tensor } from "../../src/index.js";
import { backendsUnderTest, useBackend } from "../helpers.js";

const backends = await backendsUnderTest();

describe("nn.ModuleDict", () => {
  it("keys are state_dict prefixes in insertion order, any string but '' or one with a dot", () => {
    const makeHeads = (): nn.ModuleDict =>
      new nn.ModuleDict(
        new Map<string, nn.Module>([
          ["z-head", new nn.Linear(4, 2)],
          ["10", new nn.ReLU()],
          ["2 conv", new nn.Linear(2, 3)],
          ["keys", new nn.Linear(1, 1, { bias: false })],
        ]),
      );
    class Net extends nn.Module {
      trunk = new nn.Linear(3, 4);
      heads = makeHeads();
    }
    const net = new Net(),
      heads = net.heads;
    expect(Object.keys(net.stateDict())).toEqual([
      "trunk.weight",
      "trunk.bias",
      "heads.z-head.weight",
      "heads.z-head.bias",
      "heads.2 conv.weight",
      "heads.2 conv.bias",
      "heads.keys.weight",
    ]);
    expect(heads.keys()).toEqual(["z-head", "10", "2 conv", "keys"]);
    expect([...heads]).toEqual(heads.keys());
    expect(heads.length).toBe(4);
    expect(heads.values()[1]).toBeInstanceOf(nn.ReLU);
    expect(heads.items().map(([k]) => k)).toEqual(heads.keys());
    expect(heads.keys).toBeTypeOf("function"); // a key named "keys" does not shadow the method
    expect(net.parameters().length).toBe(7);
    // Replacing a key keeps its place; update adds in order; pop removes.
    heads.set("10", new nn.Tanh()).update([["new", new nn.Sigmoid()]]);
    expect(heads.keys()).toEqual(["z-head", "10", "2 conv", "keys", "new"]);
    expect(heads.get("10")).toBeInstanceOf(nn.Tanh);
    expect(heads.pop("z-head")).toBeInstanceOf(nn.Linear);
    expect(heads.has("z-head")).toBe(false);
    expect(Object.keys(net.stateDict())[2]).toBe("heads.2 conv.weight");
    // A state dict round-trips through loadStateDict, and eval() reaches the dict's modules.
    const other = new Net();
    other.heads.pop("z-head");
    other.heads.set("10", new nn.Tanh()).set("new", new nn.Sigmoid());
    other.loadStateDict(net.stateDict());
    const weightOf = (d: nn.ModuleDict): number[] => Array.from(d.get("keys").parameters()[0].dataSync());
    expect(weightOf(other.heads)).toEqual(weightOf(heads));
    net.eval();
    expect(heads.values().every((m) => !m.training)).toBe(true);
    expect(String(new nn.ModuleDict({ a: new nn.ReLU() }))).toBe("ModuleDict(\n  (a): ReLU()\n)");
  });

  it("errors: unknown key, bad key, a non-module, calling it", () => {
    const d = new nn.ModuleDict({ a: new nn.ReLU() });
    expect(() => d.get("b")).toThrow(/no module under key "b" \(keys: "a"\)/);
    expect(() => d.set("a.b", new nn.ReLU())).toThrow(/key "a.b" can't contain "\."/);
    expect(() => d.set("", new nn.ReLU())).toThrow(/empty string/);
    expect(() => d.set("c", nn.ReLU as unknown as nn.Module)).toThrow(/not an nn.Module.*new nn.ReLU\(\)/);
    expect(() => d(ones([1]))).toThrow(/ModuleDict has no forward\(\)/);
    expect(new nn.ModuleDict().length).toBe(0);
  });
});

describe("nn.ModuleList", () => {
  it("append, extend, insert, pop renumber like PyTorch; at() takes negative indices; iteration in order", () => {
    const a = new nn.Linear(1, 2),
      b = new nn.Linear(2, 3),
      c = new nn.ReLU(),
      d = new nn.Linear(3, 4);
    const list = new nn.ModuleList([a]);
    list.extend([b, c]).extend(new nn.ModuleList([d]));
    expect([...list]).toEqual([a, b, c, d]);
    expect(list.at(-1)).toBe(d);
    expect(list[1]).toBe(b);
    list.insert(0, new nn.Tanh());
    expect(Object.keys(list.stateDict())).toEqual(["1.weight", "1.bias", "2.weight", "2.bias", "4.weight", "4.bias"]);
    list.insert(-1, new nn.Sigmoid());
    expect(list.at(-2)).toBeInstanceOf(nn.Sigmoid);
    expect(list.pop(0)).toBeInstanceOf(nn.Tanh);
    expect(list.pop()).toBe(d);
    expect([...list]).toEqual([a, b, c, list.at(3)]);
    expect(Object.keys(list.stateDict())).toEqual(["0.weight", "0.bias", "1.weight", "1.bias"]);
    expect(() => list.at(4)).toThrow(/ModuleList.at: index 4 is out of range for 4 module\(s\)/);
    // Sequential shares the list methods.
    const seq = new nn.Sequential(new nn.Linear(2, 2));
    seq.insert(0, new nn.ReLU());
    expect(seq.at(1)).toBeInstanceOf(nn.Linear);
  });
});

describe.each(backends)("small layers on the %s backend", (backend) => {
  it("Identity ignores constructor args; Flatten defaults to dims 1..−1; Unflatten inverts it", () => {
    useBackend(backend);
    const x = randn([2, 3, 4, 5]);
    expect(new nn.Identity(54, { unused: true })(x)).toBe(x);
    expect(new nn.Flatten()(x).shape).toEqual([2, 60]);
    expect(new nn.Flatten(0, 2)(x).shape).toEqual([24, 5]);
    const u = new nn.Unflatten(1, [3, 4, 5]);
    expect(u(new nn.Flatten()(x)).tolist()).toEqual(x.tolist());
    expect(new nn.Unflatten(-1, [-1, 2])(randn([3, 8])).shape).toEqual([3, 4, 2]);
    expect(String(u)).toBe("Unflatten(dim=1, unflattenedSize=[3, 4, 5])");
    expect(() => u(randn([2, 59]))).toThrow(
      /dim 1 of input \[2, 59\] has size 59, which the sizes \[3, 4, 5\] do not multiply to/,
    );
    expect(() => new nn.Unflatten(1, [-1, -1])).toThrow(/at most one −1/);
  });

  it("Dropout2d zeroes whole channels with probability p, scales survivors by 1/(1−p), is the identity in eval", () => {
    useBackend(backend);
    manualSeed(3);
    const p = 0.3,
      n = 40,
      c = 50,
      x = randn([n, c, 3, 4]).abs().add(0.1);
    const m = new nn.Dropout2d(p);
    const y = m(x);
    let dropped = 0;
    for (let k = 0; k < n * c; k++) {
      const xs = x.dataSync().subarray(k * 12, k * 12 + 12),
        ys = y.dataSync().subarray(k * 12, k * 12 + 12);
      const zero = ys[0] === 0;
      if (zero) dropped++;
      // A channel is either all zero or all scaled by 1/(1 − p).
      ys.forEach((v, i) => (zero ? expect(v).toBe(0) : expect(v).toBeCloseTo(xs[i] / (1 - p), 5)));
    }
    // 2,000 channels: the dropped fraction is p within 4 standard deviations (√(p(1−p)/2000) ≈ 0.0102).
    expect(Math.abs(dropped / (n * c) - p)).toBeLessThan(0.041);
    m.eval();
    expect(m(x)).toBe(x);
    expect(String(m)).toBe("Dropout2d(p=0.3)");
  });

  it("Dropout2d reads 3-D input as (N, C, L) like PyTorch, with a warning once", () => {
    useBackend(backend);
    manualSeed(1);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const y = new nn.Dropout2d(0.5)(ones([8, 16, 5]));
    const y2 = new nn.Dropout2d(0.5)(ones([8, 16, 5]));
    // Once per process, as Python shows a UserWarning once per place: the first backend's run sees it.
    expect(warn.mock.calls.length).toBe(backend === backends[0] ? 1 : 0);
    if (warn.mock.calls.length) expect(String(warn.mock.calls[0][0])).toMatch(/3-D input.*read as \(N, C, L\)/);
    warn.mockRestore();
    const rowsOf = (t: Tensor): number[][] => t.reshape([128, 5]).tolist() as number[][];
    // Each (n, c) row is dropped or kept whole.
    for (const row of [...rowsOf(y), ...rowsOf(y2)]) expect(new Set(row).size).toBe(1);
    expect(() => new nn.Dropout2d(1.5)).toThrow(/probability must be in \[0, 1\], got 1.5/);
  });
});
