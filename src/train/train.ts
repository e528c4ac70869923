/**
 * The training loop behind `gradlab train`, usable as a function: `train(config, { outDir, ... })`.
 * It checkpoints every epoch, stops cleanly (checkpoint + `status: "interrupted"`) when `signal`
 * aborts, resumes to bit-identical numbers, and refuses to continue once the loss is not finite.
 */
import { join } from "node:path";
import {
  data,
  defaultGenerator,
  F,
  listBackends,
  manualSeed,
  nn,
  noGrad,
  optim,
  setBackend,
  setNumThreadsAsync,
  type Tensor,
  tensor,
} from "../index.js";
import { checkSyntheticFits, checkTrainingFits } from "../cli/budget.js";
import { type ModelArch, recordedConfig, type TrainConfig } from "../cli/config.js";
import {
  CHECKPOINTS_DIR,
  type EpochMetrics,
  saveCheckpoint,
  type TrainState,
  writeFileAtomic,
} from "../cli/checkpoint.js";
import { loadData, type LoadedData, type Split } from "../cli/datasets.js";
import { CliError } from "../cli/errors.js";
import { makeRunFolder, readJsonFile, removeLeftoverTemps } from "../cli/files.js";
import { acquireRunLock } from "../cli/lock.js";
import { buildModel, cnnArch, exampleShape } from "../cli/model.js";
import { writeReport } from "../cli/report.js";
import { startOrResume } from "./run_start.js";

export type { EpochMetrics } from "../cli/checkpoint.js";

/** Progress of one optimizer step, for progress bars. */
export interface StepInfo {
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  loss: number;
  examplesPerSec: number;
}

export interface TrainOptions {
  /** The run folder (created if needed). */
  outDir: string;
  /** Continue from the checkpoint in `outDir` instead of starting afresh. */
  resume?: boolean;
  /** Aborting it finishes the current step, saves a resumable checkpoint and returns `status: "interrupted"`. */
  signal?: AbortSignal;
  onEpochStart?(epoch: number, epochs: number, steps: number): void;
  onStep?(info: StepInfo): void;
  /** Called after each epoch's checkpoint; `ctx` exposes the live model and optimizer (e.g. for plots). */
  onEpoch?(m: EpochMetrics, ctx: { model: nn.Sequential; optimizer: optim.Optimizer<{ lr: number }> }): void;
  /** Data already loaded (tests reuse it across runs); otherwise `loadData(config)`. */
  data?: LoadedData;
  /**
   * Called once data, model and (on resume) checkpoint are loaded and checked, and the run
   * folder is locked: everything that could refuse the run has passed, and training starts.
   */
  onStart?(): void;
}

/** Test-set results: accuracy, confusion matrix and the most confident mistakes. */
export interface EvalResult {
  loss: number;
  accuracy: number;
  n: number;
  /** confusion[label][prediction] counts. */
  confusion: number[][];
  /** Misclassified examples, worst (highest loss) first, at most 24. */
  worst: Array<{ index: number; label: number; pred: number; prob: number }>;
}

export interface TrainResult {
  status: "done" | "interrupted";
  history: EpochMetrics[];
  test?: EvalResult;
  model: nn.Sequential;
  state: TrainState;
}

/** Raised when the loss stops being a finite number. */
export class DivergedError extends CliError {
  override name = "DivergedError";
}

/**
 * Selects the compute backend (and, for wasm, its thread count; 0 keeps the default). webgpu
 * requests a GPU device first: without an adapter this is the one-line CliError saying why.
 */
export async function useBackend(name: string, threads: number): Promise<void> {
  if (name === "webgpu") {
    try {
      await setBackend("webgpu");
    } catch (e) {
      // Node without a GPU driver, or without the optional package `webgpu`: the reason and the fix in one line.
      throw new CliError(`--device webgpu: ${(e as Error).message.split("\n")[0]}`);
    }
    return;
  }
  if (!listBackends().includes(name)) {
    throw new CliError(
      `the ${name} backend is not available here (this engine has no WebAssembly SIMD); use --backend js`,
    );
  }
  await setBackend(name);
  if (name === "wasm" && threads > 0) await setNumThreadsAsync(threads);
}

/** The architecture a config trains. */
export function archOf(cfg: TrainConfig, d: { inputSize: number; numClasses: number }): ModelArch {
  if (cfg.model !== "mlp") return cnnArch(cfg.model, d.numClasses);
  return {
    inputSize: d.inputSize,
    numClasses: d.numClasses,
    hidden: cfg.hidden,
    activation: cfg.activation,
    dropout: cfg.dropout,
    batchnorm: cfg.batchnorm,
  };
}

function makeOptimizer(cfg: TrainConfig, model: nn.Module): optim.Optimizer<{ lr: number }> {
  const params = model.parameters();
  if (cfg.optimizer === "sgd")
    return new optim.SGD(params, { lr: cfg.lr, momentum: cfg.momentum, weightDecay: cfg.weightDecay });
  // For Adam the momentum flag is β1; 0.9 is also Adam's default.
  const opts = {
    lr: cfg.lr,
    betas: [cfg.momentum, 0.999] as [number, number],
    ...(cfg.weightDecay ? { weightDecay: cfg.weightDecay } : {}),
  };
  return cfg.optimizer === "adam" ? new optim.Adam(params, opts) : new optim.AdamW(params, opts);
}

/**
 * The config's learning-rate schedule on `opt`, or null for a constant lr: OneCycleLR peaks at
 * `cfg.lr` and spans every step of the run (`cfg.epochs` × `steps`), stepped after each batch.
 */
function makeScheduler(
  cfg: TrainConfig,
  opt: optim.Optimizer<{ lr: number }>,
  steps: number,
): optim.lrScheduler.LRScheduler | null {
  if (cfg.scheduler === "none") return null;
  return new optim.lrScheduler.OneCycleLR(opt, { maxLr: cfg.lr, totalSteps: cfg.epochs * steps });
}

/** Options for {@link evaluate}. */
export interface EvaluateOptions {
  /** Also fill the confusion matrix and the worst mistakes. Default false. */
  detail?: boolean;
  /** Examples per forward pass. Default 1000. */
  batch?: number;
  /** One example's shape as the model takes it, e.g. [1, 28, 28] for a CNN. Default [features]. */
  shape?: number[];
}

/** Lets pending signals (Ctrl-C) be delivered between steps of the synchronous compute. */
const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));

/** Per-example losses and predicted classes of examples [s, e) of `split` (no graph). */
function evalBatch(
  model: nn.Module,
  split: Split,
  s: number,
  e: number,
  features: number,
  shape: number[],
): { losses: Tensor; preds: Tensor } {
  return noGrad(() => {
    const xb = tensor(split.x.subarray(s * features, e * features), { shape: [e - s, ...shape] });
    const yb = tensor(split.y.subarray(s, e), { dtype: "int32" });
    const logits = model(xb);
    return { losses: F.crossEntropy(logits, yb, { reduction: "none" }), preds: logits.argmax(1) };
  });
}

/**
 * Loss and accuracy of `model` on `split` (eval mode, no graph), with per-example detail if asked.
 * Reads synchronously: the model is on the cpu (see {@link evaluateAsync} for webgpu).
 */
export function evaluate(model: nn.Module, split: Split, numClasses: number, opts: EvaluateOptions = {}): EvalResult {
  const run = evalRun(model, split, numClasses, opts);
  try {
    for (const b of run.batches()) {
      const { losses, preds } = evalBatch(model, split, b.s, b.e, run.features, run.shape);
      run.add(b.s, losses.dataSync(), preds.dataSync());
    }
  } finally {
    run.restore();
  }
  return run.result();
}

/** {@link evaluate} for a model on any device: awaits each batch's results (the only read on webgpu). */
export async function evaluateAsync(
  model: nn.Module,
  split: Split,
  numClasses: number,
  opts: EvaluateOptions = {},
): Promise<EvalResult> {
  const run = evalRun(model, split, numClasses, opts);
  try {
    for (const b of run.batches()) {
      const { losses, preds } = evalBatch(model, split, b.s, b.e, run.features, run.shape);
      run.add(b.s, await losses.data(), await preds.data());
    }
  } finally {
    run.restore();
  }
  return run.result();
}

/** The bookkeeping evaluate and evaluateAsync share: batch bounds, the tally, eval mode on and back off. */
function evalRun(model: nn.Module, split: Split, numClasses: number, opts: EvaluateOptions) {
  const { detail = false, batch = 1000 } = opts;
  const features = split.x.length / Math.max(split.n, 1);
  const shape = opts.shape ?? [features];
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  const mistakes: EvalResult["worst"] = [];
  let lossSum = 0;
  let correct = 0;
  const wasTraining = model.training;
  model.eval();
  return {
    features,
    shape,
    *batches(): Generator<{ s: number; e: number }> {
      for (let s = 0; s < split.n; s += batch) yield { s, e: Math.min(split.n, s + batch) };
    },
    add(s: number, losses: ArrayLike<number>, preds: ArrayLike<number>): void {
      for (let i = 0; i < losses.length; i++) {
        lossSum += losses[i];
        const pred = preds[i];
        const label = split.y[s + i];
        if (pred === label) correct++;
        else if (detail) mistakes.push({ index: s + i, label, pred, prob: Math.exp(-losses[i]) });
        if (detail && label >= 0 && label < numClasses) confusion[label][pred]++;
      }
    },
    restore(): void {
      model.train(wasTraining);
    },
    result(): EvalResult {
      mistakes.sort((a, b) => a.prob - b.prob);
      return {
        loss: lossSum / Math.max(split.n, 1),
        accuracy: correct / Math.max(split.n, 1),
        n: split.n,
        confusion,
        worst: mistakes.slice(0, 24),
      };
    },
  };
}

function metricsJsonl(history: EpochMetrics[], test?: EvalResult): string {
  const lines = history.map((h) => JSON.stringify({ split: "train", ...h }));
  if (test) lines.push(JSON.stringify({ split: "test", loss: test.loss, accuracy: test.accuracy, n: test.n }));
  return lines.map((l) => l + "\n").join("");
}

/**
 * Trains the model (an MLP or a CNN) `config` says, writing the run folder `opts.outDir`: `config.json`,
 * `model.safetensors`, `metrics.jsonl`, the resumable checkpoint `checkpoints/<n>/` and, when done,
 * `report.html`. The folder is locked (`train.lock`) while it runs: a second run on it is refused.
 *
 * @returns `status: "done"` with test results, or `"interrupted"` after a checkpoint when `signal` aborted.
 * @throws DivergedError when the loss becomes NaN or infinite (the last epoch's checkpoint is kept).
 */
export async function train(config: TrainConfig, opts: TrainOptions): Promise<TrainResult> {
  const cfg = config;
  const dir = opts.outDir;
  await useBackend(cfg.backend, cfg.threads);
  if (!opts.data) checkSyntheticFits(cfg);
  const d = opts.data ?? loadData(cfg);
  const arch = archOf(cfg, d);
  // Before anything is built: a model that cannot fit is refused in the words of its flag.
  checkTrainingFits(cfg, arch, d.train.n);
  manualSeed(cfg.seed);
  const model = buildModel(arch, cfg.init);
  const opt = makeOptimizer(cfg, model);
  // The loader has its own generator so the batch order does not depend on how many dropout masks were drawn.
  // A CNN sees each 784-pixel row as a (1, 28, 28) image.
  const loader = new data.DataLoader(
    new data.TensorDataset(
      tensor(d.train.x, { shape: [d.train.n, ...exampleShape(arch)] }),
      tensor(d.train.y, { dtype: "int32" }),
    ),
    { batchSize: cfg.batchSize, shuffle: true, seed: (cfg.seed + 1) >>> 0 },
  );
  const steps = loader.length;
  const scheduler = makeScheduler(cfg, opt, steps);
  const modelMeta = { gradlab_arch: JSON.stringify(arch) };
  // What config.json records: the validation size actually held out (the synthetic sets always keep 15%).
  const recorded = { ...recordedConfig(cfg), valSize: d.val.n, arch };

  // The folder appears only once data and model are ready: a run refused for its flags or files
  // leaves nothing behind. From here on it is locked: one run per folder.
  if (!opts.resume) await makeRunFolder(dir);
  const release = await acquireRunLock(dir);
  try {
    return await trainLocked({ cfg, opts, d, arch, model, opt, scheduler, loader, steps, modelMeta, recorded });
  } finally {
    release();
  }
}

/** What train() has set up before it locks the run folder. */
interface Prepared {
  cfg: TrainConfig;
  opts: TrainOptions;
  d: LoadedData;
  arch: ModelArch;
  model: nn.Sequential;
  opt: optim.Optimizer<{ lr: number }>;
  /** The learning-rate schedule, stepped after every batch; null for a constant lr. */
  scheduler: optim.lrScheduler.LRScheduler | null;
  loader: data.DataLoader;
  steps: number;
  modelMeta: Record<string, string>;
  /** What config.json records (a CNN's without the MLP-only fields). */
  recorded: Record<string, unknown> & Pick<TrainConfig, "epochs" | "optimizer"> & { arch: ModelArch };
}

/** train() with the run folder locked: sweep leftovers, start or resume the checkpoint, run the epochs. */
async function trainLocked(p: Prepared): Promise<TrainResult> {
  const { cfg, opts, d, arch, model, opt, scheduler, loader, steps, modelMeta, recorded } = p;
  const shape = exampleShape(arch);
  const dir = opts.outDir;
  // What each checkpoint remembers of the config, to tell a resume whether config.json was edited.
  const { epochs: _e, threads: _t, arch: _a, ...runSettings } = recorded;
  // What a killed process left mid-save: its temporary files and uncommitted checkpoint folders.
  await removeLeftoverTemps(dir, [CHECKPOINTS_DIR]);
  const { st, found } = await startOrResume(dir, {
    resume: !!opts.resume,
    model,
    opt,
    modelMeta,
    checkpointEvery: "epoch",
    loaderRngAtStart: loader.generator.getState(),
    // The schedule is brought to the saved step before the optimizer's settings are compared with the saved ones.
    resumeContext: { stepsPerEpoch: steps, config: recorded, atStep: scheduler ? (n) => scheduler.step(n) : undefined },
  });
  let seq = found?.seq ?? 0;
  opts.onStart?.();
  await writeFileAtomic(join(dir, "config.json"), JSON.stringify(recorded, null, 2) + "\n");
  const save = (interrupted: boolean) => {
    st.interrupted = interrupted;
    st.globalRng = defaultGenerator.getState();
    const { optimizer: _o, checkpointId: _id, ...rest } = st;
    return saveCheckpoint(dir, ++seq, model, opt, { ...rest, config: runSettings }, modelMeta);
  };
  let lastFinite = st.history.length ? st.history[st.history.length - 1].trainLoss : NaN;
  for (; st.epoch < cfg.epochs; st.epoch++) {
    // Replaying the generator from the epoch's start redraws the same order after a resume.
    loader.generator.setState(st.loaderRngAtEpochStart as number[]);
    const order = loader.epochOrder();
    opts.onEpochStart?.(st.epoch, cfg.epochs, steps);
    model.train();
    let t0 = performance.now();
    let seen = 0;
    for (const [xb, yb] of loader.batches(order, st.step)) {
      const loss = F.crossEntropy(model(xb), yb);
      // Awaited, not item(): on webgpu reads are asynchronous (the one rule of a training loop there).
      const lv = await loss.itemAsync();
      if (!Number.isFinite(lv)) {
        const kept = st.history.length
          ? `the checkpoint of epoch ${st.history.length} is kept in ${dir}`
          : "no epoch had finished, so no checkpoint was saved";
        throw new DivergedError(
          `loss became ${lv} at epoch ${st.epoch + 1}, step ${st.step + 1} (last finite loss ${Number.isNaN(lastFinite) ? "none" : lastFinite.toFixed(4)}); is the learning rate too high? Try a smaller --lr than ${cfg.lr}. ${kept[0].toUpperCase()}${kept.slice(1)}.`,
        );
      }
      lastFinite = lv;
      opt.zeroGrad();
      loss.backward();
      opt.step();
      scheduler?.step();
      st.epochLossSum += lv;
      st.epochLossCount++;
      st.step++;
      st.globalStep++;
      seen += xb.shape[0];
      const elapsed = st.epochTime + (performance.now() - t0) / 1000;
      opts.onStep?.({
        epoch: st.epoch,
        epochs: cfg.epochs,
        step: st.step,
        steps,
        loss: st.epochLossSum / st.epochLossCount,
        examplesPerSec: seen / Math.max((performance.now() - t0) / 1000, 1e-9),
      });
      await yieldToEventLoop();
      if (opts.signal?.aborted && st.step < steps) {
        st.epochTime = elapsed;
        await save(true);
        return { status: "interrupted", history: st.history, model, state: st };
      }
    }
    const time = st.epochTime + (performance.now() - t0) / 1000;
    const val = d.val.n ? await evaluateAsync(model, d.val, d.numClasses, { shape }) : null;
    // The epoch's last update may itself blow the weights up: never save (or report) such a model.
    if (!(await parametersFinite(model)) || (val && !Number.isFinite(val.loss))) {
      const kept = st.history.length
        ? `The checkpoint of epoch ${st.history.length} in ${dir} is kept`
        : "No checkpoint was saved";
      const what =
        val && !Number.isFinite(val.loss)
          ? `the validation loss became ${val.loss}`
          : "the weights became NaN or infinite";
      throw new DivergedError(
        `${what} after epoch ${st.epoch + 1} (last finite training loss ${lastFinite.toFixed(4)}); is the learning rate too high? Try a smaller --lr than ${cfg.lr}. ${kept}.`,
      );
    }
    const m: EpochMetrics = {
      epoch: st.epoch + 1,
      trainLoss: st.epochLossSum / Math.max(st.epochLossCount, 1),
      valLoss: val?.loss ?? null,
      valAcc: val?.accuracy ?? null,
      time,
      lr: opt.paramGroups[0].lr,
    };
    st.history.push(m);
    st.step = 0;
    st.epochLossSum = 0;
    st.epochLossCount = 0;
    st.epochTime = 0;
    st.loaderRngAtEpochStart = loader.generator.getState();
    const last = st.epoch + 1 === cfg.epochs;
    // Saved as the next epoch's start so a resume begins there; a Ctrl-C during the last step of an epoch lands here too.
    const next = st.epoch + 1;
    const { epoch: cur } = st;
    st.epoch = next;
    st.done = last;
    await save(Boolean(opts.signal?.aborted) && !last);
    st.epoch = cur;
    await writeFileAtomic(join(dir, "metrics.jsonl"), metricsJsonl(st.history));
    opts.onEpoch?.(m, { model, optimizer: opt });
    t0 = performance.now();
    if (opts.signal?.aborted && !last) {
      st.epoch = next;
      return { status: "interrupted", history: st.history, model, state: st };
    }
  }
  const test = await evaluateAsync(model, d.test, d.numClasses, { detail: true, shape });
  await writeFileAtomic(join(dir, "metrics.jsonl"), metricsJsonl(st.history, test));
  await writeReport(join(dir, "report.html"), {
    config: cfg,
    arch,
    history: st.history,
    test,
    testSplit: d.test,
    imageShape: d.imageShape,
  });
  return { status: "done", history: st.history, test, model, state: st };
}

/** config.json is a few hundred bytes; anything near this is not one gradlab wrote. */
const CONFIG_MAX_BYTES = 2 ** 20;

/** Reads a run folder's config.json (a regular file of at most 1 MB of JSON). */
export async function readRunConfig(dir: string): Promise<TrainConfig & { arch?: unknown }> {
  const p = join(dir, "config.json");
  const missing = `${dir} is not a gradlab run folder (no config.json)`;
  const v = readJsonFile(p, { maxBytes: CONFIG_MAX_BYTES, what: "config files", missing });
  return v as TrainConfig & { arch?: unknown };
}

async function parametersFinite(model: nn.Module): Promise<boolean> {
  for (const p of model.parameters()) if (!(await p.data()).every(Number.isFinite)) return false;
  return true;
}
