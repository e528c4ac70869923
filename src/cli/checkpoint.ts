/**
 * Run-folder files and the resumable checkpoint. A checkpoint is three files, each written
 * atomically (temp file + fsync + rename): `model.safetensors` (PyTorch keys, loadable by
 * `safetensors.torch.load_file`), `optimizer.safetensors` (momentum / Adam moment buffers) and
 * `state.json` (epoch, step, RNG states, optimizer scalars, metrics so far). `state.json` is
 * written last and names the checkpoint id that both safetensors files carry in their metadata,
 * so a resume can tell a torn save from a complete one.
 */
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { NamedArray, StateDict as IoStateDict } from "../io/named_array.js";
import { writeFilesAtomic } from "../io/atomic_node.js";
import { shortJson } from "../io/json_depth.js";
import { FileReadError } from "../io/read_node.js";
import { encodeSafetensors, type SafetensorsHeader } from "../io/safetensors.js";
import { readSafetensorsFile } from "../io/safetensors_node.js";
import type { nn, optim } from "../index.js";
import { Tensor } from "../tensor/tensor.js";
import { CliError } from "./errors.js";
import type { ExpectedEntry } from "./model.js";

/** One row of the epoch table and of `metrics.jsonl`. */
export interface EpochMetrics { epoch: number; trainLoss: number; valLoss: number | null; valAcc: number | null; time: number; lr: number }

/** Everything besides tensors that a resume needs, as stored in `state.json`. */
export interface TrainState {
  version: 1;
  /** Optimizer steps taken so far; doubles as the checkpoint id in the safetensors metadata. */
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
}

export { writeFileAtomic } from "../io/atomic_node.js";

/** Tensors → the io layer's named arrays. BatchNorm's counter is int64 in PyTorch, so it is written as I64. */
export function toNamedArrays(sd: Record<string, Tensor>): IoStateDict {
  const out: IoStateDict = new Map();
  for (const [k, t] of Object.entries(sd)) {
    const shape = [...t.shape];
    if (t.dtype === "int32" && k.endsWith("num_batches_tracked")) out.set(k, { shape, dtype: "int64", data: BigInt64Array.from(t.data, (v) => BigInt(v)) });
    else if (t.dtype === "int32") out.set(k, { shape, dtype: "int32", data: Int32Array.from(t.data) });
    else out.set(k, { shape, dtype: "float32", data: Float32Array.from(t.data) });
  }
  return out;
}

/** Named arrays → tensors; int64 narrows to int32, float64 to float32 (gradlab models are float32). */
export function fromNamedArray(a: NamedArray): Tensor {
  if (a.dtype === "int64") return new Tensor(Int32Array.from(a.data as BigInt64Array, (v) => Number(v)), a.shape);
  if (a.dtype === "int32") return new Tensor(Int32Array.from(a.data as Int32Array), a.shape);
  return new Tensor(Float32Array.from(a.data as Float32Array), a.shape);
}

/** Options for {@link readTensors}. */
export interface ReadTensorsOptions {
  /** Sees the validated header before any tensor data is read; throw to refuse the file. */
  inspect?(header: SafetensorsHeader): void;
}

/** Tensors and metadata of a safetensors file. */
export interface FileTensors { tensors: Map<string, NamedArray>; metadata: Record<string, string> }

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
  const shown = items.slice(0, 20).map((k) => (quote ? shortJson(k, 40) : k)).join(sep);
  return items.length > 20 ? `${shown}${sep}and ${items.length - 20} more` : shown;
}

/**
 * Checks a file's tensors (names, shapes, dtypes — from its header or its contents) against what
 * a model expects, listing every missing, unexpected, mis-shaped or mistyped key in one error.
 */
export function checkFits(
  expected: Map<string, ExpectedEntry>, got: Map<string, { shape: readonly number[]; dtype: string }>, source: string,
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

/** Saves model, optimizer and state; `state.json` last, so its presence marks a complete checkpoint. */
export async function saveCheckpoint(dir: string, model: nn.Module, opt: optim.Optimizer<{ lr: number }>, state: Omit<TrainState, "optimizer">, modelMetadata: Record<string, string>): Promise<void> {
  const id = String(state.globalStep);
  const modelBytes = encodeSafetensors(toNamedArrays(model.stateDict()), { format: "pt", ...modelMetadata, gradlab_checkpoint: id });
  const osd = opt.stateDict();
  const bufs: Record<string, Tensor> = {};
  const scalars: Record<string, Record<string, number>> = {};
  for (const [i, s] of Object.entries(osd.state)) {
    for (const [name, v] of Object.entries(s)) {
      if (typeof v === "number") (scalars[i] ??= {})[name] = v;
      else bufs[`state.${i}.${name}`] = v;
    }
  }
  const optimizerBytes = encodeSafetensors(toNamedArrays(bufs), { gradlab_checkpoint: id });
  const full: TrainState = { ...state, optimizer: { paramGroups: osd.param_groups, scalars } };
  // All three are written before any is renamed into place, state.json last.
  await writeFilesAtomic([
    [join(dir, "model.safetensors"), modelBytes],
    [join(dir, "optimizer.safetensors"), optimizerBytes],
    [join(dir, "state.json"), JSON.stringify(full, null, 1) + "\n"],
  ]);
}

/** Reads `state.json` and the optimizer buffers of a run folder, checking they belong together. */
export async function loadCheckpoint(dir: string, model: nn.Module, opt: optim.Optimizer<{ lr: number }>): Promise<TrainState> {
  const statePath = join(dir, "state.json");
  if (!existsSync(statePath)) throw new CliError(`${dir} has no state.json — not a gradlab run folder, or no epoch finished before it stopped`);
  let state: TrainState;
  try { state = JSON.parse(await readFile(statePath, "utf8")) as TrainState; } catch (e) { throw new CliError(`${statePath} is not valid JSON (${(e as Error).message})`); }
  if (state.version !== 1 || !Number.isInteger(state.epoch) || !Number.isInteger(state.step) || !Array.isArray(state.history)) throw new CliError(`${statePath} is not a gradlab checkpoint state (version 1)`);
  const m = await readTensors(join(dir, "model.safetensors"));
  const o = await readTensors(join(dir, "optimizer.safetensors"));
  const id = String(state.globalStep);
  if (m.metadata.gradlab_checkpoint !== id || o.metadata.gradlab_checkpoint !== id) {
    throw new CliError(`${dir}: model.safetensors, optimizer.safetensors and state.json come from different saves (step ${m.metadata.gradlab_checkpoint}, ${o.metadata.gradlab_checkpoint}, ${id}); the run was stopped while saving`);
  }
  loadIntoModel(model, m.tensors, join(dir, "model.safetensors"));
  const st: Record<number, Record<string, Tensor | number>> = {};
  for (const [k, a] of o.tensors) {
    const mm = /^state\.(\d+)\.(\w+)$/.exec(k);
    if (!mm) throw new CliError(`optimizer.safetensors: unexpected key ${k}`);
    (st[Number(mm[1])] ??= {})[mm[2]] = fromNamedArray(a);
  }
  for (const [i, s] of Object.entries(state.optimizer.scalars)) Object.assign((st[Number(i)] ??= {}), s);
  try {
    opt.loadStateDict({ state: st, param_groups: state.optimizer.paramGroups as never });
  } catch (e) {
    throw new CliError(`${dir}: optimizer state does not fit (${(e as Error).message})`);
  }
  return state;
}
