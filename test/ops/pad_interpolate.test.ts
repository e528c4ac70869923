/** F.pad and F.interpolate: shape and value properties against naive definitions, PyTorch's numbers, errors. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arange, F, nn, randn, type Tensor, tensor } from "../../src/index.js";
import { stridesOf } from "../../src/tensor/shape.js";
import { backendsUnderTest, useBackend } from "../helpers.js";

const backends = await backendsUnderTest();
const shapeArb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 });

/** numpy.pad's modes on one row, built independently of the kernels' index maps (positive pads). */
function naiveRow(row: number[], before: number, after: number, mode: string, value: number): number[] {
  const n = row.length;
  const at = (i: number): number => {
    if (i >= 0 && i < n) return row[i];
    switch (mode) {
      case "constant":
        return value;
      case "replicate":
        return row[i < 0 ? 0 : n - 1];
      case "circular":
        return row[((i % n) + n) % n];
      default: {
        // reflect: bounce off the edges without repeating them
        let j = i;
        while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
        return row[j];
      }
    }
  };
  return Array.from({ length: n + before + after }, (_, k) => at(k - before));
}

/** Rows of the last dim, as plain arrays. */
const rows = (t: Tensor): number[][] => {
  const w = t.shape[t.ndim - 1],
    out: number[][] = [];
  for (let i = 0; i < t.numel(); i += w) out.push(Array.from(t.dataSync().subarray(i, i + w)));
  return out;
};

describe.each(backends)("F.pad on the %s backend", (backend) => {
  it("the output shape adds each (before, after) pair to its dim, last dim first (negative pads crop)", () => {
    useBackend(backend);
    fc.assert(
      fc.property(shapeArb, fc.array(fc.integer({ min: -2, max: 3 }), { maxLength: 8 }), (shape, raw) => {
        const padList = raw.slice(0, 2 * Math.floor(Math.min(raw.length, 2 * shape.length) / 2));
        const want = [...shape];
        for (let k = 0; k < padList.length / 2; k++) want[shape.length - 1 - k] += padList[2 * k] + padList[2 * k + 1];
        fc.pre(want.every((s) => s >= 0));
        const x = randn(shape),
          out = F.pad(x, padList, { value: 2 });
        expect([...out.shape]).toEqual(want);
        // Every element is the input element the shift points at, or the fill outside the input.
        const before = shape.map((_, d) => padList[2 * (shape.length - 1 - d)] ?? 0);
        const inSt = stridesOf(shape),
          outSt = stridesOf(want);
        for (let i = 0; i < out.numel(); i++) {
          let src = 0;
          for (let d = 0; d < want.length && src >= 0; d++) {
            const s = (Math.floor(i / outSt[d]) % want[d]) - before[d];
            src = s >= 0 && s < shape[d] ? src + s * inSt[d] : -1;
          }
          expect(out.dataSync()[i]).toBe(src >= 0 ? x.dataSync()[src] : 2);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("each mode equals numpy.pad's constant/reflect/edge/wrap on every row, and the gradient counts the reads", () => {
    useBackend(backend);
    const modes = ["constant", "reflect", "replicate", "circular"] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...modes),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 5 }),
        (mode, lead, w, b0, a0) => {
          const cap = mode === "reflect" ? w - 1 : mode === "circular" ? w : 5;
          const before = Math.min(b0, cap),
            after = Math.min(a0, cap);
          const x = randn([lead, 2, w], { requiresGrad: true });
          const out = F.pad(x, [before, after], { mode, value: mode === "constant" ? -3 : undefined });
          expect(rows(out)).toEqual(rows(x).map((r) => naiveRow(r, before, after, mode, -3)));
          out.sum().backward();
          // Each output element reads one input (constant fill reads none): the gradients add up to the reads.
          const reads = mode === "constant" ? x.numel() : out.numel();
          expect(Array.from(x.grad!.dataSync()).reduce((s, v) => s + v, 0)).toBeCloseTo(reads, 3);
        },
      ),
      { numRuns: 120 },
    );
  });

  it("pads the last two dims of (N, C, H, W) like PyTorch (F.pad(x, (1, 2, 1, 0), 'reflect') on a 3×3 ramp)", () => {
    useBackend(backend);
    const x = arange(9, undefined, 1, { dtype: "float32" }).reshape([1, 1, 3, 3]);
    expect(F.pad(x, [1, 2, 1, 0], { mode: "reflect" }).tolist()).toEqual([
      [
        [
          [4, 3, 4, 5, 4, 3],
          [1, 0, 1, 2, 1, 0],
          [4, 3, 4, 5, 4, 3],
          [7, 6, 7, 8, 7, 6],
        ],
      ],
    ]);
    expect(F.pad(x, [-1, 1, 0, -2]).tolist()).toEqual([[[[1, 2, 0]]]]);
    expect(F.pad(x, [1, 0, 0, 1], { mode: "replicate" }).tolist()).toEqual([
      [
        [
          [0, 0, 1, 2],
          [3, 3, 4, 5],
          [6, 6, 7, 8],
          [6, 6, 7, 8],
        ],
      ],
    ]);
    const x3 = x.reshape([1, 3, 3]);
    expect(F.pad(x3, [2, 1], { mode: "circular" }).tolist()).toEqual([
      [
        [1, 2, 0, 1, 2, 0],
        [4, 5, 3, 4, 5, 3],
        [7, 8, 6, 7, 8, 6],
      ],
    ]);
    // A negative pad on one side (PyTorch 1.13's numbers): circular wraps the cropped row, reflect
    // and replicate still mirror or repeat about the original edge.
    expect(F.pad(x3, [-1, 2], { mode: "circular" }).tolist()).toEqual([
      [
        [1, 2, 1, 2],
        [4, 5, 4, 5],
        [7, 8, 7, 8],
      ],
    ]);
    expect(F.pad(x3, [-1, 2], { mode: "reflect" }).tolist()).toEqual([
      [
        [1, 2, 1, 0],
        [4, 5, 4, 3],
        [7, 8, 7, 6],
      ],
    ]);
    expect(F.pad(x3, [2, -1], { mode: "replicate" }).tolist()).toEqual([
      [
        [0, 0, 0, 1],
        [3, 3, 3, 4],
        [6, 6, 6, 7],
      ],
    ]);
    // int32 tensors pad too (constant mode).
    expect(F.pad(tensor([[1, 2]], { dtype: "int32" }), [1, 1], { value: 7 }).tolist()).toEqual([[7, 1, 2, 7]]);
  });

  it("errors name the op, the shapes and the rule", () => {
    useBackend(backend);
    const x = randn([1, 1, 3, 3]);
    expect(() => F.pad(x, [0, 0, 3, 0], { mode: "reflect" })).toThrow(
      /padding \(3, 0\) of dim 2 \(size 3\).*must be less than the dim's size/,
    );
    expect(() => F.pad(x, [1, 1, 1])).toThrow(/odd length 3/);
    expect(() => F.pad(randn([4]), [1, 1, 1, 1])).toThrow(/pads 2 dims but the input \[4\] has only 1/);
    expect(() => F.pad(randn([2, 3, 4, 5]), [1, 1], { mode: "reflect" })).toThrow(
      /last 1 dim\(s\) of a 4-D input.*last 2 of 3-D\/4-D/,
    );
    expect(() => F.pad(x, [1, 1, 1, 1], { mode: "replicate", value: 2 })).toThrow(
      /only constant padding fills with a value/,
    );
    expect(() => F.pad(x, [4, 0, 0, 0], { mode: "circular" })).toThrow(/wraps around more than once/);
    expect(() => F.pad(x, [-2, -2])).toThrow(/output size of -1/);
    expect(() => F.pad(x, [1, 1], { mode: "mirror" as "reflect" })).toThrow(/unknown mode "mirror"/);
  });
});

describe.each(backends)("F.interpolate and nn.Upsample on the %s backend", (backend) => {
  it("the output size is ⌊in · scaleFactor⌋ or the size given, per spatial dim", () => {
    useBackend(backend);
    const upTo = (max: number): fc.Arbitrary<number> => fc.integer({ min: 1, max });
    fc.assert(
      fc.property(
        upTo(3),
        upTo(9),
        upTo(9),
        fc.double({ min: 0.3, max: 3.5, noNaN: true }),
        fc.constantFrom("nearest", "bilinear"),
        fc.boolean(),
        (n, h, w, s, mode, bySize) => {
          const want = bySize
            ? [Math.max(1, Math.round(h * s)), Math.max(1, Math.round(w * s))]
            : [Math.floor(h * s), Math.floor(w * s)];
          fc.pre(want.every((v) => v > 0));
          const x = randn([n, 2, h, w]);
          const out = F.interpolate(x, bySize ? { size: want, mode } : { scaleFactor: s, mode });
          expect([...out.shape]).toEqual([n, 2, ...want]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("nearest by an integer factor repeats each pixel k × k times; linear with alignCorners reproduces a ramp", () => {
    useBackend(backend);
    const upTo = (max: number): fc.Arbitrary<number> => fc.integer({ min: 1, max });
    fc.assert(
      fc.property(upTo(4), upTo(4), upTo(6), (k, h, w) => {
        const x = randn([1, 1, h, w]),
          out = F.interpolate(x, { scaleFactor: k });
        for (let i = 0; i < h * k; i++) {
          for (let j = 0; j < w * k; j++) {
            expect(out.dataSync()[i * w * k + j]).toBe(x.dataSync()[Math.floor(i / k) * w + Math.floor(j / k)]);
          }
        }
      }),
      { numRuns: 50 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 2, max: 20 }), (l, outL) => {
        const ramp = arange(l, undefined, 1, { dtype: "float32" }).reshape([1, 1, l]);
        const out = F.interpolate(ramp, { size: outL, mode: "linear", alignCorners: true });
        out.dataSync().forEach((v, i) => expect(v).toBeCloseTo((i * (l - 1)) / (outL - 1), 4));
      }),
      { numRuns: 50 },
    );
  });

  it("matches PyTorch's source indices: nearest 7 → 3 and ×1.7; bilinear half-pixel and alignCorners", () => {
    useBackend(backend);
    const ramp = (n: number): Tensor => arange(n, undefined, 1, { dtype: "float32" }).reshape([1, 1, n]);
    // torch.nn.functional.interpolate(torch.arange(7.).view(1, 1, 7), size=3) → [0, 2, 4]
    expect(Array.from(F.interpolate(ramp(7), { size: 3 }).dataSync())).toEqual([0, 2, 4]);
    // scale_factor=1.7 on 5 samples: 8 outputs, source ⌊i / 1.7⌋
    expect(Array.from(F.interpolate(ramp(5), { scaleFactor: 1.7 }).dataSync())).toEqual([0, 0, 1, 1, 2, 2, 3, 4]);
    // ... and with recompute_scale_factor=True, ⌊i · 5/8⌋
    expect(Array.from(F.interpolate(ramp(5), { scaleFactor: 1.7, recomputeScaleFactor: true }).dataSync())).toEqual([
      0, 0, 1, 1, 2, 3, 3, 4,
    ]);
    // (2, 2, 5, 2) by 2.098: PyTorch's forward uses ⌊i / 2.098⌋ even where out = 2·in
    // (rows 0 0 0 1 1 2 2 3 3 4, cols 0 0 0 1)
    const grid = arange(40, undefined, 1, { dtype: "float32" }).reshape([2, 2, 5, 2]);
    expect(F.interpolate(grid, { scaleFactor: 2.098 }).select(0, 0).select(0, 0).tolist()).toEqual(
      [0, 0, 0, 1, 1, 2, 2, 3, 3, 4].map((r) => [0, 0, 0, 1].map((c) => 2 * r + c)),
    );
    // linear 4 → 6, align_corners=False: (i + ½)·⅔ − ½ clamped at 0
    const lin = Array.from(F.interpolate(ramp(4), { size: 6, mode: "linear" }).dataSync());
    [0, 0.5, 1.1666666, 1.8333333, 2.5, 3].forEach((v, i) => expect(lin[i]).toBeCloseTo(v, 5));
    const up = new nn.Upsample({ scaleFactor: 2, mode: "bilinear", alignCorners: true });
    const torch113 = [
      0, 0.3333333432674408, 0.6666666865348816, 1, 0.6666666865348816, 1, 1.3333333730697632, 1.6666667461395264,
      1.3333333730697632, 1.6666666269302368, 2, 2.3333334922790527, 2, 2.3333332538604736, 2.6666667461395264,
      3.000000238418579,
    ];
    Array.from(
      up(
        tensor([
          [
            [
              [0, 1],
              [2, 3],
            ],
          ],
        ]),
      ).dataSync(),
    ).forEach((v, i) => expect(v).toBeCloseTo(torch113[i], 6));
    expect(String(up)).toBe("Upsample(scaleFactor=2, mode='bilinear')");
  });

  it("errors say which combination of rank, mode and arguments is wrong", () => {
    useBackend(backend);
    const x4 = randn([1, 2, 3, 3]),
      x3 = randn([1, 2, 3]);
    expect(() => F.interpolate(x3, { size: 4, mode: "bilinear" })).toThrow(/\[1, 2, 3\], but bilinear mode needs 4-D/);
    expect(() => F.interpolate(x4, { size: 4, mode: "linear" })).toThrow(/\[1, 2, 3, 3\], but linear mode needs 3-D/);
    expect(() => F.interpolate(randn([3, 3]), { size: 4 })).toThrow(
      /expects 3-D \(N, C, L\) or 4-D \(N, C, H, W\) input, got \[3, 3\]/,
    );
    expect(() => F.interpolate(x4, { size: 4, scaleFactor: 2 })).toThrow(/only one of size or scaleFactor/);
    expect(() => F.interpolate(x4, {})).toThrow(/either size or scaleFactor/);
    expect(() => F.interpolate(x4, { size: [4, 4, 4] })).toThrow(
      /size \[4, 4, 4\] has 3 entries but the input \[1, 2, 3, 3\] has 2 spatial/,
    );
    expect(() => F.interpolate(x4, { size: 4, alignCorners: true })).toThrow(
      /alignCorners can only be set with .*linear/,
    );
    expect(() => F.interpolate(x4, { scaleFactor: 0.2 })).toThrow(/greater than 0.*output \[0, 0\]/);
    expect(() => F.interpolate(x4, { size: 4, recomputeScaleFactor: true })).toThrow(
      /not meaningful with an explicit size/,
    );
  });
});
