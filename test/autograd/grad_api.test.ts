/** torch.autograd-style API: autograd.grad, backward with retainGraph, norm, isclose/allclose, number-first ops, gradient clipping. */
import { describe, expect, it } from "vitest";
import {
  add,
  allclose,
  autograd,
  div,
  gradcheck,
  isclose,
  mul,
  nn,
  norm,
  randn,
  sub,
  type Tensor,
  tensor,
} from "../../src/index.js";
import { backendsUnderTest, useBackend } from "../helpers.js";

const backends = await backendsUnderTest();
const d = (shape: number[]): Tensor => randn(shape, { dtype: "float64" });

describe.each(backends)("gradient API on the %s backend", (backend) => {
  it("autograd.grad returns gradients without touching .grad, for leaves and non-leaves", () => {
    useBackend(backend);
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const h = x.mul(x);
    const y = h.sum();
    const [gx, gh] = autograd.grad(y, [x, h], null, { retainGraph: true });
    expect(Array.from(gx!.dataSync())).toEqual([2, 4, 6]);
    expect(Array.from(gh!.dataSync())).toEqual([1, 1, 1]);
    expect(x.grad).toBeNull();
    // The graph was retained: a second pass works and accumulates as usual.
    y.backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 4, 6]);
    const z = tensor([1], { requiresGrad: true });
    expect(() => autograd.grad(x.sum().mul(1), [z])).toThrow(/input 0 \[1\] was not used.*allowUnused/);
    expect(autograd.grad(x.sum(), [x, z], null, { allowUnused: true })[1]).toBeNull();
    expect(() => autograd.grad(x.sum(), [x], null, { createGraph: true })).toThrow(/createGraph.*not supported/);
  });

  it("backward({ retainGraph: true }) allows a second backward; without it the error says how", () => {
    useBackend(backend);
    const w = tensor([2, -1], { requiresGrad: true });
    const loss = w.mul(w).sum();
    loss.backward({ retainGraph: true });
    loss.backward();
    expect(Array.from(w.grad!.dataSync())).toEqual([8, -4]);
    expect(() => loss.backward()).toThrow(/second time.*retainGraph: true/);
  });

  it("norm matches PyTorch's vector_norm and passes gradcheck (p = 2 at zero has gradient 0)", () => {
    useBackend(backend);
    const x = tensor([
      [3, -4],
      [0, 0],
    ]);
    expect(norm(x).item()).toBeCloseTo(5, 6);
    expect(Array.from(x.norm(2, 1).dataSync())).toEqual([5, 0]);
    expect(x.norm(1).item()).toBe(7);
    expect(x.norm(Infinity).item()).toBe(4);
    expect(x.norm(-Infinity, 1).tolist()).toEqual([3, 0]);
    expect(x.norm(0).item()).toBe(2);
    expect(x.norm(3).item()).toBeCloseTo(Math.cbrt(27 + 64), 5);
    const z = tensor([0, 0], { requiresGrad: true });
    z.norm().backward();
    expect(Array.from(z.grad!.dataSync())).toEqual([0, 0]);
    for (const p of [2, 1, 3, Infinity]) expect(gradcheck((a) => a.norm(p, 1), [d([3, 4])])).toBe(true);
    expect(gradcheck((a) => a.norm(2, [0, 2], true), [d([2, 3, 4])])).toBe(true);
  });

  it("isclose/allclose follow PyTorch: rtol·|b| + atol, equal infinities close, NaN only with equalNan", () => {
    useBackend(backend);
    const a = tensor([1, 1e-9, Infinity, NaN, 1]);
    const b = tensor([1 + 1e-6, 0, Infinity, NaN, 1.1]);
    expect(isclose(a, b).tolist()).toEqual([1, 1, 1, 0, 0]);
    expect(isclose(a, b, { equalNan: true }).tolist()).toEqual([1, 1, 1, 1, 0]);
    expect(allclose(tensor([1, 2]), tensor([1, 2 + 1e-6]))).toBe(true);
    expect(tensor([1, 2]).allclose(tensor([1, 2.1]))).toBe(false);
  });

  it("numbers may come first: add(1, x), sub(1, x), mul(2, x), div(1, x), with gradients", () => {
    useBackend(backend);
    const x = tensor([1, 2, 4], { requiresGrad: true });
    expect(add(1, x).tolist()).toEqual([2, 3, 5]);
    expect(sub(1, x).tolist()).toEqual([0, -1, -3]);
    expect(mul(2, x).tolist()).toEqual([2, 4, 8]);
    div(1, x).sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([-1, -0.25, -0.0625]);
    expect(() => add(1, 2)).toThrow(/at least one argument must be a Tensor/);
  });

  it("clipGradNorm_ and clipGradValue_ scale gradients in place, as PyTorch", () => {
    useBackend(backend);
    const lin = new nn.Linear(3, 2);
    lin.weight.grad = tensor([
      [3, 0, 0],
      [0, 0, 0],
    ]);
    lin.bias!.grad = tensor([0, 4]);
    const total = nn.utils.clipGradNorm_(lin.parameters(), 1);
    expect(total.item()).toBeCloseTo(5, 5);
    expect(lin.weight.grad!.dataSync()[0]).toBeCloseTo(0.6, 5);
    expect(lin.bias!.grad!.dataSync()[1]).toBeCloseTo(0.8, 5);
    expect(nn.utils.clipGradNorm_(lin.parameters(), 10).item()).toBeCloseTo(1, 5); // below maxNorm: unchanged
    expect(lin.weight.grad!.dataSync()[0]).toBeCloseTo(0.6, 5);
    nn.utils.clipGradValue_(lin.parameters(), 0.7);
    expect(lin.bias!.grad!.dataSync()[1]).toBeCloseTo(0.7, 6);
    lin.bias!.grad = tensor([NaN, 1]);
    expect(() => nn.utils.clipGradNorm_(lin.parameters(), 1, 2, { errorIfNonfinite: true })).toThrow(
      /total norm of order 2 .* is NaN/,
    );
  });
});
