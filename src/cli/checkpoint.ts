/**
 * The resumable checkpoint of a run folder. Each save writes a new folder
 * `checkpoints/<seq>.tmp-<pid>/` holding `model.safetensors` (PyTorch keys), `optimizer.safetensors`
 * (momentum / Adam moment buffers) and `state.json` (epoch, step, RNG states, optimizer scalars,
 * metrics so far, the run's config), fsyncs it, and renames it to `checkpoints/<seq>/`: that one
 * rename is the commit, so a checkpoint folder is complete or absent, never half new. Only then
 * are older checkpoint folders removed and the run folder's own `model.safetensors` (what eval,
 * predict, export and PyTorch read) replaced. A resume takes the newest complete folder.
 *
 * Both safetensors files carry the save's unique id, and the model's the SHA-256 of state.json,
 * so a resume can tell files of different saves (or a hand-edited state) from a consistent set.
 * Folders from before this layout (the three files directly in the run folder) still resume.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { NamedArray, NamedArrays as IoStateDict } from "../io/named_array.js";
import { describeWriteError, syncDirectory, writeFileAtomic, writeSynced } from "../io/atomic_node.js";
import { shortJson } from "../io/json_depth.js";
import { FileReadError } from "../io/read_node.js";
import { encodeSafetensors, type SafetensorsHeader } from "../io/safetensors.js";
import { readSafetensorsFile } from "../io/safetensors_node.js";
import type { nn, optim } from "../index.js";
import { Tensor } from "../tensor/tensor.js";
import type { OptimizerName } from "./config.js";
import { CliError, UsageError } from "./errors.js";
import { readJsonFileWithText } from "./files.js";
import type { ExpectedEntry } from "./model.js";

/** The folder of a run folder that holds its checkpoints. */
export const CHECKPOINTS_DIR = "checkpoints";
/** state.json grows by a line per epoch (--epochs ≤ 100,000 makes ~15 MB). */
const STATE_MAX_BYTES = 64 * 2 ** 20;

/** One row of the epoch table and of `metrics.jsonl`. */
export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  valLoss: number | null;
  valAcc: number | null;
  time: number;
  lr: number;
}

/** Everything besides tensors that a resume needs, as stored in `state.json`. */
export interface TrainState {
  version: 1;
  /**
   * Unique per save: `<globalStep>-<8 hex digits>`; both safetensors files of the set carry it.
   * (Absent in checkpoints from before it existed, whose id was the global step.)
   */
  checkpointId?: string;
  /** Optimizer steps taken so far. */
  globalStep: number;
  /** The epoch in progress (0-based) and the next batch in it. */
  epoch: number;
  step: number;
  /** True once every configured epoch has run. */
  done: boolean;
  /** True when saved because of Ctrl-C. */
  interrupted: boolean;
  /** The global generator (dropout masks) and the DataLoader's generator as it was when this epoch's order was drawn. */
  globalRng: (number | null)[];
  loaderRngAtEpochStart: (number | null)[];
  /** Partial sums of the epoch in progress, so its reported train loss matches an uninterrupted run. */
  epochLossSum: number;
  epochLossCount: number;
  epochTime: number;
  optimizer: { paramGroups: Record<string, unknown>[]; scalars: Record<string, Record<string, number>> };
  history: EpochMetrics[];
  /** The run's settings when saved (config.json's, but epochs and threads, which a resume may change). */
  config?: Record<string, unknown>;
}

export { writeFileAtomic } from "../io/atomic_node.js";

/** Tensors → the io layer's named arrays. BatchNorm's counter is int64 in PyTorch, so it is written as I64. */
export function toNamedArrays(sd: Record<string, Tensor>): IoStateDict {
  return new Map(Object.entries(sd).map(([k, t]) => [k, namedArray(k, t, t.dataSync())]));
}

/** {@link toNamedArrays} for tensors on any device: a GPU tensor's values are read back (asynchronously). */
export async function toNamedArraysAsync(sd: Record<string, Tensor>): Promise<IoStateDict> {
  const out: IoStateDict = new Map();
  for (const [k, t] of Object.entries(sd)) out.set(k, namedArray(k, t, await t.data()));
  return out;
}

function namedArray(k: string, t: Tensor, values: ArrayLike<number>): NamedArray {
  const shape = [...t.shape];
  if (t.dtype === "int32" && k.endsWith("num_batches_tracked"))
    return { shape, dtype: "int64", data: BigInt64Array.from(values, (v) => BigInt(v)) };
  if (t.dtype === "int32") return { shape, dtype: "int32", data: Int32Array.from(values) };
  return { shape, dtype: "float32", data: Float32Array.from(values) };
}

/** Named arrays → tensors; int64 narrows to int32, float64 to float32 (gradlab models are float32). */
export function fromNamedArray(a: NamedArray): Tensor {
  if (a.dtype === "int64")
    return new Tensor(
      Int32Array.from(a.data as BigInt64Array, (v) => Number(v)),
      a.shape,
    );
  if (a.dtype === "int32") return new Tensor(Int32Array.from(a.data as Int32Array), a.shape);
  return new Tensor(Float32Array.from(a.data as Float32Array), a.shape);
}

/** Options for {@link readTensors}. */
export interface ReadTensorsOptions {
  /** Sees the validated header before any tensor data is read; throw to refuse the file. */
  inspect?(header: SafetensorsHeader): void;
}

/** Tensors and metadata of a safetensors file. */
export interface FileTensors {
  tensors: Map<string, NamedArray>;
  metadata: Record<string, string>;
}

/**
 * Reads a safetensors file header first, turning fs errors into one-line CliErrors (format
 * errors already are one line).
 */
export async function readTensors(path: string, opts: ReadTensorsOptions = {}): Promise<FileTensors> {
  try {
    return await readSafetensorsFile(path, { inspect: opts.inspect });
  } catch (e) {
    if (e instanceof FileReadError) throw new CliError(e.code === "ENOENT" ? `${path} does not exist` : e.message);
    throw e;
  }
}

/** The shapes (and integer-ness) a model's state dict has, to check a file against before loading it. */
export function entriesOf(model: nn.Module): Map<string, ExpectedEntry> {
  const sd = Object.entries(model.stateDict());
  return new Map(sd.map(([k, t]) => [k, { shape: [...t.shape], integer: t.dtype === "int32" }]));
}

/** Names for a message: at most 20, each cut short (a hostile file's keys can be megabytes). */
function listed(items: string[], sep: string, quote = true): string {
  const shown = items
    .slice(0, 20)
    .map((k) => (quote ? shortJson(k, 40) : k))
    .join(sep);
  return items.length > 20 ? `${shown}${sep}and ${items.length - 20} more` : shown;
}

/**
 * Checks a file's tensors (names, shapes, dtypes — from its header or its contents) against what
 * a model expects, listing every missing, unexpected, mis-shaped or mistyped key in one error.
 */
export function checkFits(
  expected: Map<string, ExpectedEntry>,
  got: Map<string, { shape: readonly number[]; dtype: string }>,
  source: string,
): void {
  const missing = [...expected.keys()].filter((k) => !got.has(k));
  const unexpected = [...got.keys()].filter((k) => !expected.has(k));
  const mismatched: string[] = [];
  const wrongType: string[] = [];
  const fmt = (s: readonly number[]) => `[${s.join(", ")}]`;
  for (const [k, t] of expected) {
    const a = got.get(k);
    if (!a) continue;
    if (a.shape.length !== t.shape.length || a.shape.some((d, i) => d !== t.shape[i])) {
      mismatched.push(`${k} is ${fmt(a.shape)} in the file but ${fmt(t.shape)} in the model`);
    }
    const isFloat = a.dtype === "float32" || a.dtype === "float64";
    if (t.integer === isFloat) {
      wrongType.push(`${k} has dtype ${a.dtype}, expected ${t.integer ? "an integer type" : "float32"}`);
    }
  }
  const problems: string[] = [];
  if (mismatched.length) problems.push(`shapes do not match the model: ${listed(mismatched, "; ", false)}`);
  if (wrongType.length) problems.push(`wrong dtype: ${listed(wrongType, "; ", false)}`);
  if (missing.length) problems.push(`missing keys: ${listed(missing, ", ", false)}`);
  if (unexpected.length) problems.push(`unexpected keys: ${listed(unexpected, ", ")}`);
  if (problems.length) throw new CliError(`${source} does not fit the model — ${problems.join(". ")}`);
}

/**
 * Loads named arrays into `model`, checking dtypes (weights must be floating point) and listing
 * every missing, unexpected or mis-shaped key in one error.
 */
export function loadIntoModel(model: nn.Module, tensors: Map<string, NamedArray>, source: string): void {
  checkFits(entriesOf(model), tensors, source);
  const sd: Record<string, Tensor> = {};
  for (const k of Object.keys(model.stateDict())) sd[k] = fromNamedArray(tensors.get(k)!);
  model.loadStateDict(sd);
}

/** A complete checkpoint of a run folder: the folder holding its three files. */
export interface CheckpointRef {
  dir: string;
  /** Its sequence number (0 for the old layout, files directly in the run folder). */
  seq: number;
}

const SEQ_NAME = /^\d{6,}$/;
const seqName = (seq: number): string => String(seq).padStart(6, "0");

/**
 * The newest complete checkpoint in run folder `runDir`, or null when it has none. Folders still
 * named `.tmp-<pid>` were never committed and do not count.
 */
export async function findCheckpoint(runDir: string): Promise<CheckpointRef | null> {
  let names: string[] = [];
  try {
    names = await readdir(join(runDir, CHECKPOINTS_DIR));
  } catch {
    /* no checkpoints folder */
  }
  const seqs = names
    .filter((n) => SEQ_NAME.test(n))
    .map(Number)
    .sort((a, b) => b - a);
  for (const seq of seqs) {
    const dir = join(runDir, CHECKPOINTS_DIR, seqName(seq));
    if (existsSync(join(dir, "state.json"))) return { dir, seq };
  }
  if (existsSync(join(runDir, "state.json"))) return { dir: runDir, seq: 0 };
  return null;
}

/**
 * Test hook: `GRADLAB_TEST_CRASH_IN_SAVE=<phase>:<n>` kills the process (SIGKILL, as a power cut
 * would) during its n-th save, at phase "written" (new folder complete, not yet renamed) or
 * "committed" (renamed; older folders and the run folder's model not yet updated).
 */
function crashPoint(phase: "written" | "committed", saveNumber: number): void {
  const hook = process.env.GRADLAB_TEST_CRASH_IN_SAVE;
  if (hook && hook === `${phase}:${saveNumber}`) process.kill(process.pid, "SIGKILL");
}
let savesInProcess = 0;

/** The safetensors metadata key holding the SHA-256 of the checkpoint's state.json. */
const STATE_DIGEST_KEY = "gradlab_state_sha256";
const sha256 = (bytes: Uint8Array | string): string => createHash("sha256").update(bytes).digest("hex");

/**
 * Saves a checkpoint as folder `checkpoints/<seq>` of `runDir` (see the file comment for the
 * order that keeps it atomic), then removes older ones and updates the run folder's model file.
 *
 * @param seq - Its sequence number: one more than the newest checkpoint's.
 * @param modelMetadata - Stored in both model files (e.g. the architecture).
 */
export async function saveCheckpoint(
  runDir: string,
  seq: number,
  model: nn.Module,
  opt: optim.Optimizer<{ lr: number }>,
  state: Omit<TrainState, "optimizer" | "checkpointId">,
  modelMetadata: Record<string, string>,
): Promise<void> {
  const saveNumber = ++savesInProcess;
  const id = `${state.globalStep}-${randomBytes(4).toString("hex")}`;
  const osd = opt.stateDict();
  const bufs: Record<string, Tensor> = {};
  const scalars: Record<string, Record<string, number>> = {};
  for (const [i, s] of Object.entries(osd.state)) {
    for (const [name, v] of Object.entries(s)) {
      if (typeof v === "number") (scalars[i] ??= {})[name] = v;
      else bufs[`state.${i}.${name}`] = v;
    }
  }
  const full: TrainState = { ...state, checkpointId: id, optimizer: { paramGroups: osd.param_groups, scalars } };
  const stateText = JSON.stringify(full, null, 1) + "\n";
  const modelMeta = { format: "pt", ...modelMetadata, gradlab_checkpoint: id, [STATE_DIGEST_KEY]: sha256(stateText) };
  const modelBytes = encodeSafetensors(await toNamedArraysAsync(model.stateDict()), modelMeta);
  const optimizerBytes = encodeSafetensors(await toNamedArraysAsync(bufs), { gradlab_checkpoint: id });

  const parent = join(runDir, CHECKPOINTS_DIR);
  const final = join(parent, seqName(seq));
  const tmp = `${final}.tmp-${process.pid}`;
  try {
    await mkdir(parent, { recursive: true });
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp);
  } catch (e) {
    throw describeWriteError(tmp, e);
  }
  try {
    await writeSynced(join(tmp, "model.safetensors"), modelBytes, join(final, "model.safetensors"));
    await writeSynced(join(tmp, "optimizer.safetensors"), optimizerBytes, join(final, "optimizer.safetensors"));
    await writeSynced(join(tmp, "state.json"), stateText, join(final, "state.json"));
    await syncDirectory(tmp);
    crashPoint("written", saveNumber);
    await rename(tmp, final).catch((e) => {
      throw describeWriteError(final, e);
    });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
  await syncDirectory(parent);
  crashPoint("committed", saveNumber);
  await writeRunModel(runDir, model, modelMetadata);
  // Older sets go only now that the new one is complete; a crash in between leaves two, and a
  // resume takes the newer.
  await removeOlderCheckpoints(runDir, seq);
}

/**
 * Writes the run folder's own `model.safetensors`: the newest weights, for eval, predict, export
 * and PyTorch. Without a save's id, so two identical runs write identical bytes; one atomic
 * rename, so readers see the old model or the new one.
 */
export async function writeRunModel(
  runDir: string,
  model: nn.Module,
  modelMetadata: Record<string, string>,
): Promise<void> {
  const bytes = encodeSafetensors(await toNamedArraysAsync(model.stateDict()), { format: "pt", ...modelMetadata });
  await writeFileAtomic(join(runDir, "model.safetensors"), bytes);
}

/** Removes checkpoint folders older than `keep`, and the old layout's loose optimizer.safetensors and state.json. */
export async function removeOlderCheckpoints(runDir: string, keep: number): Promise<void> {
  let names: string[] = [];
  try {
    names = await readdir(join(runDir, CHECKPOINTS_DIR));
  } catch {
    /* none */
  }
  for (const n of names) {
    if (!SEQ_NAME.test(n) || Number(n) >= keep) continue;
    await rm(join(runDir, CHECKPOINTS_DIR, n), { recursive: true, force: true });
  }
  if (keep > 0) {
    for (const f of ["state.json", "optimizer.safetensors"]) await rm(join(runDir, f), { force: true });
  }
}

/** What a resume checks the checkpoint against: the data's steps per epoch and the run's config. */
export interface ResumeContext {
  stepsPerEpoch: number;
  /** config.json as the run will use it (epochs after --epochs). */
  config: Record<string, unknown> & { epochs: number; optimizer: OptimizerName };
  /** config.json's path, for messages. */
  configPath: string;
  /**
   * Brings a learning-rate schedule to the saved step count, once state.json's is known and
   * before the optimizer's saved settings (lr, momentum) are compared with the fresh ones.
   */
  atStep?(globalStep: number): void;
}

/** Optimizer state each optimizer keeps per parameter: tensors by name, and scalars. */
const OPTIMIZER_STATE: Record<OptimizerName, { tensors: string[]; scalars: string[] }> = {
  sgd: { tensors: ["momentum_buffer"], scalars: [] },
  adam: { tensors: ["exp_avg", "exp_avg_sq"], scalars: ["step"] },
  adamw: { tensors: ["exp_avg", "exp_avg_sq"], scalars: ["step"] },
};

/** Config fields a resume may change; every other one must be what the checkpoint was saved with. */
const RESUMABLE_CONFIG = new Set(["epochs", "threads", "arch"]);

/** How a resume that cannot continue ends its message. */
const RESTORE_OR_RESTART =
  "a resume continues the saved run unchanged, so undo the edit, " +
  "or start a new run with --out to train with the new settings";

/**
 * Reads checkpoint `ref` into `model` and `opt`: state.json checked for meaning (ranges, the
 * epoch/step arithmetic, RNG states, the optimizer), the three files checked to be one save,
 * and the run's config checked to be the one the checkpoint was training with.
 *
 * @throws CliError naming the file and what is wrong with it; UsageError when --epochs asks for
 *   fewer epochs than already trained.
 */
export async function loadCheckpoint(
  ref: CheckpointRef,
  model: nn.Module,
  opt: optim.Optimizer<{ lr: number }>,
  ctx: ResumeContext,
): Promise<TrainState> {
  const dir = ref.dir;
  const statePath = join(dir, "state.json");
  const missing = `${dir} has no state.json`;
  const raw = readJsonFileWithText(statePath, { maxBytes: STATE_MAX_BYTES, what: "state files", missing });
  // An edited config.json is named for what changed before anything else is checked: a new
  // --batch-size, say, would otherwise surface as step counts that do not add up.
  if (isObject(raw.value) && isObject(raw.value.config)) checkConfigUnchanged(raw.value.config, ctx);
  const state = validateState(raw.value, statePath, ctx, opt);
  if (state.epoch > ctx.config.epochs) {
    const run = dirname(ctx.configPath);
    throw new UsageError(
      `the run in ${run} has already trained ${state.epoch} epochs; ` +
        `--epochs ${ctx.config.epochs} would undo them — ask for ${state.epoch} or more`,
    );
  }
  const modelPath = join(dir, "model.safetensors");
  const m = await readTensors(modelPath, { inspect: (h) => checkFits(entriesOf(model), h.tensors, modelPath) });
  const o = await readTensors(join(dir, "optimizer.safetensors"));
  const id = state.checkpointId ?? String(state.globalStep);
  if (m.metadata.gradlab_checkpoint !== id || o.metadata.gradlab_checkpoint !== id) {
    const ids = [m.metadata.gradlab_checkpoint ?? null, o.metadata.gradlab_checkpoint ?? null, id].map((x) =>
      shortJson(x),
    );
    throw new CliError(
      `${dir}: model.safetensors, optimizer.safetensors and state.json come from different saves ` +
        `(ids ${ids.join(", ")}); the run was stopped while saving, or files were copied in`,
    );
  }
  const digest = m.metadata[STATE_DIGEST_KEY];
  if (digest !== undefined && digest !== sha256(raw.text)) {
    throw new CliError(
      `${statePath} was changed after it was saved (its SHA-256 no longer matches the one in ` +
        "model.safetensors); a resume from it would not continue the run that was saved — " +
        "restore it, or start a new run",
    );
  }
  loadIntoModel(model, m.tensors, modelPath);
  const optState = optimizerState(o.tensors, state, ctx.config.optimizer, dir);
  opt.loadStateDict({ state: optState, param_groups: state.optimizer.paramGroups as never });
  return state;
}

/** A JSON value's kind, for messages. */
function kind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return typeof v === "string" ? `the string ${shortJson(v)}` : String(v);
}

/** Whether `v` is a plain JSON object (not null, not an array). */
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/**
 * Checks state.json for meaning, not just shape: every count in range and consistent with the
 * others (epoch = finished epochs, globalStep = epoch × steps per epoch + step), RNG states that
 * a generator can hold, finite metrics, and optimizer hyper-parameters equal to what the run's
 * config builds.
 */
export function validateState(
  raw: unknown,
  path: string,
  ctx: ResumeContext,
  opt: optim.Optimizer<{ lr: number }>,
): TrainState {
  const bad = (what: string): never => {
    throw new CliError(`${path}: ${what}; the checkpoint is damaged or was edited — restore it, or start a new run`);
  };
  if (!isObject(raw)) return bad(`it holds ${kind(raw)}, not a checkpoint state object`);
  const st = raw;
  if (st.version !== 1) bad(`"version" is ${kind(st.version)}, not 1`);
  const int = (k: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const v = st[k];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
      bad(`"${k}" is ${kind(v)}, not an integer from ${min} to ${max}`);
    }
    return v as number;
  };
  const finite = (k: string, v: unknown, min = -Infinity): number => {
    if (typeof v !== "number" || !Number.isFinite(v) || v < min) {
      bad(`"${k}" is ${kind(v)}, not a finite number${min > -Infinity ? ` ≥ ${min}` : ""}`);
    }
    return v as number;
  };
  const bool = (k: string): void => {
    if (typeof st[k] !== "boolean") bad(`"${k}" is ${kind(st[k])}, not true or false`);
  };
  if (!Array.isArray(st.history)) bad(`"history" is ${kind(st.history)}, not the list of finished epochs`);
  const history = st.history as unknown[];
  const steps = ctx.stepsPerEpoch;
  const epoch = int("epoch", 0);
  if (epoch !== history.length) bad(`"epoch" is ${epoch} but "history" lists ${history.length} finished epochs`);
  const step = int("step", 0, steps - 1);
  const globalStep = int("globalStep", 0);
  if (globalStep !== epoch * steps + step) {
    bad(
      `"globalStep" is ${globalStep}, but epoch ${epoch} and step ${step} at ${steps} steps per epoch ` +
        `make ${epoch * steps + step} (were the data or --batch-size changed?)`,
    );
  }
  ctx.atStep?.(globalStep);
  bool("done");
  bool("interrupted");
  for (const k of ["globalRng", "loaderRngAtEpochStart"]) checkRngState(k, st[k], bad);
  finite("epochLossSum", st.epochLossSum);
  if (int("epochLossCount", 0) !== step) {
    bad(`"epochLossCount" is ${st.epochLossCount} but ${step} steps of the epoch were taken`);
  }
  finite("epochTime", st.epochTime, 0);
  history.forEach((h, i) => {
    if (!isObject(h) || h.epoch !== i + 1) bad(`history entry ${i} is not epoch ${i + 1}'s metrics`);
    const e = h as Record<string, unknown>;
    finite(`history[${i}].trainLoss`, e.trainLoss);
    if (e.valLoss !== null) finite(`history[${i}].valLoss`, e.valLoss);
    if (e.valAcc !== null) finite(`history[${i}].valAcc`, e.valAcc, 0);
    finite(`history[${i}].time`, e.time, 0);
    finite(`history[${i}].lr`, e.lr, 0);
  });
  const id = st.checkpointId;
  const idOk = id === undefined || (typeof id === "string" && /^\d+-[0-9a-f]{8}$/.test(id));
  if (!idOk) bad(`"checkpointId" is ${kind(id)}`);
  checkOptimizerState(st.optimizer, opt, ctx, bad);
  if (st.config !== undefined && !isObject(st.config)) bad(`"config" is ${kind(st.config)}, not an object`);
  return st as unknown as TrainState;
}

/**
 * A generator state: four 32-bit words, not all zero (xoshiro's one forbidden state), then the
 * cached normal or null.
 */
function checkRngState(k: string, v: unknown, bad: (what: string) => never): void {
  const ok =
    Array.isArray(v) &&
    v.length === 5 &&
    v.slice(0, 4).every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32) &&
    v.slice(0, 4).some((w) => w !== 0) &&
    (v[4] === null || Number.isFinite(v[4]));
  if (!ok) {
    bad(
      `"${k}" is ${shortJson(v)}, not a random generator state ` +
        "(four 32-bit words, not all zero, then a number or null)",
    );
  }
}

/**
 * The optimizer's saved hyper-parameters must be exactly those the config builds (lr, momentum,
 * ...), and its scalars in range.
 */
function checkOptimizerState(
  raw: unknown,
  opt: optim.Optimizer<{ lr: number }>,
  ctx: ResumeContext,
  bad: (what: string) => never,
): void {
  if (!isObject(raw)) return bad(`there is no optimizer state ("optimizer" is ${kind(raw)})`);
  const groups = raw.paramGroups;
  if (!Array.isArray(groups) || groups.length !== opt.paramGroups.length) {
    bad(`"optimizer.paramGroups" should list ${opt.paramGroups.length} parameter group(s), got ${shortJson(groups)}`);
  }
  (groups as unknown[]).forEach((saved, gi) => {
    const { params, ...fresh } = opt.paramGroups[gi] as unknown as Record<string, unknown> & { params: unknown[] };
    const where = `optimizer.paramGroups[${gi}]`;
    if (!isObject(saved)) return bad(`"${where}" is ${kind(saved)}`);
    const ids = saved.params;
    if (!Array.isArray(ids) || ids.length !== params.length || !ids.every((p, i) => p === i)) {
      bad(`"${where}.params" should be the parameter numbers 0..${params.length - 1}`);
    }
    const extra = Object.keys(saved).filter((k) => k !== "params" && !Object.hasOwn(fresh, k));
    if (extra.length) bad(`"${where}" has unknown settings: ${listed(extra, ", ")}`);
    for (const [k, want] of Object.entries(fresh)) {
      const got = saved[k];
      const numbers = (x: unknown) => Array.isArray(x) && x.every((y) => typeof y === "number" && Number.isFinite(y));
      const sameType = Array.isArray(want)
        ? numbers(got) && (got as unknown[]).length === want.length
        : typeof got === typeof want && (typeof got !== "number" || Number.isFinite(got));
      if (!sameType) {
        const type = Array.isArray(want)
          ? "a list of numbers"
          : typeof want === "number"
            ? "a finite number"
            : `a ${typeof want}`;
        bad(`"${where}.${k}" is ${kind(got)}, not ${type}`);
      }
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        // Which of the two files was edited cannot be told here (the config record, when there is
        // one, matched config.json), so the message names both.
        throw new CliError(
          `${ctx.configPath} trains with ${k} ${shortJson(want)} but the checkpoint's state.json was ` +
            `saved training with ${k} ${shortJson(got)}; ${RESTORE_OR_RESTART}`,
        );
      }
    }
  });
  const scalars = raw.scalars;
  if (!isObject(scalars)) return bad(`"optimizer.scalars" is ${kind(scalars)}, not an object`);
  const names = OPTIMIZER_STATE[ctx.config.optimizer].scalars;
  const nParams = opt.paramGroups.reduce((n, g) => n + g.params.length, 0);
  for (const [i, s] of Object.entries(scalars)) {
    if (!/^\d+$/.test(i) || Number(i) >= nParams) {
      bad(`"optimizer.scalars" has an entry for parameter ${shortJson(i)}, but the model has ${nParams} parameters`);
    }
    if (!isObject(s)) bad(`"optimizer.scalars.${i}" is ${kind(s)}`);
    for (const [k, v] of Object.entries(s as Record<string, unknown>)) {
      if (!names.includes(k)) {
        bad(`"optimizer.scalars.${i}" has ${shortJson(k)}, which ${ctx.config.optimizer} does not keep`);
      }
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) {
        bad(`"optimizer.scalars.${i}.${k}" is ${kind(v)}, not a step count ≥ 1`);
      }
    }
  }
}

/**
 * Every setting but --epochs and --threads must be what the checkpoint was saved with
 * (`saved`: state.json's record of the config; checkpoints from before it existed have none).
 */
function checkConfigUnchanged(savedConfig: Record<string, unknown>, ctx: ResumeContext): void {
  // Checkpoints from before --model and --scheduler trained an MLP at a constant lr (a language model's
  // config has no scheduler at all).
  const legacy = ctx.config.scheduler !== undefined ? { model: "mlp", scheduler: "none" } : { model: "mlp" };
  const saved: Record<string, unknown> = { ...legacy, ...savedConfig };
  const changes: string[] = [];
  const keys = new Set([...Object.keys(saved), ...Object.keys(ctx.config)]);
  for (const k of keys) {
    if (RESUMABLE_CONFIG.has(k)) continue;
    const a = JSON.stringify(saved[k]),
      b = JSON.stringify(ctx.config[k]);
    const show = (v: unknown, json?: string) => (json === undefined ? "(none)" : shortJson(v));
    const key = k.length > 40 ? `${k.slice(0, 40)}…` : k;
    if (a !== b) changes.push(`${key} ${show(saved[k], a)} → ${show(ctx.config[k], b)}`);
  }
  if (changes.length) {
    throw new CliError(
      `${ctx.configPath} was changed after the checkpoint was saved (${changes.join(", ")}); ` + RESTORE_OR_RESTART,
    );
  }
}

/** Per-parameter optimizer state: tensors from optimizer.safetensors, scalars from state.json, names checked. */
function optimizerState(
  tensors: Map<string, NamedArray>,
  state: TrainState,
  optimizer: OptimizerName,
  dir: string,
): Record<number, Record<string, Tensor | number>> {
  const file = join(dir, "optimizer.safetensors");
  const allowed = OPTIMIZER_STATE[optimizer].tensors;
  // Null-prototype records: a key named "__proto__" stays a key.
  const st: Record<number, Record<string, Tensor | number>> = Object.create(null);
  for (const [k, a] of tensors) {
    const mm = /^state\.(\d+)\.(\w+)$/.exec(k);
    if (!mm || !allowed.includes(mm[2])) {
      throw new CliError(
        `${file}: unexpected key ${shortJson(k)} ` + `(${optimizer} keeps ${allowed.join(", ")} per parameter)`,
      );
    }
    if (a.dtype !== "float32" && a.dtype !== "float64") {
      throw new CliError(`${file}: ${k} has dtype ${a.dtype}, expected float32`);
    }
    (st[Number(mm[1])] ??= Object.create(null))[mm[2]] = fromNamedArray(a);
  }
  for (const [i, s] of Object.entries(state.optimizer.scalars)) {
    Object.assign((st[Number(i)] ??= Object.create(null)), s);
  }
  return st;
}
