/**
 * How a training run begins in its (locked) run folder: from its newest checkpoint on `--resume`,
 * or from a fresh state — the one piece the image trainer (train.ts) and the language-model
 * trainer (seq.ts) share, so a resume is checked and tidied the same way in both.
 */
import { join } from "node:path";
import { defaultGenerator, type nn, type optim } from "../index.js";
import {
  type CheckpointRef,
  findCheckpoint,
  loadCheckpoint,
  removeOlderCheckpoints,
  type ResumeContext,
  type TrainState,
  writeRunModel,
} from "../cli/checkpoint.js";
import { CliError, UsageError } from "../cli/errors.js";

/** The refusal to start a new run in a folder holding one. */
export const alreadyHoldsARun = (dir: string): string =>
  `${dir} already holds a run; continue it with --resume ${dir}, or pick another --out`;

export interface RunStartOptions {
  /** Continue the run in the folder (`--resume`) rather than start one. */
  resume: boolean;
  model: nn.Module;
  opt: optim.Optimizer<{ lr: number }>;
  /** Metadata of the run folder's model file, rewritten when a crash left it one save behind. */
  modelMeta: Record<string, string>;
  /** What the checkpoint is checked against (config.json's path is the run folder's). */
  resumeContext: Omit<ResumeContext, "configPath">;
  /** The batch order's generator state at step 0 of a fresh run. */
  loaderRngAtStart: number[];
  /** What a checkpoint is saved after, for the "nothing to resume" message ("epoch", "evaluation interval"). */
  checkpointEvery: string;
  /** Checks on the checkpoint found before it is read (a resume that would undo trained steps, say). */
  beforeLoad?(found: CheckpointRef): void;
}

/**
 * The state a run starts from in `dir`, and the checkpoint it came from (null for a fresh run).
 * A resume restores the model, the optimizer and the global RNG; a fresh start refuses a folder
 * that already holds a run.
 *
 * @throws CliError when there is no checkpoint to resume; UsageError for a fresh start in a used folder.
 */
export async function startOrResume(
  dir: string,
  o: RunStartOptions,
): Promise<{ st: TrainState; found: CheckpointRef | null }> {
  const found = await findCheckpoint(dir);
  if (!o.resume) {
    if (found) throw new UsageError(alreadyHoldsARun(dir));
    const st: TrainState = {
      version: 1,
      globalStep: 0,
      epoch: 0,
      step: 0,
      done: false,
      interrupted: false,
      globalRng: [],
      loaderRngAtEpochStart: o.loaderRngAtStart,
      epochLossSum: 0,
      epochLossCount: 0,
      epochTime: 0,
      optimizer: { paramGroups: [], scalars: {} },
      history: [],
    };
    return { st, found };
  }
  if (!found) {
    throw new CliError(
      `${dir} has no checkpoint to resume — no ${o.checkpointEvery} finished (and no Ctrl-C ` +
        "saved one) before the run stopped",
    );
  }
  o.beforeLoad?.(found);
  const st = await loadCheckpoint(found, o.model, o.opt, { ...o.resumeContext, configPath: join(dir, "config.json") });
  defaultGenerator.setState(st.globalRng as number[]);
  // A finished run asked for more epochs (or steps) continues with the next one.
  st.done = false;
  // What a crash between a checkpoint's commit and its tidying left: older folders, and a run
  // folder model one save behind. (In the old layout that model file is the checkpoint's own.)
  if (found.seq > 0) {
    await removeOlderCheckpoints(dir, found.seq);
    await writeRunModel(dir, o.model, o.modelMeta);
  }
  return { st, found };
}
