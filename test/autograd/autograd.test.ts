/** Autograd semantics, PyTorch's: accumulation, noGrad, retainGrad, detach, leaves, freed graphs. */
import { describe, expect, it } from "vitest";
import { enableGrad, isGradEnabled, noGrad, ones, randn, tensor } from "../../src/index.js";

describe("autograd", () => {
  it("accumulates gradients across backward calls until zeroed (the forgotten zeroGrad)", () => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    w.mul(2).sum().backward();
    expect(Array.from(w.grad!.dataSync())).toEqual([2, 2, 2]);
    w.mul(2).sum().backward();
    expect(Array.from(w.grad!.dataSync())).toEqual([4, 4, 4]);
    w.grad = null;
    w.mul(2).sum().backward();
    expect(Array.from(w.grad!.dataSync())).toEqual([2, 2, 2]);
  });

  it("sums gradients over every path of a diamond graph", () => {
    const x = tensor([3], { requiresGrad: true });
    const a = x.mul(x),
      b = x.mul(4);
    a.add(b).sum().backward(); // d/dx (x² + 4x) = 2x + 4
    expect(x.grad!.item()).toBe(10);
  });

  it("builds no graph inside noGrad and restores the mode after a throw", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(() =>
      noGrad(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(isGradEnabled()).toBe(true);
    noGrad(() => expect(enableGrad(() => x.mul(2)).requiresGrad).toBe(true));
  });

  it("keeps .grad on non-leaves only after retainGrad()", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3).retainGrad();
    const z = x.mul(3);
    h.add(z).sum().backward();
    expect(Array.from(h.grad!.dataSync())).toEqual([1, 1]);
    expect(z.grad).toBeNull();
    expect(h.isLeaf).toBe(false);
    expect(x.isLeaf).toBe(true);
  });

  it("detach cuts the graph but shares data", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.dataSync()).toBe(x.dataSync());
  });

  it("names the op in gradFn", () => {
    const x = randn([2, 3], { requiresGrad: true });
    expect(x.matmul(randn([3, 1])).gradFn!.name).toBe("MmBackward");
    expect(x.sum().gradFn!.name).toBe("SumBackward");
  });

  it("explains non-scalar backward, backward without grad and a second backward", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow(/only for scalar outputs.*\[2\].*sum\(\)/);
    expect(() => tensor([1]).sum().backward()).toThrow(/does not require grad/);
    const y = x.mul(x).sum();
    y.backward();
    expect(() => y.backward()).toThrow(/second time/);
  });

  it("accepts an explicit upstream gradient", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).backward(tensor([1, 0, 2]));
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 0, 12]);
  });

  it("handles a deep chain without overflowing the stack", () => {
    const x = tensor([1], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 20000; i++) y = y.mul(1);
    y.sum().backward();
    expect(x.grad!.item()).toBe(1);
  });

  it("refuses gradients on int tensors", () => {
    expect(() => tensor([1, 2], { dtype: "int32", requiresGrad: true })).toThrow(/floating-point/);
    expect(ones([2]).requiresGrad).toBe(false);
  });
});

describe("parameter gradients", () => {
  it("zeroGrad sets .grad to null; the next backward writes a new gradient, leaving the one read before intact", async () => {
    const { nn } = await import("../../src/index.js");
    const fc = new nn.Linear(3, 2);
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    fc(x).sum().backward();
    const first = Array.from(fc.weight.grad!.dataSync());
    expect(first).toEqual([5, 7, 9, 5, 7, 9]);
    const storage = fc.weight.grad!.dataSync();
    fc(x).sum().backward(); // no zeroGrad: accumulates
    expect(Array.from(fc.weight.grad!.dataSync())).toEqual(first.map((v) => 2 * v));
    fc.zeroGrad();
    expect(fc.weight.grad).toBeNull();
    fc(x).sum().backward();
    expect(Array.from(fc.weight.grad!.dataSync())).toEqual(first);
    // The storage read through .grad before is the user's now (PyTorch allocates afresh too).
    expect(fc.weight.grad!.dataSync()).not.toBe(storage);
    expect(Array.from(storage)).toEqual(first.map((v) => 2 * v));
  });

  it("a weight used twice in one graph gets the sum of both paths", async () => {
    const { nn } = await import("../../src/index.js");
    const fc = new nn.Linear(2, 2, { bias: false });
    fc.weight.dataSync().set([1, 0, 0, 1]);
    const x = tensor([[1, 2]]);
    fc(fc(x)).sum().backward(); // y = W(Wx), W = I: dL/dW = 1·(Wx)ᵀ + (Wᵀ1)·xᵀ = [[1,2],[1,2]] + [[1,2],[1,2]]
    expect(Array.from(fc.weight.grad!.dataSync())).toEqual([2, 4, 2, 4]);
  });
});
