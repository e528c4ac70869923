import { describe, expect, it } from "vitest";
import {
  balancedCounts,
  circles,
  gaussianBlobs,
  moons,
  spirals,
  xor,
  xorCloud,
  type Dataset2D,
} from "../../src/data/synthetic.js";
import { Generator, manualSeed } from "../../src/tensor/random.js";

function classCounts(d: Dataset2D): number[] {
  const c = new Array(d.numClasses).fill(0);
  for (const y of d.y) c[y]++;
  return c;
}

function checkShape(d: Dataset2D, n: number, k: number): void {
  expect(d.n).toBe(n);
  expect(d.numClasses).toBe(k);
  expect(d.x).toBeInstanceOf(Float32Array);
  expect(d.y).toBeInstanceOf(Int32Array);
  expect(d.x.length).toBe(2 * n);
  expect(d.y.length).toBe(n);
  for (const y of d.y) expect(y >= 0 && y < k).toBe(true);
  for (const v of d.x) expect(Number.isFinite(v)).toBe(true);
}

const radius = (d: Dataset2D, i: number): number => Math.hypot(d.x[2 * i], d.x[2 * i + 1]);

describe("xor", () => {
  it("is the four XOR points", () => {
    const d = xor();
    checkShape(d, 4, 2);
    expect(Array.from(d.x)).toEqual([0, 0, 0, 1, 1, 0, 1, 1]);
    expect(Array.from(d.y)).toEqual([0, 1, 1, 0]);
  });

  it("xorCloud: balanced, labelled by nearest corner, deterministic", () => {
    const d = xorCloud({ n: 402, noise: 0.1, seed: 3 });
    checkShape(d, 402, 2);
    expect(classCounts(d)).toEqual([201, 201]);
    for (let i = 0; i < d.n; i++) {
      const a = d.x[2 * i] > 0.5 ? 1 : 0;
      const b = d.x[2 * i + 1] > 0.5 ? 1 : 0;
      expect(d.y[i]).toBe(a ^ b);
    }
    expect(xorCloud({ n: 402, noise: 0.1, seed: 3 })).toEqual(d);
    expect(xorCloud({ n: 402, noise: 0.1, seed: 4 }).x).not.toEqual(d.x);
  });
});

describe("spirals", () => {
  it("two arms, balanced, within the (noisy) unit disc", () => {
    const d = spirals({ n: 301, seed: 1 });
    checkShape(d, 301, 2);
    expect(classCounts(d)).toEqual([151, 150]);
    for (let i = 0; i < d.n; i++) expect(radius(d, i)).toBeLessThan(1.3);
  });

  it("classes > 2 gives more arms, balanced", () => {
    const d = spirals({ n: 500, classes: 5, turns: 1.5, noise: 0, seed: 2 });
    checkShape(d, 500, 5);
    expect(classCounts(d)).toEqual([100, 100, 100, 100, 100]);
  });

  it("noise 0 and shuffle false: points lie on the arms, class by class", () => {
    const d = spirals({ n: 40, classes: 2, turns: 1, noise: 0, shuffle: false });
    expect(Array.from(d.y)).toEqual([...new Array(20).fill(0), ...new Array(20).fill(1)]);
    for (let i = 0; i < 40; i++) {
      const c = d.y[i];
      const j = i - 20 * c;
      const t = (j + 0.5) / 20;
      expect(radius(d, i)).toBeCloseTo(t, 5);
      const theta = 2 * Math.PI * (c / 2 + t);
      expect(d.x[2 * i]).toBeCloseTo(t * Math.cos(theta), 5);
    }
  });

  it("deterministic for a seed, and for manualSeed + default generator", () => {
    expect(spirals({ seed: 7 })).toEqual(spirals({ seed: 7 }));
    manualSeed(11);
    const a = spirals();
    manualSeed(11);
    expect(spirals()).toEqual(a);
    expect(spirals({ generator: new Generator(11) })).toEqual(a);
  });

  it("validates its options", () => {
    expect(() => spirals({ classes: 0 })).toThrow(/classes must be an integer >= 1/);
    expect(() => spirals({ n: 2.5 })).toThrow(/n must be an integer/);
    expect(() => spirals({ noise: -1 })).toThrow(/noise must be/);
    expect(() => spirals({ seed: 1, generator: new Generator(1) })).toThrow(/either generator or seed/);
  });
});

describe("moons", () => {
  it("matches make_moons geometry without noise", () => {
    const d = moons({ n: 101, noise: 0, shuffle: false });
    checkShape(d, 101, 2);
    expect(classCounts(d)).toEqual([50, 51]);
    for (let i = 0; i < 50; i++) {
      expect(Math.hypot(d.x[2 * i], d.x[2 * i + 1])).toBeCloseTo(1, 5);
      expect(d.x[2 * i + 1]).toBeGreaterThanOrEqual(-1e-6);
    }
    for (let i = 50; i < 101; i++) {
      expect(Math.hypot(d.x[2 * i] - 1, d.x[2 * i + 1] - 0.5)).toBeCloseTo(1, 5);
      expect(d.x[2 * i + 1]).toBeLessThanOrEqual(0.5 + 1e-6);
    }
    expect([d.x[0], d.x[1]]).toEqual([1, 0]);
  });

  it("deterministic and noisy", () => {
    const a = moons({ n: 200, noise: 0.2, seed: 5 });
    checkShape(a, 200, 2);
    expect(classCounts(a)).toEqual([100, 100]);
    expect(moons({ n: 200, noise: 0.2, seed: 5 })).toEqual(a);
  });
});

describe("circles", () => {
  it("two concentric circles with radius ratio factor", () => {
    const d = circles({ n: 200, noise: 0, factor: 0.3, seed: 1 });
    checkShape(d, 200, 2);
    expect(classCounts(d)).toEqual([100, 100]);
    for (let i = 0; i < d.n; i++) expect(radius(d, i)).toBeCloseTo(d.y[i] === 0 ? 1 : 0.3, 5);
  });

  it("deterministic and validated", () => {
    expect(circles({ seed: 9 })).toEqual(circles({ seed: 9 }));
    expect(() => circles({ factor: 1 })).toThrow(/factor must be in \[0, 1\)/);
  });
});

describe("gaussianBlobs", () => {
  it("given centers: balanced, points near their center", () => {
    const d = gaussianBlobs({
      n: 300,
      centers: [
        [-5, 0],
        [5, 0],
        [0, 8],
      ],
      std: 0.5,
      seed: 1,
    });
    checkShape(d, 300, 3);
    expect(classCounts(d)).toEqual([100, 100, 100]);
    for (let i = 0; i < d.n; i++) {
      const c = d.y[i];
      expect(Math.hypot(d.x[2 * i] - d.centers[2 * c], d.x[2 * i + 1] - d.centers[2 * c + 1])).toBeLessThan(3);
    }
  });

  it("random centers inside the box, deterministic", () => {
    const d = gaussianBlobs({ n: 50, centers: 4, seed: 2 });
    checkShape(d, 50, 4);
    expect(classCounts(d)).toEqual([13, 13, 12, 12]);
    for (const c of d.centers) expect(Math.abs(c)).toBeLessThanOrEqual(10);
    expect(gaussianBlobs({ n: 50, centers: 4, seed: 2 })).toEqual(d);
  });
});

describe("balancedCounts", () => {
  it("differs by at most one and sums to n", () => {
    expect(balancedCounts(10, 3)).toEqual([4, 3, 3]);
    expect(balancedCounts(2, 4)).toEqual([1, 1, 0, 0]);
  });
});
