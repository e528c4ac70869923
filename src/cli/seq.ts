/**
 * The language-model side of the CLI: `gradlab train --model gpt|lstm` (Moby-Dick) and
 * `--dataset names` (makemore's MLP), and `gradlab generate RUN`. Flags are checked here, in the
 * words of the flag; the training itself is `trainSequence` (src/train/seq.ts).
 */
import { join } from "node:path";
import { data, getBackend, manualSeed } from "../index.js";
import { shortJson } from "../io/json_depth.js";
import { exportGptOnnx } from "../io/onnx_gpt.js";
import {
  buildSeqModel,
  SEQ_DATASETS,
  SEQ_DEFAULTS,
  type SeqConfig,
  type SeqDatasetName,
  type SeqModelName,
  sampleText,
} from "../train/seq.js";
import { readRunConfig } from "../train/train.js";
import { loadIntoModel, readTensors } from "./checkpoint.js";
import { CPU_BACKENDS, DATASETS, MODELS, parseChoice, parseNumber, SEQ_MODELS } from "./config.js";
import { CliError, UsageError } from "./errors.js";

/** Flags only language models take (camelCase, as commander names them). */
export const SEQ_ONLY_FLAGS = [
  "steps",
  "evalEvery",
  "blockSize",
  "nLayer",
  "nHead",
  "nEmbd",
  "nHidden",
  "valBlocks",
] as const;
/** Flags only the MNIST classifiers take. */
const CLASSIFIER_ONLY_FLAGS = [
  "epochs",
  "hidden",
  "activation",
  "batchnorm",
  "init",
  "momentum",
  "valSize",
  "limit",
  "dataDir",
] as const;

const flagName = (k: string) => "--" + k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());

export type SeqFlags = Partial<Record<keyof SeqConfig | (typeof CLASSIFIER_ONLY_FLAGS)[number], string | boolean>>;

/** Whether these train flags ask for a language model (by --model or by a text --dataset). */
export function wantsSequenceModel(f: { model?: unknown; dataset?: unknown }): boolean {
  return (
    ((SEQ_MODELS as readonly unknown[]).includes(f.model) && f.model !== "mlp") ||
    (SEQ_DATASETS as readonly unknown[]).includes(f.dataset)
  );
}

/**
 * The language model and text dataset the flags ask for: --model gpt/lstm default to moby-dick,
 * --dataset names to makemore's MLP, --dataset moby-dick to the GPT; mismatches are usage errors.
 */
function modelAndDataset(f: SeqFlags): { model: SeqModelName; dataset: SeqDatasetName } {
  const model = typeof f.model === "string" ? parseChoice("--model", f.model, MODELS) : undefined;
  const ds =
    typeof f.dataset === "string" ? parseChoice("--dataset", f.dataset, [...DATASETS, ...SEQ_DATASETS]) : undefined;
  if (ds !== undefined && !(SEQ_DATASETS as readonly string[]).includes(ds)) {
    throw new UsageError(
      `--model ${model} trains on text: use --dataset moby-dick (or drop --dataset); ` +
        `${ds} is for the classifiers (--model mlp)`,
    );
  }
  if (model !== undefined && !(SEQ_MODELS as readonly string[]).includes(model)) {
    throw new UsageError(
      `--dataset ${ds} is text, and --model ${model} classifies images; use --model gpt or lstm ` +
        "(moby-dick), or mlp (names, makemore's MLP)",
    );
  }
  const m = (model ?? (ds === "names" ? "mlp" : "gpt")) as SeqModelName;
  const d = (ds ?? SEQ_DEFAULTS[m].dataset) as SeqDatasetName;
  if (m === "mlp" && d !== "names") {
    throw new UsageError(
      "--model mlp on text is makemore's MLP over names (--dataset names); for moby-dick use " +
        "--model gpt or --model lstm",
    );
  }
  if (m !== "mlp" && d !== "moby-dick") {
    throw new UsageError(
      `--model ${m} trains on --dataset moby-dick; --dataset names trains makemore's MLP ` +
        "(--model mlp, or no --model)",
    );
  }
  return { model: m, dataset: d };
}

/**
 * The run's settings from `train` flags: the model's defaults (the reference for gpt),
 * then each flag checked against its range. Classifier-only flags are refused by name.
 */
export function seqConfigFromFlags(f: SeqFlags): SeqConfig {
  const { model, dataset } = modelAndDataset(f);
  const wrong = CLASSIFIER_ONLY_FLAGS.filter((k) => f[k] !== undefined);
  if (wrong.length) {
    const hint = wrong.includes("epochs") ? " (it trains --steps)" : "";
    throw new UsageError(
      `${wrong.map(flagName).join(", ")} ${wrong.length > 1 ? "do" : "does"} not apply to ` +
        `--model ${model}${hint}; see gradlab train --help`,
    );
  }
  return applySeqFlags({ ...SEQ_DEFAULTS[model], dataset, backend: getBackend(), threads: 0 }, f, true);
}

/** `base` with the flags in `f` applied, every value range-checked; the combination checked last. */
function applySeqFlags(base: SeqConfig, f: SeqFlags, fresh: boolean): SeqConfig {
  const c: SeqConfig = { ...base };
  const s = (k: keyof SeqConfig): string | undefined => (typeof f[k] === "string" ? (f[k] as string) : undefined);
  const int = (k: keyof SeqConfig, min: number, max: number) => {
    if (s(k) !== undefined) (c[k] as number) = parseNumber(flagName(k), s(k)!, { integer: true, min, max });
  };
  int("steps", 1, 10_000_000);
  int("evalEvery", 1, 10_000_000);
  int("batchSize", 1, 65_536);
  int("blockSize", 1, 4096);
  if (c.model !== "mlp") int("nLayer", 1, 64);
  // Each model reads only some of the sizes; a size it ignores is refused rather than silently dropped.
  const unused: (keyof SeqConfig)[] =
    c.model === "gpt" ? ["nHidden"] : c.model === "lstm" ? ["nHead"] : ["nHead", "nLayer"];
  const ignored = unused.filter((k) => s(k) !== undefined && String(base[k]) !== s(k));
  if (ignored.length) {
    throw new UsageError(
      `${ignored.map(flagName).join(", ")} ${ignored.length > 1 ? "do" : "does"} not apply to ` +
        `--model ${c.model}${c.model === "gpt" ? " (its MLP is 4 × --n-embd wide)" : ""}`,
    );
  }
  if (!unused.includes("nHead")) int("nHead", 1, 256);
  int("nEmbd", 1, 8192);
  if (!unused.includes("nHidden")) int("nHidden", 1, 65_536);
  int("valBlocks", 0, 10_000_000);
  int("seed", 0, 2 ** 32 - 1);
  int("threads", 0, 256);
  if (s("lr") !== undefined) c.lr = parseNumber("--lr", s("lr")!, { min: 0, minExclusive: true });
  if (s("weightDecay") !== undefined)
    c.weightDecay = parseNumber("--weight-decay", s("weightDecay")!, { min: 0, max: 10 });
  if (s("dropout") !== undefined) {
    c.dropout = parseNumber("--dropout", s("dropout")!, { min: 0, max: 1 });
    if (c.dropout >= 1) throw new UsageError(`--dropout must be < 1 (1 drops everything), got ${s("dropout")}`);
  }
  if (s("optimizer") !== undefined) c.optimizer = parseChoice("--optimizer", s("optimizer")!, ["adamw"] as const);
  if (s("backend") !== undefined) c.backend = parseChoice("--backend", s("backend")!, CPU_BACKENDS);
  // Without --eval-every, validate every default interval when it divides the steps, else once at the end.
  if (fresh && s("evalEvery") === undefined && c.steps % c.evalEvery !== 0) c.evalEvery = c.steps;
  if (c.steps % c.evalEvery !== 0) {
    throw new UsageError(
      `--steps ${c.steps} must be a multiple of --eval-every ${c.evalEvery} ` +
        "(the validation loss and checkpoint come every --eval-every steps)",
    );
  }
  if (c.model === "gpt" && c.nEmbd % c.nHead !== 0) {
    throw new UsageError(
      `--n-embd ${c.nEmbd} must be divisible by --n-head ${c.nHead} (each head gets n-embd / n-head)`,
    );
  }
  return c;
}

/** Flags that may change on --resume of a language-model run. */
const RESUMABLE = new Set(["steps", "threads", "resume", "out", "stopAfterSteps"]);

/** The saved config of a run folder with `--steps`/`--threads` applied, for --resume. */
export function seqConfigForResume(raw: Record<string, unknown>, source: string, f: SeqFlags): SeqConfig {
  const changed = Object.keys(f).filter((k) => !RESUMABLE.has(k) && f[k as keyof SeqFlags] !== undefined);
  if (changed.length) {
    throw new UsageError(
      `${changed.map(flagName).join(", ")} cannot change on --resume (the run keeps its ` +
        "config.json); only --steps and --threads can",
    );
  }
  const saved = seqConfigFromJson(raw, source);
  return applySeqFlags(saved, { steps: f.steps, threads: f.threads }, false);
}

/** A language-model run's config.json, checked with the flags' rules (a bad file is exit 1). */
export function seqConfigFromJson(raw: Record<string, unknown>, source: string): SeqConfig & { vocab: string[] } {
  const model = raw.model;
  if (!(SEQ_MODELS as readonly unknown[]).includes(model)) {
    throw new CliError(`${source}: "model" should be one of ${SEQ_MODELS.join(", ")}, got ${shortJson(model)}`);
  }
  const base = { ...SEQ_DEFAULTS[model as SeqModelName], backend: getBackend(), threads: 0 };
  for (const [k, v] of Object.entries(base)) {
    if (typeof raw[k] !== typeof v)
      throw new CliError(`${source}: "${k}" should be a ${typeof v}, got ${shortJson(raw[k])}`);
  }
  if (!Array.isArray(raw.vocab) || !raw.vocab.every((ch) => typeof ch === "string")) {
    throw new CliError(`${source}: "vocab" should be the list of the model's characters, got ${shortJson(raw.vocab)}`);
  }
  try {
    new data.CharTokenizer(raw.vocab as string[]);
    const strings: SeqFlags = {};
    for (const k of Object.keys(base) as (keyof SeqConfig)[]) {
      if (k !== "kind" && k !== "model") (strings as Record<string, string>)[k] = String(raw[k]);
    }
    const c = applySeqFlags(
      { ...base, dataset: modelAndDataset({ model: model as string, dataset: raw.dataset as string }).dataset },
      strings,
      false,
    );
    return { ...c, vocab: raw.vocab as string[] };
  } catch (e) {
    if (e instanceof Error) throw new CliError(`${source}: ${e.message}`);
    throw e;
  }
}

/** Whether a run folder's config.json (as read) is a language-model run's. */
export const isSeqRunConfig = (raw: unknown): raw is Record<string, unknown> =>
  !!raw && typeof raw === "object" && (raw as Record<string, unknown>).kind === "sequence";

/** Loads a language-model run folder: its config (checked), tokenizer and model with the saved weights. */
async function loadSeqRun(run: string, command: string) {
  const raw = await readRunConfig(run);
  if (!isSeqRunConfig(raw)) {
    throw new CliError(
      `${run} holds an image classifier run (its config.json names no language model); ${command} ` +
        "needs a run of gradlab train --model gpt, --model lstm or --dataset names",
    );
  }
  const cfg = seqConfigFromJson(raw, join(run, "config.json"));
  const tok = new data.CharTokenizer(cfg.vocab);
  manualSeed(0);
  const model = buildSeqModel(cfg, tok.vocabSize);
  const weights = join(run, "model.safetensors");
  loadIntoModel(model, (await readTensors(weights)).tensors, weights);
  return { cfg, tok, model };
}

/** `gradlab export RUN --onnx FILE` for a GPT run: the model as ONNX bytes (idx int32[N, T] → logits). */
export async function exportGptRun(run: string, opset: number): Promise<{ bytes: Uint8Array; describe: string }> {
  const { cfg, tok, model } = await loadSeqRun(run, "export");
  if (cfg.model !== "gpt") {
    throw new CliError(`${run} holds a ${cfg.model} run; ONNX export covers --model gpt and the MLP classifiers`);
  }
  const bytes = exportGptOnnx(
    model.stateDict(),
    { vocabSize: tok.vocabSize, blockSize: cfg.blockSize, nLayer: cfg.nLayer, nHead: cfg.nHead, nEmbd: cfg.nEmbd },
    { opset, producerVersion: "0.1.0" },
  );
  return { bytes, describe: `input idx int32[N, T ≤ ${cfg.blockSize}] → logits [N, T, ${tok.vocabSize}]` };
}

/** Options of `gradlab generate`, as typed. */
export interface GenerateFlags {
  prompt?: string;
  tokens?: string;
  temperature?: string;
  topK?: string;
  seed?: string;
}

/**
 * `gradlab generate RUN`: loads a language-model run folder's weights and vocabulary and writes
 * the prompt's continuation (or, for names, invented names one per line).
 */
export async function generateText(run: string, o: GenerateFlags): Promise<string> {
  const tokens =
    o.tokens !== undefined ? parseNumber("--tokens", o.tokens, { integer: true, min: 1, max: 1_000_000 }) : 300;
  const temperature =
    o.temperature !== undefined ? parseNumber("--temperature", o.temperature, { min: 0, max: 100 }) : 0.8;
  const seed = o.seed !== undefined ? parseNumber("--seed", o.seed, { integer: true, min: 0, max: 2 ** 32 - 1 }) : 0;
  let topK: number | null = null;
  if (o.topK !== undefined) topK = parseNumber("--top-k", o.topK, { integer: true, min: 1 });
  const { cfg, tok, model } = await loadSeqRun(run, "generate");
  if (topK !== null && topK > tok.vocabSize) {
    throw new UsageError(
      `--top-k ${topK} is more than the model's ${tok.vocabSize} characters; use 1 to ${tok.vocabSize}`,
    );
  }
  const prompt = o.prompt ?? (cfg.dataset === "names" ? "" : "Call me");
  return sampleText(model, tok, cfg, { prompt, tokens, temperature, topK, seed });
}
