/**
 * Text for language models, browser-safe (the files are read by `gradlab/node`'s `mobyDick()` /
 * `firstNames()`, or fetched by a page): a character tokenizer, (input, next-token) blocks cut
 * from a token stream, and an honest split of a book by chapter.
 *
 * @example
 * const chapters = mobyDick();                                        // gradlab/node
 * const { train, val } = data.splitChapters(chapters, { train: [1, 120], val: [121, 135] });
 * const tok = data.CharTokenizer.fromText(data.joinChapters(chapters));
 * const blocks = new data.TokenBlocks(tok.encode(data.joinChapters(train)), 64, { seed: 0 });
 * const [x, y] = blocks.randomBatch(12);                              // (12, 64) int32 each; y is x shifted by one
 */
import { tensor } from "../ops/creation.js";
import type { Generator as RandomGenerator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { Dataset } from "./dataset.js";
import { resolveGenerator, type SeedOptions } from "./rng.js";
import { groupSplit } from "./splits.js";

/** One chapter (or any document) of a corpus. */
export interface Chapter {
  /** 1-based chapter number. */
  number: number;
  title: string;
  text: string;
}

/** A tokenizer as plain JSON data (what a checkpoint stores beside the weights). */
export interface CharTokenizerData {
  type: "char";
  vocab: string[];
}

const codePointOrder = (a: string, b: string): number => a.codePointAt(0)! - b.codePointAt(0)!;
const describe = (ch: string): string =>
  `${JSON.stringify(ch)} ` + `(U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")})`;

/**
 * A character-level tokenizer: one id per distinct character (Unicode code point), ids in code
 * point order like nanoGPT's `sorted(set(text))`. `toJSON()` / `fromJSON()` carry it in a checkpoint.
 */
export class CharTokenizer {
  /** id → character. */
  readonly vocab: readonly string[];
  private readonly ids: Map<string, number>;

  constructor(vocab: Iterable<string>) {
    this.vocab = Object.freeze([...vocab]);
    this.ids = new Map();
    this.vocab.forEach((ch, i) => {
      if (typeof ch !== "string" || [...ch].length !== 1) {
        throw new Error(`CharTokenizer: vocabulary entry ${i} must be one character, got ${JSON.stringify(ch)}`);
      }
      if (this.ids.has(ch)) {
        throw new Error(
          `CharTokenizer: ${describe(ch)} appears twice in the vocabulary ` + `(ids ${this.ids.get(ch)} and ${i})`,
        );
      }
      this.ids.set(ch, i);
    });
  }

  /** The distinct characters of `text` (or of several texts), sorted by code point. */
  static fromText(text: string | Iterable<string>): CharTokenizer {
    const seen = new Set<string>();
    for (const t of typeof text === "string" ? [text] : text) for (const ch of t) seen.add(ch);
    return new CharTokenizer([...seen].sort(codePointOrder));
  }

  static fromJSON(data: CharTokenizerData): CharTokenizer {
    if (!data || data.type !== "char" || !Array.isArray(data.vocab)) {
      throw new Error(
        `CharTokenizer.fromJSON: expected { type: "char", vocab: [...] }, got ` +
          `${JSON.stringify(data)?.slice(0, 80)}`,
      );
    }
    return new CharTokenizer(data.vocab);
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  /** Token ids of `text`; a character outside the vocabulary is an error naming it and its position. */
  encode(text: string): Int32Array {
    const out = new Int32Array([...text].length);
    let i = 0;
    for (const ch of text) {
      const id = this.ids.get(ch);
      if (id === undefined) {
        throw new Error(
          `CharTokenizer.encode: ${describe(ch)} at position ${i} is not in the vocabulary ` +
            `(${this.vocabSize} characters) — build the tokenizer from a text that contains it`,
        );
      }
      out[i++] = id;
    }
    return out;
  }

  /** The text of token ids (an int32 tensor or any list of numbers). */
  decode(ids: Tensor | ArrayLike<number>): string {
    const arr = ids instanceof Tensor ? ids.dataSync() : ids;
    let s = "";
    for (let i = 0; i < arr.length; i++) {
      const ch = this.vocab[arr[i]];
      if (ch === undefined) {
        throw new Error(
          `CharTokenizer.decode: id ${arr[i]} at position ${i} is outside the vocabulary ` +
            `(0..${this.vocabSize - 1})`,
        );
      }
      s += ch;
    }
    return s;
  }

  toJSON(): CharTokenizerData {
    return { type: "char", vocab: [...this.vocab] };
  }
}

export interface TokenBlocksOptions extends SeedOptions {}

/**
 * (input, next-token) pairs of `blockSize` tokens cut from one token stream: x = tokens[i : i+T],
 * y = tokens[i+1 : i+T+1]. Two ways to read them:
 * - `randomBatch(B)`: B blocks at random offsets, like nanoGPT's `get_batch` (seeded: `seed` /
 *   `generator` option, else the global generator) — for training;
 * - `batches(B)` (or the Dataset view, `get(i)` / `length`, for a DataLoader): the consecutive,
 *   non-overlapping blocks in order, the same every time — for evaluation. A tail shorter than a
 *   block is left out.
 */
export class TokenBlocks extends Dataset<Tensor[]> {
  readonly tokens: Int32Array;
  readonly generator: RandomGenerator;

  constructor(
    tokens: ArrayLike<number>,
    readonly blockSize: number,
    opts: TokenBlocksOptions = {},
  ) {
    super();
    if (!Number.isInteger(blockSize) || blockSize <= 0) {
      throw new Error(`TokenBlocks: blockSize must be a positive integer, got ${blockSize}`);
    }
    this.tokens = tokens instanceof Int32Array ? tokens : Int32Array.from(tokens);
    if (this.tokens.length < blockSize + 1) {
      throw new Error(
        `TokenBlocks: ${this.tokens.length} tokens cannot make one block of ${blockSize} inputs plus ` +
          "the next token — use a longer text or a smaller blockSize",
      );
    }
    this.generator = resolveGenerator(opts);
  }

  /** Number of consecutive, non-overlapping blocks (the evaluation set). */
  get length(): number {
    return Math.floor((this.tokens.length - 1) / this.blockSize);
  }

  /** Block i of the consecutive ones: [x, y], each (blockSize) int32. */
  get(i: number): Tensor[] {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new Error(`TokenBlocks: block ${i} is out of range (0..${this.length - 1})`);
    }
    const [x, y] = this.pairs([i * this.blockSize]);
    return [x.reshape([this.blockSize]), y.reshape([this.blockSize])];
  }

  /** The consecutive blocks at `indices` as (B, blockSize) batches (what DataLoader calls). */
  getBatch(indices: Int32Array): Tensor[] {
    return this.pairs(Array.from(indices, (i) => i * this.blockSize));
  }

  /** `batchSize` blocks at offsets uniform in [0, tokens − blockSize − 1]: x, y of shape (batchSize, blockSize). */
  randomBatch(batchSize: number, generator: RandomGenerator = this.generator): [Tensor, Tensor] {
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new Error(`TokenBlocks.randomBatch: batchSize must be a positive integer, got ${batchSize}`);
    }
    const starts = Array.from({ length: batchSize }, () => generator.int(0, this.tokens.length - this.blockSize));
    return this.pairs(starts);
  }

  /** Every consecutive block once, in order, `batchSize` at a time (the last batch may be smaller). */
  *batches(batchSize: number): Generator<[Tensor, Tensor]> {
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new Error(`TokenBlocks.batches: batchSize must be a positive integer, got ${batchSize}`);
    }
    for (let b = 0; b < this.length; b += batchSize) {
      const n = Math.min(batchSize, this.length - b);
      yield this.pairs(Array.from({ length: n }, (_, i) => (b + i) * this.blockSize));
    }
  }

  private pairs(starts: readonly number[]): [Tensor, Tensor] {
    const T = this.blockSize,
      x = new Int32Array(starts.length * T),
      y = new Int32Array(starts.length * T);
    starts.forEach((s, r) => {
      x.set(this.tokens.subarray(s, s + T), r * T);
      y.set(this.tokens.subarray(s + 1, s + T + 1), r * T);
    });
    const shape = [starts.length, T];
    return [tensor(x, { shape, dtype: "int32" }), tensor(y, { shape, dtype: "int32" })];
  }
}

/** Inclusive chapter-number ranges per side, e.g. { train: [1, 120], val: [121, 135] }. */
export interface ChapterRanges {
  train: [number, number];
  val: [number, number];
  test?: [number, number];
}
/** Whole chapters drawn at random: fractions of the chapter count per side (groupSplit over chapters). */
export interface ChapterFractions extends SeedOptions {
  fractions: readonly number[];
}

export interface ChapterSplit {
  train: Chapter[];
  val: Chapter[];
  test?: Chapter[];
}

/**
 * An honest split of a book: whole chapters go to exactly one side, so no passage of a
 * validation chapter was seen in training (a split by random block would leak neighbouring text).
 * By inclusive number ranges (chapters outside every range are left out; ranges may not overlap) —
 * the recipe is { train: [1, 120], val: [121, 135] } — or at random by `fractions`.
 */
export function splitChapters(chapters: readonly Chapter[], spec: ChapterRanges | ChapterFractions): ChapterSplit {
  const numbers = chapters.map((c) => c.number);
  const dup = numbers.find((n, i) => numbers.indexOf(n) !== i);
  if (dup !== undefined) throw new Error(`splitChapters: chapter ${dup} appears twice`);
  if ("fractions" in spec) {
    const s = groupSplit(numbers, spec.fractions, { generator: spec.generator, seed: spec.seed, by: "groups" });
    const pick = (ix: Int32Array): Chapter[] => Array.from(ix, (i) => chapters[i]);
    const out: ChapterSplit = { train: pick(s.train), val: pick(s.val) };
    if (s.test) out.test = pick(s.test);
    return out;
  }
  const sides = (["train", "val", "test"] as const).filter((k) => spec[k] !== undefined);
  for (const k of sides) {
    const [lo, hi] = spec[k]!;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) {
      throw new Error(`splitChapters: ${k} range [${lo}, ${hi}] must be [first, last] with first ≤ last`);
    }
  }
  for (let a = 0; a < sides.length; a++) {
    for (let b = a + 1; b < sides.length; b++) {
      const [l1, h1] = spec[sides[a]]!,
        [l2, h2] = spec[sides[b]]!;
      if (l1 <= h2 && l2 <= h1) {
        throw new Error(
          `splitChapters: the ${sides[a]} range [${l1}, ${h1}] and the ${sides[b]} range [${l2}, ` +
            `${h2}] overlap — ` +
            "a chapter on both sides would leak into the evaluation",
        );
      }
    }
  }
  const inRange =
    (k: (typeof sides)[number]) =>
    (c: Chapter): boolean =>
      c.number >= spec[k]![0] && c.number <= spec[k]![1];
  const out: ChapterSplit = { train: chapters.filter(inRange("train")), val: chapters.filter(inRange("val")) };
  if (spec.test) out.test = chapters.filter(inRange("test"));
  for (const k of sides)
    if (out[k]!.length === 0) {
      throw new Error(`splitChapters: no chapter falls in the ${k} range [${spec[k]!.join(", ")}]`);
    }
  return out;
}

/** The chapters' texts in order, joined by `separator` (default a newline). */
export function joinChapters(chapters: readonly Chapter[], separator = "\n"): string {
  return chapters.map((c) => c.text).join(separator);
}
