/**
 * models.gpt against PyTorch (test/fixtures/tiny_gpt.json, written by scripts/make-tiny-gpt-fixture.py
 * from bench/torch_gpt.py's class): the same state-dict keys, logits, loss and gradients on every
 * backend; the reference config's parameter count; models.generate's options.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { F, Generator, manualSeed, models, setBackend, tensor, type Tensor } from "../../src/index.js";
import { backendsUnderTest, expectClose, type FixtureTensor } from "../helpers.js";

const backends = await backendsUnderTest();
interface GptCase {
  x: number[][];
  y: number[][];
  logits: FixtureTensor;
  loss: number;
  grads: Record<string, FixtureTensor>;
}
const fx = JSON.parse(readFileSync(join(__dirname, "../fixtures/tiny_gpt.json"), "utf8")) as {
  config: models.GPTOptions;
  stateDict: Record<string, FixtureTensor>;
  cases: GptCase[];
};
const ids = (rows: number[][]): Tensor =>
  tensor(Int32Array.from(rows.flat()), { shape: [rows.length, rows[0].length], dtype: "int32" });

describe.each(backends)("models.gpt on %s", (backend) => {
  it("has PyTorch's keys and reproduces its logits, loss and gradients", () => {
    setBackend(backend);
    try {
      const model = models.gpt(fx.config);
      expect(Object.keys(model.stateDict()).sort()).toEqual(Object.keys(fx.stateDict).sort());
      const sd: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(fx.stateDict)) sd[k] = tensor(t.data, { shape: t.shape });
      model.loadStateDict(sd, { strict: true });
      const params = new Map(model.namedParameters());
      for (const c of fx.cases) {
        model.zeroGrad();
        const logits = model(ids(c.x));
        expectClose(logits, c.logits, { atol: 2e-5, rtol: 1e-4, what: `logits (T=${c.x[0].length})` });
        const loss = F.crossEntropy(logits.view(-1, fx.config.vocabSize), ids(c.y).view(-1));
        expect(loss.item()).toBeCloseTo(c.loss, 5);
        loss.backward();
        for (const [k, g] of Object.entries(c.grads))
          expectClose(params.get(k)!.grad!, g, { atol: 2e-5, rtol: 1e-3, what: `∂loss/∂${k}` });
      }
    } finally {
      setBackend("js");
    }
  });
});

describe("models.gpt", () => {
  it("has 822,353 parameters in the reference config over Moby-Dick's 81 characters, as PyTorch", () => {
    const m = models.gpt({ vocabSize: 81, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128 });
    expect(m.parameters().reduce((n, p) => n + p.numel(), 0)).toBe(822_353);
  });

  it("refuses bad settings and inputs in words", () => {
    expect(() => models.gpt({ vocabSize: 10, nEmbd: 30, nHead: 4 })).toThrow(/nEmbd 30 must be divisible by nHead 4/);
    expect(() => models.gpt({ vocabSize: 0 })).toThrow(/vocabSize must be a positive integer, got 0/);
    const m = models.gpt({ vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 4 });
    expect(() => m(ids([[1, 2, 3, 4, 0]]))).toThrow(/5 tokens per row, but the model has positions for at most 4/);
    expect(() => m(tensor([1, 2]))).toThrow(/expected \(B, T\) int32 token ids, got float32 \[2\]/);
  });

  it("gives each layer's per-head causal attention, rows summing to 1 and zero above the diagonal", () => {
    manualSeed(1);
    const m = models.gpt({ vocabSize: 7, blockSize: 6, nLayer: 2, nHead: 2, nEmbd: 8 });
    const maps = m.attentionMaps(ids([[1, 2, 3, 4, 5]]));
    expect(maps.map((w) => w.shape)).toEqual([
      [1, 2, 5, 5],
      [1, 2, 5, 5],
    ]);
    const w = maps[1].dataSync();
    for (let r = 0; r < 10; r++) {
      const row = Array.from(w.subarray(r * 5, r * 5 + 5));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(row.slice((r % 5) + 1).every((v) => v === 0)).toBe(true);
    }
  });
});

describe("models.generate", () => {
  manualSeed(2);
  const m = models.gpt({ vocabSize: 9, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 8 });

  it("is reproducible with a seeded generator, greedy at temperature 0, and keeps to the top k", () => {
    const a = models.generate(m, [1, 2], 12, { temperature: 0.8, generator: new Generator(5) });
    const b = models.generate(m, [1, 2], 12, { temperature: 0.8, generator: new Generator(5) });
    expect(a).toEqual(b);
    expect(a).toHaveLength(12);
    const g1 = models.generate(m, [3], 6, { temperature: 0, generator: new Generator(1) });
    expect(models.generate(m, [3], 6, { temperature: 0, generator: new Generator(2) })).toEqual(g1);
    // top-1 sampling is the greedy choice
    expect(models.generate(m, [3], 6, { topK: 1, generator: new Generator(3) })).toEqual(g1);
    expect(m.training).toBe(true); // the mode is restored
  });

  it("generateAsync writes what generate writes; stops at maxNewTokens or after the stop token", async () => {
    const opts = () => ({ temperature: 1.5, topK: 4, generator: new Generator(7) });
    const text = models.generate(m, [4, 5], 10, opts());
    expect(await models.generateAsync(m, [4, 5], 10, opts())).toEqual(text);
    expect(models.generate(m, [4, 5], 0)).toEqual([]);
    expect(await models.generateAsync(m, [4, 5], 0)).toEqual([]);
    const stop = text[3];
    const first = text.indexOf(stop);
    expect(models.generate(m, [4, 5], 10, { ...opts(), stopToken: stop })).toEqual(text.slice(0, first + 1));
  });

  it("refuses bad options in words", () => {
    expect(() => models.generate(m, [1], 3, { temperature: -1 })).toThrow(/temperature must be a finite number ≥ 0/);
    expect(() => models.generate(m, [1], 3, { topK: 10 })).toThrow(
      /topK must be an integer from 1 to the vocabulary size 9/,
    );
    expect(() => models.generate(m, [9], 3)).toThrow(/prompt token 9 at position 0 is outside the vocabulary \(0..8\)/);
    expect(() => models.generate(m, [], 3)).toThrow(/needs at least one token/);
  });
});
