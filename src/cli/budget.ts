/**
 * What a model costs in memory, checked before anything is built: `--hidden 1000000` passed every
 * flag check, allocated 10.9 GB and died inside WebAssembly.Memory.grow(). Each check is a lower
 * bound (weights, gradients, optimizer buffers, one batch's activations), so it refuses only runs
 * that cannot fit, and says so in the words of the flag that made them too big.
 */
import { totalmem } from "node:os";
import type { ArchConfig, TrainConfig } from "./config.js";
import { CliError, UsageError } from "./errors.js";

/** wasm32 addresses at most 4 GiB, and the wasm backend keeps every tensor it computes on inside it. */
export const WASM_MEMORY_BYTES = 2 ** 32;

/** The memory a backend can use at most, and how to say it. */
export function memoryLimit(backend: string): { bytes: number; what: string } {
  const machine = totalmem();
  if (backend === "wasm" && WASM_MEMORY_BYTES <= machine) {
    return { bytes: WASM_MEMORY_BYTES, what: "the 4 GiB the wasm backend can address" };
  }
  return { bytes: machine, what: `this machine's ${gb(machine)} of memory` };
}

const gb = (n: number): string => `${(n / 1e9).toFixed(1)} GB`;
const count = (n: number): string => n.toLocaleString("en-US");

/** Parameters (and buffers, which cost the same) of the MLP `arch` describes. */
export function parameterCount(arch: ArchConfig): number {
  let n = 0;
  let width = arch.inputSize;
  for (const h of arch.hidden) {
    n += width * h + h;
    if (arch.batchnorm) n += 4 * h + 1; // weight, bias, running mean and variance, the counter
    width = h;
  }
  return n + width * arch.numClasses + arch.numClasses;
}

/** Optimizer buffers per parameter: SGD's momentum (if any), Adam's two moments. */
function optimizerBuffers(cfg: TrainConfig): { n: number; what: string } {
  if (cfg.optimizer === "sgd") {
    return cfg.momentum > 0 ? { n: 1, what: "weights, gradients and SGD momentum" }
      : { n: 0, what: "weights and gradients" };
  }
  return { n: 2, what: `weights, gradients and ${cfg.optimizer === "adam" ? "Adam" : "AdamW"}'s two moment buffers` };
}

/**
 * Refuses a training run whose least memory exceeds what `cfg.backend` can hold.
 *
 * @param nTrain - Training examples (a batch is never larger).
 * @throws UsageError naming the flag that makes it too big: --hidden, --batch-size or --limit.
 */
export function checkTrainingFits(cfg: TrainConfig, arch: ArchConfig, nTrain: number): void {
  const limit = memoryLimit(cfg.backend);
  const params = parameterCount(arch);
  const opt = optimizerBuffers(cfg);
  const modelBytes = params * 4 * (2 + opt.n);
  // Each hidden layer's output and its gradient (BatchNorm adds its normalised copy), for one batch.
  const batch = Math.min(cfg.batchSize, nTrain);
  const hiddenUnits = arch.hidden.reduce((s, h) => s + h, 0);
  const perExample = arch.inputSize + arch.numClasses + hiddenUnits * (arch.batchnorm ? 3 : 2);
  const batchBytes = batch * perExample * 4 * 2;
  // The training set is copied into a tensor once.
  const dataBytes = nTrain * (arch.inputSize + 1) * 4;
  const total = modelBytes + batchBytes + dataBytes;
  if (total <= limit.bytes) return;
  const over = `needs at least ${gb(total)}, more than ${limit.what}`;
  if (modelBytes >= batchBytes && modelBytes >= dataBytes) {
    throw new UsageError(`--hidden ${cfg.hidden.join(",")} makes a model of ${count(params)} parameters, `
      + `whose ${opt.what} take ${gb(modelBytes)} at 4 bytes each: training it ${over}; `
      + "use narrower or fewer hidden layers");
  }
  if (batchBytes >= dataBytes) {
    throw new UsageError(`--batch-size ${cfg.batchSize} with --hidden ${cfg.hidden.join(",")}: one batch's activations `
      + `and their gradients take ${gb(batchBytes)}, so training ${over}; use a smaller --batch-size`);
  }
  throw new UsageError(`--limit ${cfg.limit}: ${count(nTrain)} training examples take ${gb(dataBytes)}, `
    + `so training ${over}; use a smaller --limit`);
}

/**
 * Refuses a synthetic data set too large to generate (`--dataset spirals --limit 1000000000`):
 * its points, their split copies and the training tensor, before generating any.
 */
export function checkSyntheticFits(cfg: TrainConfig): void {
  if (cfg.dataset === "mnist") return;
  const limit = memoryLimit(cfg.backend);
  // x (2 floats) and y per point: generated, shuffled, split, then copied into a tensor.
  const bytes = cfg.limit * 3 * 4 * 4;
  if (bytes > limit.bytes) {
    throw new UsageError(`--limit ${cfg.limit} asks for ${count(cfg.limit)} ${cfg.dataset} points, which need at least `
      + `${gb(bytes)}, more than ${limit.what}; use a smaller --limit`);
  }
}

/**
 * Refuses a model whose weights exceed what `backend` can hold: to build it (`summary --hidden`,
 * one copy) or to load it from a file (two: the file's tensors, then the model's).
 *
 * @param source - What described the model (a file, or the flags).
 * @param usage - Throw a UsageError (the flags are at fault) instead of a CliError (a file is).
 */
export function checkModelFits(
  arch: ArchConfig, backend: string, source: string, opts: { usage?: boolean; fromFile?: boolean } = {},
): void {
  const limit = memoryLimit(backend);
  const params = parameterCount(arch);
  const bytes = params * 4 * (opts.fromFile ? 2 : 1);
  if (bytes <= limit.bytes) return;
  const what = opts.fromFile ? `loading it takes ${gb(bytes)} (the file's float32 weights, then the model's copy)`
    : `its float32 weights take ${gb(bytes)}`;
  const msg = `${source} describes a model of ${count(params)} parameters; ${what}, more than ${limit.what}`;
  throw opts.usage ? new UsageError(`${msg}; use narrower or fewer hidden layers`) : new CliError(msg);
}
