/**
 * Index-level train/val/test splits. Everything here works on indices `0..n-1` (Int32Array) so
 * the caller can gather rows of any dataset; nothing touches the data itself.
 *
 * - {@link randomSplitIndices}: PyTorch's `random_split` on indices (lengths or fractions).
 * - {@link groupSplit}: whole groups (patient, video, user, device) go to exactly one side.
 * - {@link timeSplit}: earliest samples train, later ones val/test; no shuffling.
 * - {@link groupLeakage} / {@link splitLeakage}: count groups shared between sides.
 *
 * Randomized functions take a `Generator`, a numeric seed, or `{ generator } | { seed }`;
 * without one they use the global `defaultGenerator`. Same seed → same split.
 */
import { Generator, randperm } from "../tensor/random.js";
import { resolveGenerator, type SeedOptions } from "./rng.js";

/** Where randomness comes from: a generator, a seed, or `{ generator } | { seed }`. */
export type RandomSource = Generator | number | SeedOptions;

/** A 2- or 3-way split of indices. `test` is present exactly when three fractions were given. */
export interface SplitIndices {
  train: Int32Array;
  val: Int32Array;
  test?: Int32Array;
}

/** Group labels: numbers or strings, compared with `SameValueZero` (so `1` and `"1"` differ). */
export type GroupKey = number | string;

function checkCount(fn: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${fn}: n must be a non-negative integer, got ${n}`);
}

/**
 * Resolves `lengths` for a dataset of `n` items like `torch.utils.data.random_split`: if the
 * entries sum to 1 (`math.isclose`, relative tolerance 1e-9) they are fractions: each side gets
 * `floor(n · frac)` and the remaining items are handed out one at a time round-robin starting at
 * side 0. Otherwise they are counts and must sum to `n`. (PyTorch additionally requires
 * sum ≤ n for fractions; that only matters for n ≤ 1, where PyTorch raises or both readings
 * agree, so it is dropped here and n = 0 / n = 1 work with fractions.)
 * @returns one non-negative integer count per side, summing to `n`.
 */
export function splitLengths(n: number, lengths: readonly number[]): number[] {
  checkCount("splitLengths", n);
  if (lengths.length === 0) throw new RangeError("splitLengths: lengths must not be empty");
  let sum = 0;
  for (const l of lengths) sum += l;
  const isClose = Math.abs(sum - 1) <= 1e-9 * Math.max(1, Math.abs(sum));
  if (isClose) {
    const out = lengths.map((f, i) => {
      if (!(f >= 0 && f <= 1))
        throw new RangeError(`splitLengths: fraction at index ${i} is not between 0 and 1 (got ${f})`);
      return Math.floor(n * f);
    });
    const remainder = n - out.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) out[i % out.length] += 1;
    return out;
  }
  for (const [i, l] of lengths.entries()) {
    if (!Number.isInteger(l) || l < 0) {
      throw new RangeError(
        `splitLengths: lengths must be non-negative integer counts summing to ${n} or fractions summing to 1; got ${l} at index ${i}`,
      );
    }
  }
  if (sum !== n)
    throw new RangeError(`splitLengths: lengths [${lengths.join(", ")}] sum to ${sum}, not to the dataset length ${n}`);
  return [...lengths];
}

/**
 * Randomly partitions `0..n-1`, like `torch.utils.data.random_split` (same length rules, see
 * {@link splitLengths}): draws one `randperm(n)` and cuts it into consecutive pieces.
 * @param n number of items.
 * @param lengths counts summing to `n`, or fractions summing to 1.
 * @returns one Int32Array per entry of `lengths`, in random order; together they are a
 *   permutation of `0..n-1`.
 */
export function randomSplitIndices(n: number, lengths: readonly number[], generator?: RandomSource): Int32Array[] {
  const counts = splitLengths(n, lengths);
  const perm = randperm(n, resolveGenerator(generator));
  const out: Int32Array[] = [];
  let off = 0;
  for (const c of counts) {
    out.push(perm.slice(off, off + c));
    off += c;
  }
  return out;
}

/** Validates 2 or 3 fractions in [0, 1] summing to 1 (±1e-6). */
function checkFractions(fn: string, fractions: readonly number[]): void {
  if (fractions.length !== 2 && fractions.length !== 3) {
    throw new RangeError(
      `${fn}: fractions must be [train, val] or [train, val, test], got ${fractions.length} numbers`,
    );
  }
  const names = ["train", "val", "test"];
  fractions.forEach((f, i) => {
    if (!(f >= 0 && f <= 1)) throw new RangeError(`${fn}: the ${names[i]} fraction must be between 0 and 1, got ${f}`);
  });
  const sum = fractions.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-6)
    throw new RangeError(`${fn}: fractions must sum to 1, got ${fractions.join(" + ")} = ${+sum.toPrecision(12)}`);
}

function toSplit(parts: Int32Array[]): SplitIndices {
  const s: SplitIndices = { train: parts[0], val: parts[1] };
  if (parts.length === 3) s.test = parts[2];
  return s;
}

export interface GroupSplitOptions extends SeedOptions {
  /**
   * What the fractions measure. `"samples"` (default): groups are taken in shuffled order and a
   * group goes to the side whose share of the samples contains the group's midpoint, so side
   * sizes approximate `fraction · n`. `"groups"`: each side gets a number of whole groups
   * computed like `random_split` on the group count (sizes in samples may then differ when groups
   * differ in size).
   */
  by?: "samples" | "groups";
}

/**
 * Splits by group so that no group appears on two sides (split by patient / video / user /
 * device). The distinct groups are shuffled with the generator and assigned whole.
 * @param groups `[n]` group key of each sample.
 * @param fractions `[train, val]` or `[train, val, test]`, each in [0, 1], summing to 1.
 * @param opts a Generator, a seed, or `{ generator | seed, by }` (see {@link GroupSplitOptions}).
 * @returns `{ train, val, test? }`, each sorted ascending; together a partition of `0..n-1`.
 * @throws RangeError if the fractions are invalid or a side with a positive fraction would get
 *   no group (too few groups).
 */
export function groupSplit(
  groups: ArrayLike<GroupKey>,
  fractions: readonly number[],
  opts?: Generator | number | GroupSplitOptions,
): SplitIndices {
  checkFractions("groupSplit", fractions);
  const by = typeof opts === "object" && !(opts instanceof Generator) ? (opts.by ?? "samples") : "samples";
  if (by !== "samples" && by !== "groups")
    throw new RangeError(`groupSplit: by must be "samples" or "groups", got ${String(by)}`);
  const g = resolveGenerator(opts);
  const n = groups.length;
  const { ids, members } = groupIds(groups);
  const G = members.length;
  if (G === 0) throw new RangeError("groupSplit: groups is empty, so there is nothing to split");
  const order = randperm(G, g);
  const side = new Int32Array(G); // side of each group id
  const k = fractions.length;
  if (by === "groups") {
    const counts = splitLengths(G, normalize(fractions));
    let pos = 0;
    for (let s = 0; s < k; s++) for (let j = 0; j < counts[s]; j++) side[order[pos++]] = s;
  } else {
    const bounds: number[] = [];
    let acc = 0;
    for (const f of fractions) bounds.push((acc += f) * n);
    let start = 0;
    for (let j = 0; j < G; j++) {
      const gid = order[j];
      const size = members[gid];
      const mid = start + size / 2;
      let s = 0;
      while (s < k - 1 && mid >= bounds[s]) s++;
      side[gid] = s;
      start += size;
    }
  }
  const sizes = new Array<number>(k).fill(0);
  const groupsPerSide = new Array<number>(k).fill(0);
  for (let gid = 0; gid < G; gid++) {
    sizes[side[gid]] += members[gid];
    groupsPerSide[side[gid]]++;
  }
  const names = ["train", "val", "test"];
  for (let s = 0; s < k; s++) {
    if (fractions[s] > 0 && groupsPerSide[s] === 0) {
      throw new RangeError(
        `groupSplit: the ${names[s]} side (fraction ${fractions[s]}) got no group; there are only ${G} distinct groups for ${n} samples, so use fewer sides, larger fractions or more groups`,
      );
    }
  }
  const parts = sizes.map((sz) => new Int32Array(sz));
  const fill = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    const s = side[ids[i]];
    parts[s][fill[s]++] = i;
  }
  return toSplit(parts);
}

/** Maps group keys to dense ids `0..G-1` in order of first appearance; `members[g]` = group size. */
function groupIds(groups: ArrayLike<GroupKey>): { ids: Int32Array; members: number[] } {
  const map = new Map<GroupKey, number>();
  const ids = new Int32Array(groups.length);
  const members: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const key = groups[i];
    let id = map.get(key);
    if (id === undefined) {
      id = members.length;
      map.set(key, id);
      members.push(0);
    }
    ids[i] = id;
    members[id]++;
  }
  return { ids, members };
}

/**
 * Time-ordered split: sorts samples by time (stable; ties keep index order) and cuts the sorted
 * order into consecutive pieces, so train holds the earliest samples, then val, then test.
 * Side sizes follow {@link splitLengths} (floor, remainder round-robin from train). Samples with
 * equal times may straddle a boundary.
 * @param times `[n]` finite timestamps (any numeric unit).
 * @param fractions `[train, val]` or `[train, val, test]`, summing to 1.
 * @returns `{ train, val, test? }`, each in increasing time order; every time in an earlier side
 *   is ≤ every time in a later side.
 */
export function timeSplit(times: ArrayLike<number>, fractions: readonly number[]): SplitIndices {
  checkFractions("timeSplit", fractions);
  const n = times.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(times[i]))
      throw new RangeError(`timeSplit: time at index ${i} is ${times[i]}, not a finite number`);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => times[a] - times[b] || a - b);
  const counts = splitLengths(n, normalize(fractions));
  const parts: Int32Array[] = [];
  let off = 0;
  for (const c of counts) {
    parts.push(Int32Array.from(order.slice(off, off + c)));
    off += c;
  }
  return toSplit(parts);
}

/** Rescales fractions that sum to 1 within 1e-6 so they pass `splitLengths`' tighter test. */
function normalize(fractions: readonly number[]): number[] {
  const sum = fractions.reduce((a, b) => a + b, 0);
  return fractions.map((f) => f / sum);
}

/**
 * Number of distinct groups present in both `groupsA` and `groupsB` (0 for an honest split).
 * @param groupsA group keys of the samples on one side (e.g. `groups` gathered at `train`).
 * @param groupsB group keys of the samples on the other side.
 */
export function groupLeakage(groupsA: ArrayLike<GroupKey>, groupsB: ArrayLike<GroupKey>): number {
  const a = new Set<GroupKey>();
  for (let i = 0; i < groupsA.length; i++) a.add(groupsA[i]);
  const both = new Set<GroupKey>();
  for (let i = 0; i < groupsB.length; i++) if (a.has(groupsB[i])) both.add(groupsB[i]);
  return both.size;
}

/** `groups[indices[i]]` for each i: the group keys of one side of a split. */
export function gatherGroups<T extends GroupKey>(groups: ArrayLike<T>, indices: ArrayLike<number>): T[] {
  return Array.from({ length: indices.length }, (_, i) => groups[indices[i]]);
}

/**
 * Number of distinct groups that appear on more than one side of `split`.
 * @param groups `[n]` group key of each sample; `split` holds indices into it.
 */
export function splitLeakage(groups: ArrayLike<GroupKey>, split: SplitIndices | readonly ArrayLike<number>[]): number {
  const sides: readonly ArrayLike<number>[] = isSplitIndices(split)
    ? [split.train, split.val, ...(split.test ? [split.test] : [])]
    : split;
  const firstSide = new Map<GroupKey, number>();
  const leaked = new Set<GroupKey>();
  sides.forEach((idx, s) => {
    for (let i = 0; i < idx.length; i++) {
      const key = groups[idx[i]];
      const f = firstSide.get(key);
      if (f === undefined) firstSide.set(key, s);
      else if (f !== s) leaked.add(key);
    }
  });
  return leaked.size;
}

function isSplitIndices(s: SplitIndices | readonly ArrayLike<number>[]): s is SplitIndices {
  return !Array.isArray(s) && "train" in s;
}

// The lab imports it from here; its home is patients.ts.
export { patientsDataset, type PatientsDataset, type PatientsOptions } from "./patients.js";
