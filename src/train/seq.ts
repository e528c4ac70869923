/**
 * The training loop behind `gradlab train --model gpt|lstm` (Moby-Dick, chapters 1–120 train,
 * 121–135 validation) and `--dataset names` (makemore's MLP), usable as a function:
 * `trainSequence(config, { outDir })`. Training is step-based (nanoGPT's random blocks); every
 * `evalEvery` steps it measures the validation loss and saves a checkpoint in the same run-folder
 * layout as the MNIST runs (checkpoints/<n>/{model,optimizer}.safetensors + state.json, one
 * "epoch" of state.json being one evaluation interval), so resume, locking and atomic saves are
 * shared with them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  data,
  defaultGenerator,
  F,
  Generator,
  manualSeed,
  models,
  noGrad,
  optim,
  tensor,
  type Tensor,
} from "../index.js";
import { firstNames, mobyDick } from "../data/text_node.js";
import {
  CHECKPOINTS_DIR,
  type EpochMetrics,
  saveCheckpoint,
  type TrainState,
  writeFileAtomic,
} from "../cli/checkpoint.js";
import type { SEQ_MODELS } from "../cli/config.js";
import { UsageError } from "../cli/errors.js";
import { makeRunFolder, removeLeftoverTemps } from "../cli/files.js";
import { acquireRunLock } from "../cli/lock.js";
import { lineChart } from "../cli/report.js";
import { startOrResume } from "./run_start.js";
import { DivergedError, useBackend } from "./train.js";

/** The language models `gradlab train --model` builds (SEQ_MODELS in src/cli/config.ts). */
export type SeqModelName = (typeof SEQ_MODELS)[number];
/** The text datasets. */
export const SEQ_DATASETS = ["moby-dick", "names"] as const;
export type SeqDatasetName = (typeof SEQ_DATASETS)[number];

/** What `config.json` of a language-model run holds (`kind: "sequence"` tells it from an MNIST run). */
export interface SeqConfig {
  kind: "sequence";
  model: SeqModelName;
  dataset: SeqDatasetName;
  /** Optimizer steps in all. */
  steps: number;
  /** Steps between validation losses and checkpoints; `steps` must be a multiple of it. */
  evalEvery: number;
  batchSize: number;
  /** Context length (GPT/LSTM) or context characters (makemore's MLP). */
  blockSize: number;
  /** Transformer blocks (GPT) or stacked LSTM layers. */
  nLayer: number;
  nHead: number;
  /** Residual width (GPT) or embedding width (LSTM, MLP). */
  nEmbd: number;
  /** LSTM hidden units or the MLP's hidden tanh units (unused by the GPT). */
  nHidden: number;
  dropout: number;
  optimizer: "adamw";
  lr: number;
  /** AdamW's decoupled weight decay (PyTorch's default 0.01). */
  weightDecay: number;
  seed: number;
  /** Validate on only the first N blocks / examples (0 = the whole validation set). */
  valBlocks: number;
  backend: string;
  threads: number;
}

/** Per-model defaults: the issue's reference GPT, a char-LSTM, makemore's MLP. */
export const SEQ_DEFAULTS: Record<SeqModelName, Omit<SeqConfig, "backend" | "threads">> = {
  gpt: {
    kind: "sequence",
    model: "gpt",
    dataset: "moby-dick",
    steps: 2000,
    evalEvery: 500,
    batchSize: 12,
    blockSize: 64,
    nLayer: 4,
    nHead: 4,
    nEmbd: 128,
    nHidden: 0,
    dropout: 0,
    optimizer: "adamw",
    lr: 1e-3,
    weightDecay: 0.01,
    seed: 0,
    valBlocks: 0,
  },
  lstm: {
    kind: "sequence",
    model: "lstm",
    dataset: "moby-dick",
    steps: 2000,
    evalEvery: 500,
    batchSize: 12,
    blockSize: 64,
    nLayer: 2,
    nHead: 0,
    nEmbd: 64,
    nHidden: 256,
    dropout: 0,
    optimizer: "adamw",
    lr: 2e-3,
    weightDecay: 0.01,
    seed: 0,
    valBlocks: 0,
  },
  mlp: {
    kind: "sequence",
    model: "mlp",
    dataset: "names",
    steps: 4000,
    evalEvery: 1000,
    batchSize: 32,
    blockSize: 3,
    nLayer: 1,
    nHead: 0,
    nEmbd: 10,
    nHidden: 200,
    dropout: 0,
    optimizer: "adamw",
    lr: 1e-2,
    weightDecay: 0.01,
    seed: 0,
    valBlocks: 0,
  },
};

/** Moby-Dick's honest split: whole chapters on each side. */
export const MOBY_DICK_SPLIT = { train: [1, 120], val: [121, 135] } as {
  train: [number, number];
  val: [number, number];
};

/** Training and validation data of a language-model run: random training batches, fixed validation batches. */
export interface SeqData {
  tokenizer: data.CharTokenizer;
  /** Tokens (Moby-Dick) or examples (names) on each side, for messages. */
  trainSize: number;
  valSize: number;
  /** A random training batch drawn with `gen`: x (B, T) and its targets (B, T), or (B, ctx) → (B). */
  randomBatch(batchSize: number, gen: Generator): [Tensor, Tensor];
  /** The validation set in fixed batches. */
  valBatches(): Iterable<[Tensor, Tensor]>;
}

/** "." starts and ends every name (makemore's convention), so it is token 0. */
export const NAME_BOUNDARY = ".";

/**
 * Loads a run's data: Moby-Dick chapters 1–120 / 121–135 cut into blocks (vocabulary: every
 * character of the book, code-point order, as nanoGPT's `sorted(set(text))`), or the lowercase
 * first names shuffled with the seed and split 80 % / 10 % (makemore's recipe; the last 10 % is
 * its test split, unused here) into (context, next character) examples.
 */
export function loadSeqData(cfg: SeqConfig): SeqData {
  if (cfg.dataset === "moby-dick") {
    const chapters = mobyDick();
    const split = data.splitChapters(chapters, MOBY_DICK_SPLIT);
    const tokenizer = data.CharTokenizer.fromText(data.joinChapters(chapters));
    const train = new data.TokenBlocks(tokenizer.encode(data.joinChapters(split.train)), cfg.blockSize);
    const val = new data.TokenBlocks(tokenizer.encode(data.joinChapters(split.val)), cfg.blockSize);
    const nVal = cfg.valBlocks > 0 ? Math.min(cfg.valBlocks, val.length) : val.length;
    return {
      tokenizer,
      trainSize: train.tokens.length,
      valSize: val.tokens.length,
      randomBatch: (b, gen) => train.randomBatch(b, gen),
      *valBatches() {
        for (let i = 0; i < nVal; i += 64) {
          yield val.getBatch(Int32Array.from({ length: Math.min(64, nVal - i) }, (_, j) => i + j)) as [Tensor, Tensor];
        }
      },
    };
  }
  const names = firstNames().map((s) => s.toLowerCase());
  const gen = new Generator(cfg.seed);
  for (let i = names.length - 1; i > 0; i--) {
    // Fisher–Yates with the run's seed
    const j = gen.int(0, i + 1);
    [names[i], names[j]] = [names[j], names[i]];
  }
  // "." first, then the names' characters in code-point order ("-" sorts before ".", so not fromText's order).
  const tokenizer = new data.CharTokenizer([
    NAME_BOUNDARY,
    ...data.CharTokenizer.fromText(names).vocab.filter((ch) => ch !== NAME_BOUNDARY),
  ]);
  const n1 = Math.floor(0.8 * names.length),
    n2 = Math.floor(0.9 * names.length);
  const examples = (words: string[]): { x: Int32Array; y: Int32Array; n: number } => {
    const xs: number[] = [],
      ys: number[] = [];
    for (const w of words) {
      const ctx = new Array<number>(cfg.blockSize).fill(0);
      for (const id of [...tokenizer.encode(w), 0]) {
        xs.push(...ctx);
        ys.push(id);
        ctx.shift();
        ctx.push(id);
      }
    }
    return { x: Int32Array.from(xs), y: Int32Array.from(ys), n: ys.length };
  };
  const train = examples(names.slice(0, n1)),
    val = examples(names.slice(n1, n2));
  const T = cfg.blockSize;
  const rows = (set: typeof train, ix: ArrayLike<number>): [Tensor, Tensor] => {
    const x = new Int32Array(ix.length * T),
      y = new Int32Array(ix.length);
    for (let r = 0; r < ix.length; r++) {
      x.set(set.x.subarray(ix[r] * T, ix[r] * T + T), r * T);
      y[r] = set.y[ix[r]];
    }
    return [tensor(x, { shape: [ix.length, T], dtype: "int32" }), tensor(y, { dtype: "int32" })];
  };
  const nVal = cfg.valBlocks > 0 ? Math.min(cfg.valBlocks, val.n) : val.n;
  return {
    tokenizer,
    trainSize: train.n,
    valSize: val.n,
    randomBatch: (b, g) =>
      rows(
        train,
        Array.from({ length: b }, () => g.int(0, train.n)),
      ),
    *valBatches() {
      for (let i = 0; i < nVal; i += 4096)
        yield rows(
          val,
          Array.from({ length: Math.min(4096, nVal - i) }, (_, j) => i + j),
        );
    },
  };
}

/** The model a config describes (weights from the global generator: seed it first). */
export function buildSeqModel(cfg: SeqConfig, vocabSize: number): models.LanguageModel {
  if (cfg.model === "gpt") {
    return models.gpt({
      vocabSize,
      blockSize: cfg.blockSize,
      nLayer: cfg.nLayer,
      nHead: cfg.nHead,
      nEmbd: cfg.nEmbd,
      dropout: cfg.dropout,
    });
  }
  if (cfg.model === "lstm") {
    return models.charLstm({
      vocabSize,
      blockSize: cfg.blockSize,
      embeddingDim: cfg.nEmbd,
      hiddenSize: cfg.nHidden,
      numLayers: cfg.nLayer,
      dropout: cfg.dropout,
    });
  }
  return models.makemoreMlp({ vocabSize, blockSize: cfg.blockSize, nEmbd: cfg.nEmbd, nHidden: cfg.nHidden });
}

/** Mean cross-entropy (nats per token) of `model` over `batches`, in eval mode, without gradients. */
export function sequenceLoss(model: models.LanguageModel, batches: Iterable<[Tensor, Tensor]>): number {
  const was = model.training;
  model.eval();
  let sum = 0,
    count = 0;
  noGrad(() => {
    for (const [x, y] of batches) {
      const logits = model(x) as Tensor;
      sum += F.crossEntropy(logits.reshape([-1, model.vocabSize]), y.reshape([-1]), { reduction: "sum" }).item();
      count += y.numel();
    }
  });
  model.train(was);
  return sum / count;
}

/** Progress of one step. */
export interface SeqStepInfo {
  step: number;
  steps: number;
  loss: number;
  tokensPerSec: number;
}

/** One evaluation interval's row (metrics.jsonl; `epoch` counts intervals, `step` the steps done). */
export interface SeqMetrics extends EpochMetrics {
  step: number;
  tokensPerSec: number;
}

export interface SeqTrainOptions {
  outDir: string;
  resume?: boolean;
  signal?: AbortSignal;
  onStart?(info: { params: number; vocabSize: number; trainSize: number; valSize: number; fromStep: number }): void;
  onStep?(info: SeqStepInfo): void;
  onEval?(m: SeqMetrics): void;
}

export interface SeqTrainResult {
  status: "done" | "interrupted";
  history: SeqMetrics[];
  model: models.LanguageModel;
  tokenizer: data.CharTokenizer;
  state: TrainState;
  /** Training tokens per second over this process's steps (the forward, backward and update only). */
  tokensPerSec: number;
}

/** The checkpoint metadata that makes a model file self-describing (model kind, sizes, vocabulary). */
export function seqMetadata(cfg: SeqConfig, tokenizer: data.CharTokenizer): Record<string, string> {
  const { model, blockSize, nLayer, nHead, nEmbd, nHidden, dropout } = cfg;
  return {
    gradlab_seq: JSON.stringify({ model, blockSize, nLayer, nHead, nEmbd, nHidden, dropout }),
    gradlab_vocab: JSON.stringify(tokenizer.vocab),
  };
}

/** Steps a checkpoint folder's state.json says were trained (0 when unreadable: loadCheckpoint names the problem). */
function stepsDone(checkpointDir: string, evalEvery: number): number {
  try {
    const st = JSON.parse(readFileSync(join(checkpointDir, "state.json"), "utf8")) as {
      epoch?: unknown;
      step?: unknown;
    };
    return typeof st.epoch === "number" && typeof st.step === "number" ? st.epoch * evalEvery + st.step : 0;
  } catch {
    return 0;
  }
}

const tokensPerStep = (cfg: SeqConfig): number => cfg.batchSize * (cfg.model === "mlp" ? 1 : cfg.blockSize);

/**
 * Trains a language model into run folder `outDir` (or continues the one there with `resume`),
 * validating and checkpointing every `evalEvery` steps; a resumed run continues to the numbers an
 * uninterrupted one reaches (the batch generator is replayed from the interval's start).
 */
export async function trainSequence(cfg: SeqConfig, opts: SeqTrainOptions): Promise<SeqTrainResult> {
  const dir = opts.outDir;
  await useBackend(cfg.backend, cfg.threads);
  const d = loadSeqData(cfg);
  const V = d.tokenizer.vocabSize;
  manualSeed(cfg.seed);
  const model = buildSeqModel(cfg, V);
  const opt = new optim.AdamW(model.parameters(), { lr: cfg.lr, weightDecay: cfg.weightDecay });
  const modelMeta = seqMetadata(cfg, d.tokenizer);
  const recorded = { ...cfg, vocab: [...d.tokenizer.vocab] };
  if (!opts.resume) await makeRunFolder(dir);
  const release = await acquireRunLock(dir);
  try {
    await removeLeftoverTemps(dir, [CHECKPOINTS_DIR]);
    const intervals = cfg.steps / cfg.evalEvery;
    // What a checkpoint remembers of the config (all but what a resume may change).
    const { steps: _s, threads: _t, ...runSettings } = recorded;
    const batchGen = new Generator((cfg.seed + 1) >>> 0);
    const { st, found } = await startOrResume(dir, {
      resume: !!opts.resume,
      model,
      opt,
      modelMeta,
      checkpointEvery: "evaluation interval",
      loaderRngAtStart: batchGen.getState(),
      resumeContext: { stepsPerEpoch: cfg.evalEvery, config: { ...runSettings, epochs: intervals } },
      beforeLoad(ref) {
        const done = stepsDone(ref.dir, cfg.evalEvery);
        if (done > cfg.steps) {
          throw new UsageError(
            `the run in ${dir} has already trained ${done} steps; --steps ${cfg.steps} would undo ` +
              `them — ask for ${done} or more`,
          );
        }
      },
    });
    let seq = found?.seq ?? 0;
    const params = model.parameters().reduce((n, p) => n + p.numel(), 0);
    opts.onStart?.({ params, vocabSize: V, trainSize: d.trainSize, valSize: d.valSize, fromStep: st.globalStep });
    await writeFileAtomic(join(dir, "config.json"), JSON.stringify(recorded, null, 2) + "\n");
    const save = (interrupted: boolean) => {
      st.interrupted = interrupted;
      st.globalRng = defaultGenerator.getState();
      const { optimizer: _o, checkpointId: _id, ...rest } = st;
      return saveCheckpoint(
        dir,
        ++seq,
        model,
        opt,
        { ...rest, config: { ...runSettings, epochs: intervals } },
        modelMeta,
      );
    };
    const history = st.history as SeqMetrics[];
    let trainMs = 0,
      trainSteps = 0;
    const result = (status: "done" | "interrupted"): SeqTrainResult => ({
      status,
      history,
      model,
      tokenizer: d.tokenizer,
      state: st,
      tokensPerSec: trainSteps ? (trainSteps * tokensPerStep(cfg)) / (trainMs / 1000) : 0,
    });
    for (; st.epoch < intervals; st.epoch++) {
      // Replaying the batch generator from the interval's start redraws the same batches after a resume.
      batchGen.setState(st.loaderRngAtEpochStart as number[]);
      for (let i = 0; i < st.step; i++) d.randomBatch(cfg.batchSize, batchGen);
      model.train();
      const t0 = performance.now();
      while (st.step < cfg.evalEvery) {
        const s0 = performance.now();
        const [x, y] = d.randomBatch(cfg.batchSize, batchGen);
        const logits = model(x) as Tensor;
        const loss = F.crossEntropy(logits.reshape([-1, V]), y.reshape([-1]));
        opt.zeroGrad();
        loss.backward();
        opt.step();
        const lv = loss.item();
        trainMs += performance.now() - s0;
        trainSteps++;
        if (!Number.isFinite(lv)) {
          throw new DivergedError(
            `loss became ${lv} at step ${st.globalStep + 1}; is the learning rate too high? ` +
              `Try a smaller --lr than ${cfg.lr}. ${
                st.history.length
                  ? `The checkpoint of step ${st.globalStep - st.step} ` + `is kept in ${dir}`
                  : "No checkpoint was saved"
              }.`,
          );
        }
        st.epochLossSum += lv;
        st.epochLossCount++;
        st.step++;
        st.globalStep++;
        opts.onStep?.({
          step: st.globalStep,
          steps: cfg.steps,
          loss: st.epochLossSum / st.epochLossCount,
          tokensPerSec: (trainSteps * tokensPerStep(cfg)) / (trainMs / 1000),
        });
        await new Promise<void>((r) => setImmediate(r)); // lets a signal handler run
        if (opts.signal?.aborted && st.step < cfg.evalEvery) {
          st.epochTime += (performance.now() - t0) / 1000;
          await save(true);
          return result("interrupted");
        }
      }
      const valLoss = sequenceLoss(model, d.valBatches());
      if (!Number.isFinite(valLoss)) {
        throw new DivergedError(
          `the validation loss became ${valLoss} at step ${st.globalStep}; try a smaller --lr ` + `than ${cfg.lr}`,
        );
      }
      const m: SeqMetrics = {
        epoch: st.epoch + 1,
        step: st.globalStep,
        trainLoss: st.epochLossSum / st.epochLossCount,
        valLoss,
        valAcc: null,
        time: st.epochTime + (performance.now() - t0) / 1000,
        lr: opt.paramGroups[0].lr,
        tokensPerSec: (trainSteps * tokensPerStep(cfg)) / (trainMs / 1000),
      };
      history.push(m);
      st.step = 0;
      st.epochLossSum = 0;
      st.epochLossCount = 0;
      st.epochTime = 0;
      st.loaderRngAtEpochStart = batchGen.getState();
      const last = st.epoch + 1 === intervals;
      const cur = st.epoch;
      st.epoch = cur + 1;
      st.done = last;
      await save(Boolean(opts.signal?.aborted) && !last);
      st.epoch = cur;
      await writeFileAtomic(join(dir, "metrics.jsonl"), history.map((h) => JSON.stringify(h)).join("\n") + "\n");
      opts.onEval?.(m);
      if (opts.signal?.aborted && !last) {
        st.epoch = cur + 1;
        return result("interrupted");
      }
    }
    const sample = sampleText(model, d.tokenizer, cfg, {
      prompt: cfg.dataset === "names" ? "" : "Call me",
      tokens: 300,
      temperature: 0.8,
      seed: 0,
    });
    await writeFileAtomic(join(dir, "report.html"), seqReport(cfg, history, sample));
    return result("done");
  } finally {
    release();
  }
}

/** Options of {@link sampleText}. */
export interface SampleTextOptions {
  prompt: string;
  tokens: number;
  temperature: number;
  topK?: number | null;
  seed: number;
}

/**
 * Text from a trained model: the prompt continued by `tokens` characters (Moby-Dick), or, for
 * names, names one per line (each started by the prompt) until `tokens` characters are written.
 * A prompt character outside the vocabulary is an error naming it.
 */
export function sampleText(
  model: models.LanguageModel,
  tok: data.CharTokenizer,
  cfg: Pick<SeqConfig, "dataset">,
  o: SampleTextOptions,
): string {
  const missing = [...new Set([...o.prompt].filter((ch) => !tok.vocab.includes(ch)))];
  if (missing.length) {
    throw new UsageError(
      `--prompt has ${missing.map((c) => JSON.stringify(c)).join(", ")}, which the model never saw ` +
        `(its ${tok.vocabSize} characters: ${JSON.stringify(tok.vocab.join(""))}); leave ${missing.length > 1 ? "them" : "it"} out`,
    );
  }
  const generator = new Generator(o.seed);
  const gopts = { temperature: o.temperature, topK: o.topK ?? null, generator };
  if (cfg.dataset !== "names") {
    if (o.prompt.length === 0) throw new UsageError("--prompt must have at least one character to continue from");
    return o.prompt + tok.decode(models.generate(model, tok.encode(o.prompt), o.tokens, gopts));
  }
  if (o.prompt.includes(NAME_BOUNDARY))
    throw new UsageError(`--prompt cannot contain "${NAME_BOUNDARY}": it ends a name`);
  const lines: string[] = [];
  let written = 0;
  while (written < o.tokens) {
    const ids = models.generate(model, tok.encode(o.prompt), Math.min(50, o.tokens - written), {
      ...gopts,
      stopToken: 0,
    });
    written += ids.length;
    lines.push(o.prompt + tok.decode(ids.filter((i) => i !== 0)));
  }
  return lines.join("\n");
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** report.html of a language-model run: loss curves per evaluation interval, the settings and a sample. */
export function seqReport(cfg: SeqConfig, history: SeqMetrics[], sample: string): string {
  const chart = lineChart("loss (nats per character) at each evaluation", [
    { name: "train", color: "#1f77b4", values: history.map((h) => h.trainLoss) },
    { name: "validation", color: "#d62728", values: history.map((h) => h.valLoss) },
  ]);
  const rows = history
    .map(
      (h) =>
        `<tr><td>${h.step}</td><td>${h.trainLoss.toFixed(4)}</td>` +
        `<td>${h.valLoss?.toFixed(4)}</td><td>${Math.round(h.tokensPerSec)}</td></tr>`,
    )
    .join("");
  return `<!doctype html><meta charset="utf-8"><title>gradlab ${cfg.model} on ${cfg.dataset}</title>
<style>body{font:14px system-ui,sans-serif;max-width:900px;margin:2em auto}td,th{padding:2px 10px;text-align:right}
pre{white-space:pre-wrap;background:#f6f6f6;padding:1em}</style>
<h1>${cfg.model} on ${cfg.dataset}</h1><p>${esc(JSON.stringify(cfg))}</p>${chart}
<table><tr><th>step</th><th>train loss</th><th>val loss</th><th>tokens/s</th></tr>${rows}</table>
<h2>Sample (temperature 0.8, seed 0)</h2><pre>${esc(sample)}</pre>
`;
}
