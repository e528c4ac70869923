/** where, maskedFill, tril/triu: exact ±inf/NaN, broadcasting, dtypes, gradients and errors — every backend. */
import { describe, expect, it } from "vitest";
import {
  arange,
  F,
  fallbackCounts,
  maskedFill,
  ones,
  randn,
  resetFallbackCounts,
  type Tensor,
  tensor,
  tril,
  triu,
  where,
  zeros,
} from "../../src/index.js";
import { backendsUnderTest, useBackend } from "../helpers.js";

const backends = await backendsUnderTest();

describe.each(backends)("selection ops on the %s backend", (backend) => {
  it("maskedFill(−inf) under a causal mask gives exactly −inf, and softmax exact zeros there", () => {
    useBackend(backend);
    const L = 6,
      scores = randn([2, 3, L, L], { requiresGrad: true });
    const mask = triu(ones([L, L]), 1);
    const filled = scores.maskedFill(mask, -Infinity);
    const p = F.softmax(filled, -1);
    for (let i = 0; i < p.numel(); i++) {
      const row = Math.floor(i / L) % L,
        col = i % L;
      if (col > row) {
        expect(filled.dataSync()[i]).toBe(-Infinity);
        expect(p.dataSync()[i]).toBe(0);
      } else expect(filled.dataSync()[i]).toBe(scores.dataSync()[i]);
    }
    p.mul(randn(p.shape)).sum().backward();
    // No gradient reaches the masked scores, and none is NaN.
    scores.grad!.dataSync().forEach((g, i) => {
      expect(Number.isNaN(g)).toBe(false);
      if (i % L > Math.floor(i / L) % L) expect(g).toBe(0);
    });
  });

  it("where picks without arithmetic: inf and NaN pass through both branches; a NaN condition counts as true", () => {
    useBackend(backend);
    const cond = tensor([1, 0, NaN, -0, 2]);
    const out = where(cond, tensor([Infinity, 1, NaN, 3, -Infinity]), tensor([5, -Infinity, 7, NaN, 9]));
    expect(Array.from(out.dataSync())).toEqual([Infinity, -Infinity, NaN, NaN, -Infinity]);
    // int32 conditions, scalar branches, and the dtype of the result
    const c = tensor([0, 3, 0], { dtype: "int32" });
    expect(where(c, 1, 0).dtype).toBe("int32");
    expect(Array.from(where(c, 1, 0).dataSync())).toEqual([0, 1, 0]);
    expect(where(c, 0.5, 0).dtype).toBe("float32");
    expect(where(c, tensor([1, 2, 3], { dtype: "int32" }), 0.5).tolist()).toEqual([0.5, 2, 0.5]);
    expect(where(c, randn([3], { dtype: "float64" }), tensor([1, 2, 3])).dtype).toBe("float64");
  });

  it("where broadcasts all three and sends each branch the gradient of its own places, summed over repeats", () => {
    useBackend(backend);
    const cond = tensor([[1], [0], [1]]); // [3, 1]
    const a = randn([1, 4], { requiresGrad: true }),
      b = randn([2, 1, 1], { requiresGrad: true });
    const out = where(cond, a, b);
    expect(out.shape).toEqual([2, 3, 4]);
    expect(out.select(0, 1).select(0, 2).tolist()).toEqual(Array.from(a.dataSync()));
    expect(out.select(0, 1).select(0, 1).tolist()).toEqual(new Array(4).fill(b.dataSync()[1]));
    out.sum().backward();
    expect(Array.from(a.grad!.dataSync())).toEqual([4, 4, 4, 4]); // 2 batches × 2 true rows
    expect(Array.from(b.grad!.dataSync())).toEqual([4, 4]); // 1 false row × 4 columns
    expect(
      randn([3, 4])
        .where(tensor([1, 0, 0, 1]), zeros([3, 1]))
        .select(1, 1)
        .tolist(),
    ).toEqual([0, 0, 0]);
  });

  it("maskedFill keeps x's dtype, broadcasts the mask, and a 0-d tensor value gets the filled places' gradient", () => {
    useBackend(backend);
    const x = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { dtype: "int32" },
    );
    const m = tensor([1, 0, 1]);
    expect(maskedFill(x, m, -7.9).tolist()).toEqual([
      [-7, 2, -7],
      [-7, 5, -7],
    ]);
    expect(maskedFill(x, m, -7.9).dtype).toBe("int32");
    const xf = randn([2, 3], { requiresGrad: true }),
      v = tensor(0.5, { requiresGrad: true });
    xf.maskedFill(m, v).sum().backward();
    expect(v.grad!.item()).toBe(4);
    expect(Array.from(xf.grad!.dataSync())).toEqual([0, 1, 0, 0, 1, 0]);
    expect(() => xf.maskedFill(m, tensor([1, 2]))).toThrow(/a tensor value must be 0-dimensional, got shape \[2\]/);
    expect(() => xf.maskedFill(tensor([1, 0]), 0)).toThrow(/maskedFill: shapes \[2\] and \[2, 3\] cannot be broadcast/);
  });

  it("tril/triu keep j − i ≤ d / ≥ d on the last two dims (batched), zero inf/NaN elsewhere, gradients alike", () => {
    useBackend(backend);
    const x = arange(1, 13, 1, { dtype: "float32" }).reshape([3, 4]);
    expect(tril(x).tolist()).toEqual([
      [1, 0, 0, 0],
      [5, 6, 0, 0],
      [9, 10, 11, 0],
    ]);
    expect(triu(x, 1).tolist()).toEqual([
      [0, 2, 3, 4],
      [0, 0, 7, 8],
      [0, 0, 0, 12],
    ]);
    expect(x.tril(-1).tolist()).toEqual([
      [0, 0, 0, 0],
      [5, 0, 0, 0],
      [9, 10, 0, 0],
    ]);
    expect(x.triu(-5).tolist()).toEqual(x.tolist());
    expect(x.tril(-5).tolist()).toEqual(zeros([3, 4]).tolist());
    const inf = tensor([
      [Infinity, NaN],
      [NaN, -Infinity],
    ]);
    expect(tril(inf).tolist()).toEqual([
      [Infinity, 0],
      [NaN, -Infinity],
    ]);
    const b = randn([2, 3, 3, 3], { requiresGrad: true });
    const t: Tensor = triu(b, 1);
    expect(t.select(0, 1).select(0, 2).tolist()).toEqual(triu(b.select(0, 1).select(0, 2).detach(), 1).tolist());
    t.sum().backward();
    expect(b.grad!.select(0, 0).select(0, 0).tolist()).toEqual(triu(ones([3, 3]), 1).tolist());
    expect(tril(ones([3, 3], { dtype: "int32" })).tolist()).toEqual([
      [1, 0, 0],
      [1, 1, 0],
      [1, 1, 1],
    ]);
    expect(() => tril(ones([3]))).toThrow(/tril: input must have at least 2 dims.*\[3\]/);
  });
});

describe("the wasm backend runs these ops' kernels itself", () => {
  it("pad, interpolate, where, maskedFill, tril/triu forward and backward never fall back to JS (float32)", () => {
    expect(backends).toContain("wasm");
    useBackend("wasm");
    resetFallbackCounts();
    const x = randn([4, 3, 9, 8], { requiresGrad: true });
    const y = F.interpolate(F.pad(x, [1, 2, 2, 1], { mode: "reflect" }), { scaleFactor: 2, mode: "bilinear" });
    const z = F.interpolate(F.pad(y, [1, 1, 1, 1]), { size: [10, 10] });
    const m = triu(ones([10, 10]), 1);
    const w = where(z.gt(0), z, z.mul(0.1)).maskedFill(m, -Infinity).softmax(-1).tril(1);
    w.mul(randn(w.shape)).sum().backward();
    expect(fallbackCounts()).toEqual({});
  });
});
