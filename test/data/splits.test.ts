import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  gatherGroups,
  groupLeakage,
  groupSplit,
  randomSplitIndices,
  splitLeakage,
  splitLengths,
  timeSplit,
  type SplitIndices,
} from "../../src/data/splits.js";
import { patientsDataset } from "../../src/data/patients.js";
import { Generator } from "../../src/tensor/random.js";

/** Asserts the parts are pairwise disjoint and together cover 0..n-1 exactly once. */
function expectPartition(parts: ArrayLike<number>[], n: number): void {
  const seen = new Uint8Array(n);
  let total = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      const v = p[i];
      expect(Number.isInteger(v) && v >= 0 && v < n).toBe(true);
      expect(seen[v]).toBe(0);
      seen[v] = 1;
      total++;
    }
  }
  expect(total).toBe(n);
}

const sides = (s: SplitIndices): Int32Array[] => [s.train, s.val, ...(s.test ? [s.test] : [])];

/** Arbitrary [train, val] or [train, val, test] fractions summing to 1. */
const fractionsArb = fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 2, maxLength: 3 }).map((ws) => {
  const s = ws.reduce((a, b) => a + b, 0);
  return ws.map((w) => w / s);
});

describe("splitLengths (PyTorch random_split rules)", () => {
  it("fractions: floor then round-robin remainder", () => {
    expect(splitLengths(10, [0.5, 0.5])).toEqual([5, 5]);
    expect(splitLengths(11, [0.3, 0.3, 0.4])).toEqual([4, 3, 4]); // floor 3,3,4 + 1 → side 0
    expect(splitLengths(10, [0.33, 0.33, 0.34])).toEqual([4, 3, 3]); // floor 3,3,3 + 1
    expect(splitLengths(7, [0.25, 0.25, 0.25, 0.25])).toEqual([2, 2, 2, 1]); // floor 1,1,1,1 + 3
    expect(splitLengths(100, [0.7, 0.2, 0.1])).toEqual([70, 20, 10]);
    expect(splitLengths(0, [0.8, 0.2])).toEqual([0, 0]);
  });

  it("counts must sum to n", () => {
    expect(splitLengths(10, [7, 3])).toEqual([7, 3]);
    expect(() => splitLengths(10, [7, 4])).toThrow(/sum to 11, not to the dataset length 10/);
    expect(() => splitLengths(10, [0.5, 0.6])).toThrow(/non-negative integer counts/);
    expect(() => splitLengths(10, [1.5, -0.5])).toThrow(/fraction at index 0 is not between 0 and 1/);
  });
});

describe("randomSplitIndices", () => {
  it("partitions 0..n-1 with the requested sizes, deterministically", () => {
    const parts = randomSplitIndices(100, [0.7, 0.2, 0.1], 42);
    expect(parts.map((p) => p.length)).toEqual([70, 20, 10]);
    expectPartition(parts, 100);
    expect(randomSplitIndices(100, [0.7, 0.2, 0.1], new Generator(42))).toEqual(parts);
    expect(randomSplitIndices(100, [0.7, 0.2, 0.1], { seed: 42 })).toEqual(parts);
    expect(randomSplitIndices(100, [0.7, 0.2, 0.1], 43)).not.toEqual(parts);
    // actually shuffled
    expect(Array.from(parts[0])).not.toEqual(Array.from({ length: 70 }, (_, i) => i));
  });

  it("property: any n and lengths give a partition with splitLengths sizes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fractionsArb, fc.integer(), (n, fr, seed) => {
        const parts = randomSplitIndices(n, fr, seed);
        expect(parts.map((p) => p.length)).toEqual(splitLengths(n, fr));
        expectPartition(parts, n);
      }),
      { numRuns: 200 },
    );
  });

  it("property: integer lengths are used as counts", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 5 }),
        fc.integer(),
        (lens, seed) => {
          const n = lens.reduce((a, b) => a + b, 0);
          const parts = randomSplitIndices(n, lens, seed);
          expect(parts.map((p) => p.length)).toEqual(lens);
          expectPartition(parts, n);
        },
      ),
    );
  });
});

describe("groupSplit", () => {
  it("no group on two sides; sorted; deterministic", () => {
    const groups = Array.from({ length: 1000 }, (_, i) => `user${i % 37}`);
    const s = groupSplit(groups, [0.7, 0.15, 0.15], 1);
    expect(s.test).toBeDefined();
    expectPartition(sides(s), 1000);
    expect(splitLeakage(groups, s)).toBe(0);
    expect(groupLeakage(gatherGroups(groups, s.train), gatherGroups(groups, s.val))).toBe(0);
    for (const p of sides(s)) for (let i = 1; i < p.length; i++) expect(p[i]).toBeGreaterThan(p[i - 1]);
    expect(Math.abs(s.train.length - 700)).toBeLessThan(40);
    expect(groupSplit(groups, [0.7, 0.15, 0.15], 1)).toEqual(s);
    expect(groupSplit(groups, [0.7, 0.15, 0.15], 2)).not.toEqual(s);
  });

  it("two fractions: no test key", () => {
    const s = groupSplit([1, 1, 2, 2, 3, 3, 4, 4], [0.5, 0.5], 0);
    expect(s.test).toBeUndefined();
    expect(s.train.length).toBe(4);
    expect(s.val.length).toBe(4);
  });

  it('by: "groups" gives each side a group count like random_split', () => {
    // 10 groups of very different sizes
    const groups: number[] = [];
    for (let g = 0; g < 10; g++) for (let k = 0; k <= g * 5; k++) groups.push(g);
    const s = groupSplit(groups, [0.6, 0.2, 0.2], { seed: 3, by: "groups" });
    const distinct = (idx: Int32Array): number => new Set(gatherGroups(groups, idx)).size;
    expect([distinct(s.train), distinct(s.val), distinct(s.test!)]).toEqual([6, 2, 2]);
    expect(splitLeakage(groups, s)).toBe(0);
  });

  it("validates fractions and refuses to leave a side without groups", () => {
    const g = [0, 0, 1, 1, 2, 2];
    expect(() => groupSplit(g, [0.7, 0.2], 0)).toThrow(/fractions must sum to 1, got 0.7 \+ 0.2 = 0.9/);
    expect(() => groupSplit(g, [1.2, -0.2], 0)).toThrow(/train fraction must be between 0 and 1/);
    expect(() => groupSplit(g, [0.5], 0)).toThrow(/\[train, val\] or \[train, val, test\]/);
    expect(() => groupSplit([0, 0, 0, 1], [0.5, 0.25, 0.25], 0)).toThrow(
      /side \(fraction 0.25\) got no group; there are only 2 distinct groups/,
    );
    expect(() => groupSplit([], [0.5, 0.5], 0)).toThrow(/groups is empty/);
  });

  it("property: partition with zero group leakage", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constantFrom("a", "b", "c", "d")), {
          minLength: 1,
          maxLength: 200,
        }),
        fractionsArb,
        fc.integer(),
        fc.constantFrom("samples" as const, "groups" as const),
        (groups, fr, seed, by) => {
          let s: SplitIndices;
          try {
            s = groupSplit(groups, fr, { seed, by });
          } catch (e) {
            // only allowed failure: too few groups for the non-empty sides
            expect((e as Error).message).toMatch(/got no group/);
            return;
          }
          expectPartition(sides(s), groups.length);
          expect(splitLeakage(groups, s)).toBe(0);
          const all = sides(s);
          for (let a = 0; a < all.length; a++) {
            for (let b = a + 1; b < all.length; b++) {
              expect(groupLeakage(gatherGroups(groups, all[a]), gatherGroups(groups, all[b]))).toBe(0);
            }
          }
          sides(s).forEach((p, k) => {
            if (fr[k] > 0) expect(p.length).toBeGreaterThan(0);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("property: with many equal-size groups, sample fractions are close to the targets", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 50, max: 200 }),
        fc.integer({ min: 1, max: 5 }),
        fractionsArb,
        fc.integer(),
        (G, per, fr, seed) => {
          fc.pre(fr.every((f) => f >= 0.05));
          const groups = Array.from({ length: G * per }, (_, i) => Math.floor(i / per));
          const s = groupSplit(groups, fr, seed);
          sides(s).forEach((p, k) => expect(Math.abs(p.length - fr[k] * G * per)).toBeLessThanOrEqual(per));
        },
      ),
    );
  });
});

describe("timeSplit", () => {
  it("train earliest, then val, then test; sizes like random_split", () => {
    const times = [5, 1, 9, 3, 7, 2, 8, 0, 6, 4];
    const s = timeSplit(times, [0.6, 0.2, 0.2]);
    expect(Array.from(s.train)).toEqual([7, 1, 5, 3, 9, 0]); // times 0..5
    expect(Array.from(s.val)).toEqual([8, 4]); // times 6, 7
    expect(Array.from(s.test!)).toEqual([6, 2]); // times 8, 9
  });

  it("ties keep index order; non-finite times are rejected", () => {
    expect(Array.from(timeSplit([1, 0, 1, 0], [0.5, 0.5]).train)).toEqual([1, 3]);
    expect(() => timeSplit([0, NaN], [0.5, 0.5])).toThrow(/time at index 1 is NaN/);
  });

  it("property: ordered partition", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 200 }),
        fractionsArb,
        (times, fr) => {
          const s = timeSplit(times, fr);
          const parts = sides(s);
          expect(parts.map((p) => p.length)).toEqual(splitLengths(times.length, fr));
          expectPartition(parts, times.length);
          const flat = parts.flatMap((p) => Array.from(p, (i) => times[i]));
          for (let i = 1; i < flat.length; i++) expect(flat[i]).toBeGreaterThanOrEqual(flat[i - 1]);
        },
      ),
    );
  });
});

describe("leakage helpers", () => {
  it("groupLeakage counts distinct shared groups", () => {
    expect(groupLeakage([1, 2, 2, 3], [2, 2, 3, 4])).toBe(2);
    expect(groupLeakage(["a"], ["b"])).toBe(0);
    expect(groupLeakage([1], ["1"])).toBe(0);
  });

  it("splitLeakage accepts an index-array list", () => {
    const groups = [0, 0, 1, 1, 2];
    expect(splitLeakage(groups, [Int32Array.of(0, 2), Int32Array.of(1, 3), Int32Array.of(4)])).toBe(2);
  });
});

describe("patientsDataset: the honest-splits demo", () => {
  it("shapes, groups, times, balance, determinism", () => {
    const d = patientsDataset({ patients: 10, perPatient: 6, d: 4, seed: 1 });
    expect(d.n).toBe(60);
    expect(d.x.length).toBe(60 * 4);
    expect(d.y.length).toBe(60);
    expect(d.groups.length).toBe(60);
    expect(d.times.length).toBe(60);
    expect(new Set(d.groups).size).toBe(10);
    let ones = 0;
    for (let i = 0; i < d.n; i++) {
      expect(d.y[i]).toBe(d.y[d.groups[i] * 6]); // label is per patient
      ones += d.y[i];
      if (i % 6 > 0) expect(d.times[i]).toBeGreaterThan(d.times[i - 1]);
    }
    expect(ones).toBe(30);
    expect(patientsDataset({ patients: 10, perPatient: 6, d: 4, seed: 1 })).toEqual(d);
  });

  it("a random split leaks (1-NN ≈ 100%), a group split is honest (much lower)", () => {
    const d = patientsDataset({ patients: 40, perPatient: 10, seed: 7 });
    const knnAcc = (train: Int32Array, test: Int32Array): number => {
      let correct = 0;
      for (const i of test) {
        let best = Infinity;
        let label = -1;
        for (const j of train) {
          let dist = 0;
          for (let k = 0; k < d.d; k++) dist += (d.x[i * d.d + k] - d.x[j * d.d + k]) ** 2;
          if (dist < best) {
            best = dist;
            label = d.y[j];
          }
        }
        if (label === d.y[i]) correct++;
      }
      return correct / test.length;
    };
    const [rTrain, rTest] = randomSplitIndices(d.n, [0.75, 0.25], 0);
    const gs = groupSplit(d.groups, [0.75, 0.25], 0);
    expect(splitLeakage(d.groups, [rTrain, rTest])).toBeGreaterThan(5);
    expect(splitLeakage(d.groups, gs)).toBe(0);
    const leaky = knnAcc(rTrain, rTest);
    const honest = knnAcc(gs.train, gs.val);
    expect(leaky).toBeGreaterThan(0.97);
    expect(honest).toBeLessThan(0.85);
  });
});
