/**
 * Pooling and normalization beyond the fixtures: PyTorch's output-size rules as a property against
 * window enumeration, pooled values against a brute-force window scan, the modules' state_dict keys,
 * momentum = null, eval mode, and errors that name the module and the shapes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { F, manualSeed, nn, noGrad, randn, tensor, type Tensor } from "../../src/index.js";
import { backendsUnderTest, useBackend } from "../helpers.js";

const backends = await backendsUnderTest();

/** Window starts (in padded coordinates) PyTorch keeps, found by walking them one by one. */
function windowStarts(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number[] {
  const eff = d * (k - 1) + 1,
    starts: number[] = [];
  for (let i = 0; ; i++) {
    const start = i * s; // in the padded input
    const fits = start + eff <= size + 2 * p;
    // ceil mode also keeps a partial last window, if it starts inside the input or its left padding.
    const partial = ceil && start < size + p && start - s + eff < size + 2 * p;
    if (!fits && !partial) break;
    starts.push(start - p);
  }
  return starts;
}

describe.each(backends)("pooling rules on the %s backend", (backend) => {
  it("maxPool1d/avgPool1d: output length and every value match a brute-force window scan", () => {
    useBackend(backend);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (size, k, s, pRaw, d, ceilMode, seed) => {
          const p = Math.min(pRaw, Math.floor(k / 2));
          const starts = windowStarts(size, k, s, p, d, ceilMode);
          manualSeed(seed);
          const x = randn([2, size]);
          if (starts.length === 0) {
            const run = (): Tensor => F.maxPool1d(x, k, { stride: s, padding: p, dilation: d, ceilMode });
            expect(run).toThrow(/larger than the padded input/);
            return;
          }
          const [out, idx] = F.maxPool1d(x, k, { stride: s, padding: p, dilation: d, ceilMode, returnIndices: true });
          expect(out.shape).toEqual([2, starts.length]);
          const avg = d === 1 ? F.avgPool1d(x, k, { stride: s, padding: p, ceilMode, countIncludePad: false }) : null;
          for (let r = 0; r < 2; r++) {
            starts.forEach((st, o) => {
              let best = -Infinity,
                bi = -1,
                sum = 0,
                n = 0;
              for (let j = 0; j < k; j++) {
                const i = st + j * d;
                if (i < 0 || i >= size) continue;
                const v = x.dataSync()[r * size + i];
                if (v > best) {
                  best = v;
                  bi = i;
                }
                sum += v;
                n++;
              }
              expect(out.dataSync()[r * starts.length + o]).toBe(best);
              // A dilated window can fall wholly in the padding: −∞, as in PyTorch (whose index is then meaningless).
              if (n > 0) expect(idx.dataSync()[r * starts.length + o]).toBe(bi);
              if (avg) expect(avg.dataSync()[r * starts.length + o]).toBeCloseTo(sum / n, 5);
            });
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("adaptiveAvgPool2d(1) is the mean over H and W; null keeps a dim", () => {
    useBackend(backend);
    const x = randn([2, 3, 5, 7]);
    const g = F.adaptiveAvgPool2d(x, 1);
    expect(g.shape).toEqual([2, 3, 1, 1]);
    const m = x.mean([2, 3]);
    g.dataSync().forEach((v, i) => expect(v).toBeCloseTo(m.dataSync()[i], 5));
    expect(new nn.AdaptiveAvgPool2d([2, null])(x).shape).toEqual([2, 3, 2, 7]);
  });

  it("say what is wrong, with the shapes", () => {
    useBackend(backend);
    expect(() => new nn.MaxPool2d(2)(randn([64, 784]))).toThrow(
      "MaxPool2d(kernelSize=2) got input [64, 784]: it expects (N, C, H, W) or (C, H, W) with non-zero sizes — " +
        "for a batch of flat images reshape first, e.g. x.view(-1, 1, H, W)",
    );
    expect(() => F.maxPool2d(randn([1, 1, 2, 2]), 3)).toThrow(
      "maxPool2d: kernel 3×3 is larger than the padded input 2×2 (input [1, 1, 2, 2], padding 0×0), " +
        "so the output would be 0×0",
    );
    const x = randn([1, 1, 4, 4]);
    const p2 = { padding: 2 };
    expect(() => F.avgPool2d(x, 2, p2)).toThrow("padding 2×2 must be between 0 and half the kernel size 2×2");
    expect(() => F.avgPool2d(x, 2, { divisorOverride: 0 })).toThrow("divisorOverride must be a positive integer");
  });
});

describe.each(backends)("normalization modules on the %s backend", (backend) => {
  it("BatchNorm2d: PyTorch's keys; momentum null keeps the cumulative average; eval uses the running stats", () => {
    useBackend(backend);
    const bn = new nn.BatchNorm2d(3, { momentum: null });
    const keys = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"];
    expect(Object.keys(bn.stateDict())).toEqual(keys);
    const xs = [randn([4, 3, 2, 5]).mul(2).add(1), randn([4, 3, 2, 5]).sub(3), randn([2, 3, 3, 3])];
    for (const x of xs) bn(x);
    expect(bn.num_batches_tracked!.item()).toBe(3);
    const means = xs.map((x) => x.mean([0, 2, 3]));
    const vars = xs.map((x) => x.permute(1, 0, 2, 3).reshape([3, -1]).var(1));
    for (let c = 0; c < 3; c++) {
      // Starting from (0, 1): 1/1, 1/2, 1/3 of the newest batch = the plain average of the three batches.
      expect(bn.running_mean!.dataSync()[c]).toBeCloseTo(
        (means[0].dataSync()[c] + means[1].dataSync()[c] + means[2].dataSync()[c]) / 3,
        5,
      );
      expect(bn.running_var!.dataSync()[c]).toBeCloseTo(
        (vars[0].dataSync()[c] + vars[1].dataSync()[c] + vars[2].dataSync()[c]) / 3,
        4,
      );
    }
    bn.eval();
    const x = randn([2, 3, 2, 2]);
    const y = noGrad(() => bn(x));
    const channel = (t: Tensor): Tensor => t.reshape([1, 3, 1, 1]);
    const want = x.sub(channel(bn.running_mean!)).div(channel(bn.running_var!.add(1e-5).sqrt()));
    y.dataSync().forEach((v, i) => expect(v).toBeCloseTo(want.dataSync()[i], 5));
    expect(bn.num_batches_tracked!.item()).toBe(3);
  });

  it("BatchNorm1d takes (N, C) and (N, C, L), BatchNorm3d volumes; without running stats eval uses the batch", () => {
    useBackend(backend);
    expect(new nn.BatchNorm1d(4)(randn([8, 4])).shape).toEqual([8, 4]);
    expect(new nn.BatchNorm1d(4)(randn([8, 4, 3])).shape).toEqual([8, 4, 3]);
    expect(new nn.BatchNorm3d(2)(randn([2, 2, 3, 2, 2])).shape).toEqual([2, 2, 3, 2, 2]);
    const bn = new nn.BatchNorm2d(2, { trackRunningStats: false, affine: false }).eval();
    expect(Object.keys(bn.stateDict())).toEqual([]);
    const y = bn(randn([3, 2, 4, 4]).mul(5).add(2));
    const m = y.mean([0, 2, 3]);
    m.dataSync().forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-5));
  });

  it("BatchNorm errors name the module, the shapes and the fix", () => {
    useBackend(backend);
    expect(() => new nn.BatchNorm2d(16)(randn([64, 8, 14, 14]))).toThrow(
      "BatchNorm2d(16) got [64, 8, 14, 14]: expected 16 channels (dim 1 of (N, 16, H, W)), got 8 — " +
        "use BatchNorm2d(8) or make the previous layer output 16 channels",
    );
    expect(() => new nn.BatchNorm2d(16)(randn([64, 16]))).toThrow(
      "BatchNorm2d(16) got input [64, 16]: expected (N, 16, H, W) — for (N, C) features use BatchNorm1d",
    );
    expect(() => new nn.BatchNorm1d(16)(randn([64, 16, 4, 4]))).toThrow("— for images use BatchNorm2d");
    const one = randn([1, 3, 1, 1]);
    expect(() => new nn.BatchNorm2d(3)(one)).toThrow("expected more than 1 value per channel when training");
  });

  it("LayerNorm and GroupNorm: keys, shapes, bias: false, and errors", () => {
    useBackend(backend);
    const ln = new nn.LayerNorm([3, 4]);
    expect(Object.keys(ln.stateDict())).toEqual(["weight", "bias"]);
    expect(ln.weight!.shape).toEqual([3, 4]);
    expect(Object.keys(new nn.LayerNorm(4, { bias: false }).stateDict())).toEqual(["weight"]);
    expect(Object.keys(new nn.LayerNorm(4, { elementwiseAffine: false }).stateDict())).toEqual([]);
    const y = ln(randn([2, 3, 4]).mul(3).add(7));
    const rowMeans = y.reshape([2, 12]).mean(1);
    rowMeans.dataSync().forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-5));
    expect(() => ln(randn([2, 4, 3]))).toThrow(
      "LayerNorm([3, 4]): normalizedShape [3, 4] expects input of shape [*, 3, 4], got [2, 4, 3]",
    );
    const gn = new nn.GroupNorm(2, 4);
    expect(Object.keys(gn.stateDict())).toEqual(["weight", "bias"]);
    expect(() => new nn.GroupNorm(3, 4)).toThrow("numChannels (4) must be divisible by numGroups (3)");
    expect(() => gn(randn([2, 6, 3]))).toThrow("GroupNorm(2, 4) got input [2, 6, 3]: expected (N, 4, *)");
    // GroupNorm(1, C) without affine is LayerNorm over (C, *).
    const x = randn([2, 4, 3]);
    const a = F.groupNorm(x, 1),
      b = F.layerNorm(x, [4, 3]);
    a.dataSync().forEach((v, i) => expect(v).toBeCloseTo(b.dataSync()[i], 5));
  });

  it("layerNorm with a large mean keeps float32 precision (statistics in float64, two passes)", () => {
    useBackend(backend);
    const x: Tensor = tensor([1000.5, 1001.5, 999.5, 1002.5]).reshape([1, 4]);
    const y = F.layerNorm(x, 4);
    const want = [-0.4472, 0.4472, -1.3416, 1.3416];
    y.dataSync().forEach((v, i) => expect(v).toBeCloseTo(want[i], 3));
  });
});
