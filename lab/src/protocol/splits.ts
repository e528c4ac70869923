/** The honest-splits page's task: a patients dataset split three ways, a model scored on each. */
import type { PlainStateDict } from "../lib/model_io.ts";
import type { RequestOnly } from "./wire.ts";

export const SPLIT_KINDS = ["random", "group", "time"] as const;
export type SplitKind = (typeof SPLIT_KINDS)[number];

export interface SplitsConfig {
  patients: number;
  per: number;
  signature: number;
  signal: number;
  seed: number;
  model: "1nn" | "logreg";
}

export interface SplitOutcome {
  accuracy: number;
  leak: number;
  test: Int32Array;
}
export interface SplitsResult {
  n: number;
  patients: number;
  features: number;
  /** Patient of each sample (samples are stored patient by patient, visits in order). */
  groups: Int32Array;
  splits: Record<SplitKind, SplitOutcome>;
}

export type SplitsTask = RequestOnly<{
  evaluate: { args: SplitsConfig; result: SplitsResult };
  /** The logistic regression trained on one split's training side, for download. */
  logreg: { args: SplitsConfig & { kind: SplitKind }; result: PlainStateDict };
}>;
