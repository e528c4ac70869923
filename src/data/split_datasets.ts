/**
 * Dataset-level splits on top of the index splits in `splits.ts`: `randomSplit` like
 * `torch.utils.data.random_split`, and group/time splits that return Subsets.
 */
import type { Generator } from "../tensor/random.js";
import { type Dataset, Subset } from "./dataset.js";
import { type GroupKey, groupSplit, randomSplitIndices, timeSplit } from "./splits.js";

/**
 * Splits a dataset into non-overlapping random subsets of the given lengths (or fractions summing to 1).
 * @example const [train, val] = data.randomSplit(ds, [55000, 5000], new Generator(0));
 */
export function randomSplit<T>(
  dataset: Dataset<T>,
  lengths: readonly number[],
  generator?: Generator | number,
): Subset<T>[] {
  return randomSplitIndices(dataset.length, lengths, generator).map((ix) => new Subset(dataset, ix));
}

/** Keeps every group (patient, video, user, device) on one side: no group leaks across. */
export function groupSplitDataset<T>(
  dataset: Dataset<T>,
  groups: ArrayLike<GroupKey>,
  fractions: readonly number[],
  generator?: Generator | number,
): Subset<T>[] {
  const s = groupSplit(groups, fractions, generator);
  return [s.train, s.val, ...(s.test ? [s.test] : [])].map((ix) => new Subset(dataset, ix));
}

/** Trains on the past, validates (and tests) on the future. */
export function timeSplitDataset<T>(
  dataset: Dataset<T>,
  times: ArrayLike<number>,
  fractions: readonly number[],
): Subset<T>[] {
  const s = timeSplit(times, fractions);
  return [s.train, s.val, ...(s.test ? [s.test] : [])].map((ix) => new Subset(dataset, ix));
}
