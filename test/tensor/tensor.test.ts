import { describe, expect, it } from "vitest";
import {
  arange,
  eye,
  full,
  manualSeed,
  rand,
  randint,
  randn,
  tensor,
  zeros,
  defaultGenerator,
} from "../../src/index.js";

describe("tensors", () => {
  it("same seed, same numbers", () => {
    manualSeed(3);
    const a = randn([5]);
    const r = rand([3]);
    const i = randint(0, 10, [4]);
    manualSeed(3);
    expect(Array.from(randn([5]).dataSync())).toEqual(Array.from(a.dataSync()));
    expect(Array.from(rand([3]).dataSync())).toEqual(Array.from(r.dataSync()));
    expect(Array.from(randint(0, 10, [4]).dataSync())).toEqual(Array.from(i.dataSync()));
  });
  it("generator state can be saved and restored", () => {
    manualSeed(1);
    randn([3]);
    const st = defaultGenerator.getState();
    const next = Array.from(randn([4]).dataSync());
    defaultGenerator.setState(st);
    expect(Array.from(randn([4]).dataSync())).toEqual(next);
  });
  it("randn has mean ≈ 0 and std ≈ 1", () => {
    manualSeed(0);
    const x = randn([20000]);
    expect(Math.abs(x.mean().item())).toBeLessThan(0.03);
    expect(Math.abs(x.std().item() - 1)).toBeLessThan(0.03);
  });
  it("creation functions", () => {
    expect(zeros([2, 3]).shape).toEqual([2, 3]);
    expect(full([2], 7).tolist()).toEqual([7, 7]);
    expect(arange(5).tolist()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(5).dtype).toBe("int32");
    expect(arange(0, 1, 0.25).tolist()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(eye(2).tolist()).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] }).tolist()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(tensor(3.5).item()).toBe(3.5);
  });
  it("prints like PyTorch", () => {
    expect(
      String(
        tensor([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toBe("tensor([[1., 2.],\n        [3., 4.]])");
    expect(String(tensor([0.5, 1.25], { requiresGrad: true }))).toBe("tensor([0.5000, 1.2500], requiresGrad=true)");
    expect(String(tensor([1, 2], { dtype: "int32" }))).toBe("tensor([1, 2], dtype=int32)");
  });
  it("max(dim) gives values and indices; argmax; comparisons give accuracy", () => {
    const x = tensor([
      [1, 5, 2],
      [7, 0, 3],
    ]);
    const { values, indices } = x.max(1);
    expect(values.tolist()).toEqual([5, 7]);
    expect(indices.tolist()).toEqual([1, 0]);
    expect(x.argmax(1).tolist()).toEqual([1, 0]);
    expect(x.argmax().item()).toBe(3);
    expect(
      x
        .argmax(1)
        .eq(tensor([1, 2], { dtype: "int32" }))
        .mean()
        .item(),
    ).toBe(0.5);
    expect(x.min().item()).toBe(0);
  });
  it("size, dim, numel, views share storage", () => {
    const x = randn([2, 3, 4]);
    expect(x.size()).toEqual([2, 3, 4]);
    expect(x.size(-1)).toBe(4);
    expect(x.dim()).toBe(3);
    expect(x.numel()).toBe(24);
    expect(x.view(6, 4).dataSync()).toBe(x.dataSync());
    expect(x.flatten(1).shape).toEqual([2, 12]);
    expect(x.transpose(0, 2).shape).toEqual([4, 3, 2]);
  });
});
