/**
 * Toy 2-D classification datasets for lectures and quick experiments (XOR, spirals, moons,
 * circles, Gaussian blobs). All are pure functions returning flat typed arrays:
 *
 * - `x`: `[n, 2]` row-major float32 (point i is `x[2*i], x[2*i+1]`)
 * - `y`: `[n]` int32 class labels in `0..numClasses-1`
 *
 * Every randomized function takes `{ seed }` or `{ generator }` (see {@link SeedOptions});
 * without either it draws from the global `defaultGenerator` (seeded by `manualSeed`).
 * Same seed → same output. Rows are shuffled unless `shuffle: false`, in which case they come
 * class by class (class 0 first; xorCloud: corner by corner).
 */
import type { Generator } from "../tensor/random.js";
import { randperm } from "../tensor/random.js";
import { resolveGenerator, type SeedOptions } from "./rng.js";

export type { SeedOptions } from "./rng.js";

/** A 2-D classification dataset. */
export interface Dataset2D {
  /** `[n, 2]` float32, row-major. */
  x: Float32Array;
  /** `[n]` int32 labels in `0..numClasses-1`. */
  y: Int32Array;
  /** Number of points. */
  n: number;
  /** Number of classes. */
  numClasses: number;
}

export interface SyntheticOptions extends SeedOptions {
  /** Total number of points. */
  n?: number;
  /** Standard deviation of Gaussian noise added to each coordinate. */
  noise?: number;
  /** Shuffle the rows (default true). With false, rows are grouped by class in order. */
  shuffle?: boolean;
}

function checkN(fn: string, n: number, min = 1): void {
  if (!Number.isInteger(n) || n < min) throw new RangeError(`${fn}: n must be an integer >= ${min}, got ${n}`);
}

function checkNoise(fn: string, noise: number): void {
  if (!(noise >= 0) || !Number.isFinite(noise))
    throw new RangeError(`${fn}: noise must be a finite number >= 0, got ${noise}`);
}

/** Splits `n` into `k` counts that differ by at most one (the first `n % k` get the extra one). */
export function balancedCounts(n: number, k: number): number[] {
  const base = Math.floor(n / k);
  return Array.from({ length: k }, (_, c) => base + (c < n % k ? 1 : 0));
}

/** Adds N(0, noise²) to every coordinate, then optionally shuffles rows; returns the dataset. */
function finish(
  x: Float32Array,
  y: Int32Array,
  numClasses: number,
  noise: number,
  shuffle: boolean,
  g: Generator,
): Dataset2D {
  const n = y.length;
  if (noise > 0) for (let i = 0; i < x.length; i++) x[i] += noise * g.normal();
  if (!shuffle) return { x, y, n, numClasses };
  const p = randperm(n, g);
  const xs = new Float32Array(2 * n);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = p[i];
    xs[2 * i] = x[2 * j];
    xs[2 * i + 1] = x[2 * j + 1];
    ys[i] = y[j];
  }
  return { x: xs, y: ys, n, numClasses };
}

/**
 * The four XOR points, in this fixed order: (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0.
 * @returns `x` `[4, 2]`, `y` `[4]`, `n = 4`, `numClasses = 2`. Deterministic (no randomness).
 */
export function xor(): Dataset2D {
  return { x: Float32Array.of(0, 0, 0, 1, 1, 0, 1, 1), y: Int32Array.of(0, 1, 1, 0), n: 4, numClasses: 2 };
}

/**
 * Noisy XOR: `n` points spread evenly over the four corners (0,0), (0,1), (1,1), (1,0)
 * (counts differ by at most one, in that order, so classes also differ by at most one), each
 * with Gaussian noise of std `noise`; label = a XOR b. With `shuffle: false` rows come corner by
 * corner in that order.
 * Defaults: `n = 200`, `noise = 0.1`.
 * @returns `x` `[n, 2]`, `y` `[n]`, `numClasses = 2`.
 */
export function xorCloud(opts: SyntheticOptions = {}): Dataset2D {
  const { n = 200, noise = 0.1, shuffle = true } = opts;
  checkN("xorCloud", n);
  checkNoise("xorCloud", noise);
  const g = resolveGenerator(opts);
  const corners = [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ];
  const labels = [0, 1, 1, 0];
  // Corner order alternates classes, so the (n % 4) extra points also keep the classes balanced.
  const order = [0, 1, 3, 2];
  const counts = balancedCounts(n, 4);
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  let i = 0;
  for (let k = 0; k < 4; k++) {
    const c = order[k];
    for (let j = 0; j < counts[k]; j++, i++) {
      x[2 * i] = corners[c][0];
      x[2 * i + 1] = corners[c][1];
      y[i] = labels[c];
    }
  }
  return finish(x, y, 2, noise, shuffle, g);
}

export interface SpiralsOptions extends SyntheticOptions {
  /** Number of full turns each arm makes from the centre to radius 1. Default 1. */
  turns?: number;
  /** Number of arms = classes (2 for the classic two-spirals problem). Default 2. */
  classes?: number;
}

/**
 * Interlocking spirals: `classes` arms, arm c rotated by `2π c / classes`. Along an arm,
 * `t = (i + 0.5) / m` for its `m` points, radius `r = t`, angle `2π (c / classes + turns · t)`,
 * so points lie in the unit disc (plus noise). Points per class are balanced (differ by ≤ 1).
 * Defaults: `n = 200`, `turns = 1`, `noise = 0.05`, `classes = 2`.
 * @returns `x` `[n, 2]`, `y` `[n]` in `0..classes-1`, `numClasses = classes`.
 */
export function spirals(opts: SpiralsOptions = {}): Dataset2D {
  const { n = 200, turns = 1, noise = 0.05, classes = 2, shuffle = true } = opts;
  checkN("spirals", n);
  checkNoise("spirals", noise);
  if (!Number.isInteger(classes) || classes < 1)
    throw new RangeError(`spirals: classes must be an integer >= 1, got ${classes}`);
  if (!(turns > 0) || !Number.isFinite(turns))
    throw new RangeError(`spirals: turns must be a finite number > 0, got ${turns}`);
  const g = resolveGenerator(opts);
  const counts = balancedCounts(n, classes);
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  let i = 0;
  for (let c = 0; c < classes; c++) {
    const m = counts[c];
    for (let j = 0; j < m; j++, i++) {
      const t = (j + 0.5) / m;
      const theta = 2 * Math.PI * (c / classes + turns * t);
      x[2 * i] = t * Math.cos(theta);
      x[2 * i + 1] = t * Math.sin(theta);
      y[i] = c;
    }
  }
  return finish(x, y, classes, noise, shuffle, g);
}

/**
 * Two interleaving half circles, as sklearn's `make_moons`: `floor(n/2)` points on the upper
 * moon `(cos s, sin s)` (class 0) and the rest on the lower moon `(1 − cos s, 0.5 − sin s)`
 * (class 1), `s` evenly spaced over `[0, π]`, plus Gaussian noise of std `noise`.
 * Defaults: `n = 200`, `noise = 0.1`.
 * @returns `x` `[n, 2]`, `y` `[n]`, `numClasses = 2`.
 */
export function moons(opts: SyntheticOptions = {}): Dataset2D {
  const { n = 200, noise = 0.1, shuffle = true } = opts;
  checkN("moons", n, 2);
  checkNoise("moons", noise);
  // s evenly spaced over [0, π], both ends included.
  const arc = (i: number, count: number): number => (count === 1 ? 0 : (Math.PI * i) / (count - 1));
  const { x, y } = twoCurves(
    n,
    (i, count) => [Math.cos(arc(i, count)), Math.sin(arc(i, count))],
    (j, count) => [1 - Math.cos(arc(j, count)), 0.5 - Math.sin(arc(j, count))],
  );
  return finish(x, y, 2, noise, shuffle, resolveGenerator(opts));
}

/**
 * floor(n/2) points of class 0 on `outer(i, count)`, the rest of class 1 on `inner(j, count)`:
 * the shared layout of moons and circles.
 */
function twoCurves(
  n: number,
  outer: (i: number, count: number) => [number, number],
  inner: (j: number, count: number) => [number, number],
): { x: Float32Array; y: Int32Array } {
  const nOut = Math.floor(n / 2);
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const isOuter = i < nOut;
    const [a, b] = isOuter ? outer(i, nOut) : inner(i - nOut, n - nOut);
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = isOuter ? 0 : 1;
  }
  return { x, y };
}

export interface CirclesOptions extends SyntheticOptions {
  /** Radius of the inner circle relative to the outer one (radius 1), in [0, 1). Default 0.5. */
  factor?: number;
}

/**
 * A small circle inside a large one, as sklearn's `make_circles`: `floor(n/2)` points on the
 * unit circle (class 0) and the rest on a circle of radius `factor` (class 1), angles evenly
 * spaced over `[0, 2π)`, plus Gaussian noise of std `noise`.
 * Defaults: `n = 200`, `noise = 0.05`, `factor = 0.5`.
 * @returns `x` `[n, 2]`, `y` `[n]`, `numClasses = 2`.
 */
export function circles(opts: CirclesOptions = {}): Dataset2D {
  const { n = 200, noise = 0.05, factor = 0.5, shuffle = true } = opts;
  checkN("circles", n, 2);
  checkNoise("circles", noise);
  if (!(factor >= 0 && factor < 1)) throw new RangeError(`circles: factor must be in [0, 1), got ${factor}`);
  // Angles evenly spaced over [0, 2π).
  const angle = (i: number, count: number): number => (2 * Math.PI * i) / count;
  const { x, y } = twoCurves(
    n,
    (i, count) => [Math.cos(angle(i, count)), Math.sin(angle(i, count))],
    (j, count) => [factor * Math.cos(angle(j, count)), factor * Math.sin(angle(j, count))],
  );
  return finish(x, y, 2, noise, shuffle, resolveGenerator(opts));
}

export interface BlobsOptions extends SeedOptions {
  /** Total number of points (balanced across centers). Default 200. */
  n?: number;
  /** Number of centers (drawn uniformly in `box`), or the centers themselves. Default 3. */
  centers?: number | ReadonlyArray<readonly [number, number]>;
  /** Standard deviation of each blob. Default 1. */
  std?: number;
  /** Range `[lo, hi]` for random centers. Default `[-10, 10]` (as sklearn). */
  box?: readonly [number, number];
  /** Shuffle the rows (default true). */
  shuffle?: boolean;
}

/**
 * Isotropic Gaussian blobs, as sklearn's `make_blobs` (2-D): class c is `N(center_c, std² I)`.
 * Points per class are balanced (differ by ≤ 1).
 * @returns `x` `[n, 2]`, `y` `[n]`, `numClasses` = number of centers, and `centers` `[k, 2]`.
 */
export function gaussianBlobs(opts: BlobsOptions = {}): Dataset2D & { centers: Float32Array } {
  const { n = 200, centers = 3, std = 1, box = [-10, 10], shuffle = true } = opts;
  checkN("gaussianBlobs", n);
  checkNoise("gaussianBlobs", std);
  const g = resolveGenerator(opts);
  let cs: number[][];
  if (typeof centers === "number") {
    if (!Number.isInteger(centers) || centers < 1)
      throw new RangeError(`gaussianBlobs: centers must be an integer >= 1, got ${centers}`);
    const [lo, hi] = box;
    cs = Array.from({ length: centers }, () => [lo + (hi - lo) * g.random(), lo + (hi - lo) * g.random()]);
  } else {
    if (centers.length < 1) throw new RangeError("gaussianBlobs: centers must not be empty");
    cs = centers.map((c) => [c[0], c[1]]);
  }
  const k = cs.length;
  const counts = balancedCounts(n, k);
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  let i = 0;
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < counts[c]; j++, i++) {
      x[2 * i] = cs[c][0];
      x[2 * i + 1] = cs[c][1];
      y[i] = c;
    }
  }
  const ds = finish(x, y, k, std, shuffle, g);
  return { ...ds, centers: Float32Array.from(cs.flat()) };
}
