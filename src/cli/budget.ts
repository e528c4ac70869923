/**
 * What a model costs in memory, checked before anything is built: `--hidden 1000000` passed every
 * flag check, allocated 10.9 GB and died inside WebAssembly.Memory.grow(). Each check is a lower
 * bound (weights, gradients, optimizer buffers, one batch's activations), so it refuses only runs
 * that cannot fit, and says so in the words of the flag that made them too big.
 */
import { totalmem } from "node:os";
import { type ArchConfig, isCnn, type ModelArch, type TrainConfig } from "./config.js";
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

/**
 * Activation values one example keeps for the backward pass (each layer's output; the gradients
 * double it): LeNet-5's feature maps, or the ResNet's, whose 3×3 convolutions keep seven maps
 * per block (two convolutions, two BatchNorms, a ReLU, the sum and its ReLU) plus two for a
 * downsample. A lower bound, as the other checks are.
 */
function cnnActivations(arch: ModelArch): number {
  if (!isCnn(arch)) return 0;
  const [h, w] = arch.imageSize;
  if (arch.model === "lenet")
    return 6 * h * w * 2 + 6 * (h / 2) * (w / 2) + 16 * 10 * 10 * 2 + 16 * 25 + 400 + 120 * 2 + 84 * 2;
  const widths = arch.widths ?? [];
  let side = h * w;
  let n = 3 * widths[0] * side; // the stem: convolution, BatchNorm, ReLU
  widths.forEach((c, i) => {
    if (i > 0) side = Math.ceil(Math.sqrt(side) / 2) ** 2;
    n += (7 * (arch.blocks ?? 1) + (i > 0 ? 2 : 0)) * c * side;
  });
  return n;
}

/** Parameters (and buffers, which cost the same) of the model `arch` describes. */
export function parameterCount(arch: ModelArch): number {
  if (isCnn(arch)) return cnnParameters(arch);
  let n = 0;
  let width = arch.inputSize;
  for (const h of arch.hidden) {
    n += width * h + h;
    if (arch.batchnorm) n += 4 * h + 1; // weight, bias, running mean and variance, the counter
    width = h;
  }
  return n + width * arch.numClasses + arch.numClasses;
}

/** A CNN's parameters and buffers, from its widths (convolutions 3×3 except the 1×1 downsamples). */
function cnnParameters(arch: ModelArch): number {
  if (!isCnn(arch)) return 0;
  const k = arch.numClasses;
  const cin = arch.inChannels;
  if (arch.model === "lenet") return cin * 6 * 25 + 6 + 6 * 16 * 25 + 16 + 400 * 120 + 120 + 120 * 84 + 84 + 84 * k + k;
  const widths = arch.widths ?? [];
  const bn = (c: number) => 4 * c + 1;
  let n = cin * widths[0] * 9 + bn(widths[0]);
  let c = widths[0];
  widths.forEach((w, i) => {
    for (let b = 0; b < (arch.blocks ?? 1); b++) {
      n += c * w * 9 + w * w * 9 + 2 * bn(w);
      if (c !== w || (i > 0 && b === 0)) n += c * w + bn(w);
      c = w;
    }
  });
  return n + c * k + k;
}

/** Optimizer buffers per parameter: SGD's momentum (if any), Adam's two moments. */
function optimizerBuffers(cfg: TrainConfig): { n: number; what: string } {
  if (cfg.optimizer === "sgd") {
    return cfg.momentum > 0
      ? { n: 1, what: "weights, gradients and SGD momentum" }
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
export function checkTrainingFits(cfg: TrainConfig, arch: ModelArch, nTrain: number): void {
  const limit = memoryLimit(cfg.backend);
  const params = parameterCount(arch);
  const opt = optimizerBuffers(cfg);
  const modelBytes = params * 4 * (2 + opt.n);
  // Each hidden layer's output and its gradient (BatchNorm adds its normalised copy), for one batch.
  const batch = Math.min(cfg.batchSize, nTrain);
  const inputSize = isCnn(arch) ? arch.inChannels * arch.imageSize[0] * arch.imageSize[1] : arch.inputSize;
  const hiddenUnits = isCnn(arch) ? cnnActivations(arch) : hiddenWidths(arch) * (arch.batchnorm ? 3 : 2);
  const perExample = inputSize + arch.numClasses + hiddenUnits;
  const batchBytes = batch * perExample * 4 * 2;
  // The training set is copied into a tensor once.
  const dataBytes = nTrain * (inputSize + 1) * 4;
  const total = modelBytes + batchBytes + dataBytes;
  if (total <= limit.bytes) return;
  const over = `needs at least ${gb(total)}, more than ${limit.what}`;
  const shape = isCnn(arch) ? `--model ${arch.model}` : `--hidden ${cfg.hidden.join(",")}`;
  if (modelBytes >= batchBytes && modelBytes >= dataBytes) {
    throw new UsageError(
      `${shape} makes a model of ${count(params)} parameters, ` +
        `whose ${opt.what} take ${gb(modelBytes)} at 4 bytes each: training it ${over}; ` +
        "use narrower or fewer hidden layers",
    );
  }
  if (batchBytes >= dataBytes) {
    throw new UsageError(
      `--batch-size ${cfg.batchSize} with ${shape}: one batch's activations ` +
        `and their gradients take ${gb(batchBytes)}, so training ${over}; use a smaller --batch-size`,
    );
  }
  throw new UsageError(
    `--limit ${cfg.limit}: ${count(nTrain)} training examples take ${gb(dataBytes)}, ` +
      `so training ${over}; use a smaller --limit`,
  );
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
    throw new UsageError(
      `--limit ${cfg.limit} asks for ${count(cfg.limit)} ${cfg.dataset} points, which need at least ` +
        `${gb(bytes)}, more than ${limit.what}; use a smaller --limit`,
    );
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
  arch: ModelArch,
  backend: string,
  source: string,
  opts: { usage?: boolean; fromFile?: boolean } = {},
): void {
  const limit = memoryLimit(backend);
  const params = parameterCount(arch);
  const bytes = params * 4 * (opts.fromFile ? 2 : 1);
  if (bytes <= limit.bytes) return;
  const what = opts.fromFile
    ? `loading it takes ${gb(bytes)} (the file's float32 weights, then the model's copy)`
    : `its float32 weights take ${gb(bytes)}`;
  const msg = `${source} describes a model of ${count(params)} parameters; ${what}, more than ${limit.what}`;
  throw opts.usage ? new UsageError(`${msg}; use narrower or fewer hidden layers`) : new CliError(msg);
}

/** Units over all hidden layers of an MLP. */
const hiddenWidths = (arch: ArchConfig): number => arch.hidden.reduce((s, h) => s + h, 0);
