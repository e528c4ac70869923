/** The training-bugs page's task: run one experiment, correctly or with its bug, and return what it trained. */
import type { PlainStateDict } from "../lib/model_io.ts";
import type { RequestOnly } from "./wire.ts";

export const BUG_IDS = ["softmax-ce", "zero-grad", "eval-mode", "shape", "leak"] as const;
export type BugId = (typeof BUG_IDS)[number];

/** One run: its loss curve, its readouts, and the trained model (weights + PyTorch layers). */
export interface BugRun {
  curve: number[];
  metrics: Record<string, number | string>;
  sd: PlainStateDict;
  arch: string[];
}

export type BugsTask = RequestOnly<{ run: { args: { bug: BugId; buggy: boolean; seed: number }; result: BugRun } }>;
