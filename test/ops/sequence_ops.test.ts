/**
 * Semantics of the sequence ops on every backend: embedding's gradient rows, top-k / sort order
 * (ties, NaN), cumsum, multinomial's distribution and seeding, K-dim cross-entropy — with
 * fast-check properties for their shape rules.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  argsort,
  F,
  Generator,
  manualSeed,
  multinomial,
  randint,
  randn,
  sort,
  type Tensor,
  tensor,
  topk,
} from "../../src/index.js";
import { backendsUnderTest, expectClose, useBackend } from "../helpers.js";

const backends = await backendsUnderTest();
const ints = (v: number[], shape?: number[]): Tensor => tensor(v, { dtype: "int32", shape });

describe.each(backends)("sequence ops on the %s backend", (backend) => {
  it("embedding: rows of repeated indices add up, the padding row gets nothing", () => {
    useBackend(backend);
    const w = tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      { requiresGrad: true },
    );
    const out = F.embedding(ints([2, 0, 2, 1, 2], [5]), w, { paddingIdx: 1 });
    expect(out.tolist()).toEqual([
      [5, 6],
      [1, 2],
      [5, 6],
      [3, 4],
      [5, 6],
    ]);
    out
      .mul(
        tensor([
          [1, 1],
          [2, 2],
          [3, 3],
          [4, 4],
          [5, 5],
        ]),
      )
      .sum()
      .backward();
    expect(w.grad!.tolist()).toEqual([
      [2, 2],
      [0, 0],
      [9, 9],
    ]);
    expect(F.embedding(ints([0, 1, 2, 0], [2, 1, 2]), w).shape).toEqual([2, 1, 2, 2]);
    expect(() => F.embedding(ints([3]), w)).toThrow(
      /index 3 \(at position 0\) is out of range for an embedding table of 3 rows/,
    );
    expect(() => F.embedding(ints([0]), w, { paddingIdx: 3 })).toThrow(/paddingIdx must be an integer in -3..2/);
  });

  it("topk / sort / argsort: ties keep the lower index, NaN counts as the largest", () => {
    useBackend(backend);
    const x = tensor([
      [3, 1, NaN, 3, 2],
      [0, -1, 5, 5, -0],
    ]);
    const t = topk(x, 3);
    expect(t.indices.tolist()).toEqual([
      [2, 0, 3],
      [2, 3, 0],
    ]);
    expect(t.values.tolist()).toEqual([
      [NaN, 3, 3],
      [5, 5, 0],
    ]);
    expect(topk(x, 2, 1, false).indices.tolist()).toEqual([
      [1, 4],
      [1, 0],
    ]);
    const s = sort(x, -1, true);
    expect(s.indices.tolist()).toEqual([
      [2, 0, 3, 4, 1],
      [2, 3, 0, 4, 1],
    ]);
    expect(argsort(x).tolist()).toEqual([
      [1, 4, 0, 3, 2],
      [1, 0, 4, 2, 3],
    ]);
    expect(x.topk(1, 0).indices.tolist()).toEqual([[0, 0, 0, 1, 0]]);
    expect(() => topk(x, 6)).toThrow("topk: k = 6 is out of range for dim 1 of size 5 in [2, 5] (expected 0..5)");
  });

  it("top-k along any dim gives the sorted slice a plain JS sort gives (property)", () => {
    useBackend(backend);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
        fc.nat(),
        fc.nat(),
        fc.boolean(),
        (shape, dimSeed, kSeed, largest) => {
          const dim = dimSeed % shape.length,
            size = shape[dim],
            k = kSeed % (size + 1);
          manualSeed(dimSeed + kSeed);
          const x = randint(-2, 3, shape).float(); // few distinct values: ties
          const { values, indices } = topk(x, k, dim, largest);
          expect(values.shape).toEqual(shape.map((s, i) => (i === dim ? k : s)));
          // Each slice along dim: a stable sort of (value, index) pairs, best first.
          const moved = x.transpose(dim, -1),
            vm = values.transpose(dim, -1),
            im = indices.transpose(dim, -1);
          const rows = moved.numel() / size;
          for (let r = 0; r < rows; r++) {
            const row = [...moved.dataSync().subarray(r * size, (r + 1) * size)];
            const order = row
              .map((_, i) => i)
              .sort((a, b) => (largest ? row[b] - row[a] : row[a] - row[b]) || a - b)
              .slice(0, k);
            expect([...im.dataSync().subarray(r * k, (r + 1) * k)]).toEqual(order);
            expect([...vm.dataSync().subarray(r * k, (r + 1) * k)]).toEqual(order.map((i) => row[i]));
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("cumsum: the running sum along a dim, for floats and int32", () => {
    useBackend(backend);
    expect(
      tensor([
        [1, 2, 3],
        [4, 5, 6],
      ])
        .cumsum(1)
        .tolist(),
    ).toEqual([
      [1, 3, 6],
      [4, 9, 15],
    ]);
    expect(
      tensor([
        [1, 2, 3],
        [4, 5, 6],
      ])
        .cumsum(0)
        .tolist(),
    ).toEqual([
      [1, 2, 3],
      [5, 7, 9],
    ]);
    expect(ints([1, 2, 3]).cumsum(0).tolist()).toEqual([1, 3, 6]);
  });

  it("multinomial: the distribution's frequencies, zero weights never, no repeats without replacement", () => {
    useBackend(backend);
    const probs = tensor([
      [0.1, 0.2, 0, 0.7],
      [5, 0, 5, 0],
    ]);
    const draws = multinomial(probs, 20000, { replacement: true, generator: new Generator(0) });
    expect(draws.shape).toEqual([2, 20000]);
    const freq = (row: number): number[] => {
      const f = [0, 0, 0, 0];
      for (const v of draws.dataSync().subarray(row * 20000, (row + 1) * 20000)) f[v] += 1 / 20000;
      return f;
    };
    expectClose(freq(0), [0.1, 0.2, 0, 0.7], { atol: 0.015, rtol: 0 });
    expectClose(freq(1), [0.5, 0, 0.5, 0], { atol: 0.015, rtol: 0 });
    const noRep = multinomial(tensor([1, 1, 1, 1, 1, 0]), 5, { generator: new Generator(1) });
    expect([...noRep.dataSync()].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(() => multinomial(tensor([1, 0, 0]), 2)).toThrow(
      /only 1 categories with a positive weight, too few for 2 samples without replacement/,
    );
    expect(() => multinomial(tensor([1, -1]), 1)).toThrow(
      /row 0 has the weight -1 at category 1; weights must be finite and ≥ 0/,
    );
  });

  it(
    "crossEntropy over (N, C, d1, ...) is the flattened (rows, C) form, with ignoreIndex and every reduction " +
      "(property)",
    () => {
      useBackend(backend);
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 2, max: 5 }),
          fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 2 }),
          fc.constantFrom("mean", "sum", "none"),
          fc.nat(),
          (n, c, rest, reduction, seed) => {
            const gen = new Generator(seed);
            const x = randn([n, c, ...rest], { generator: gen });
            const tgt: number[] = Array.from({ length: n * rest.reduce((a, b) => a * b, 1) }, (): number =>
              gen.random() < 0.2 ? -100 : gen.int(0, c),
            );
            if (reduction === "mean" && !tgt.some((t) => t !== -100)) tgt[0] = 0;
            const t = ints(tgt, [n, ...rest]);
            const got = F.crossEntropy(x, t, { reduction: reduction as "mean" });
            const perm = [0, ...rest.map((_, i) => i + 2), 1];
            const want = F.crossEntropy(x.permute(perm).reshape([-1, c]), t.reshape([-1]), {
              reduction: reduction as "mean",
            });
            expect(got.shape).toEqual(reduction === "none" ? [n, ...rest] : []);
            expectClose(got, want.dataSync(), { rtol: 1e-6 });
          },
        ),
        { numRuns: 30 },
      );
      expect(() => F.crossEntropy(randn([2, 6, 5]), ints(new Array(12).fill(0), [2, 6]))).toThrow(
        "crossEntropy: input [2, 6, 5] is read as (N, C, d1, ...) logits and needs a target [2, 5] of class " +
          "indices, got [2, 6] — " +
          "for (N, L, C) logits use input.view(-1, 5) with target.view(-1), or input.permute(0, 2, 1)",
      );
    },
  );
});

it("multinomial draws depend only on the generator, not on the backend", () => {
  const probs = F.softmax(randn([3, 65], { generator: new Generator(5) }), -1);
  const draws = backends.map((b) => {
    useBackend(b);
    return [...multinomial(probs, 7, { generator: new Generator(9) }).dataSync()];
  });
  for (const d of draws) expect(d).toEqual(draws[0]);
  useBackend("js");
});
