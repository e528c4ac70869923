/**
 * A training step of a character-level LSTM and GRU (embedding → 2-layer recurrent net → linear
 * head → cross-entropy over every position, Adam) and a sampling step (softmax with temperature,
 * top-k, cumsum, multinomial) run entirely on the wasm backend: no kernel falls back to JS; likewise a
 * training step of the character GPT (models.gpt: embeddings, causal attention, LayerNorm, GELU, AdamW).
 */
import { describe, expect, it } from "vitest";
import {
  F,
  fallbackCounts,
  Generator,
  manualSeed,
  models,
  multinomial,
  nn,
  optim,
  randint,
  resetFallbackCounts,
  setBackend,
  type Tensor,
} from "../../src/index.js";
import { backendsUnderTest } from "../helpers.js";

await backendsUnderTest();

class CharModel extends nn.Module {
  emb: nn.Embedding;
  rnn: nn.LSTM | nn.GRU;
  head: nn.Linear;
  constructor(kind: "lstm" | "gru", vocab: number, bidirectional: boolean) {
    super();
    this.emb = new nn.Embedding(vocab, 16);
    const opts = { numLayers: 2, batchFirst: true, dropout: 0.1, bidirectional };
    this.rnn = kind === "lstm" ? new nn.LSTM(16, 32, opts) : new nn.GRU(16, 32, opts);
    this.head = new nn.Linear(bidirectional ? 64 : 32, vocab);
  }
  override forward(x: Tensor): Tensor {
    return this.head(this.rnn(this.emb(x)).output);
  }
}

describe("a character-level recurrent model on the wasm backend", () => {
  it.each([
    ["lstm", false],
    ["gru", false],
    ["lstm", true],
  ] as const)("%s (bidirectional: %s): training and sampling never fall back to JS", (kind, bi) => {
    setBackend("wasm");
    try {
      manualSeed(0);
      const vocab = 65,
        model = new CharModel(kind, vocab, bi),
        optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
      resetFallbackCounts();
      let first = 0,
        last = 0;
      const x = randint(0, vocab, [4, 12], { generator: new Generator(1) }),
        y = randint(0, vocab, [4, 12], { generator: new Generator(2) });
      for (let step = 0; step < 5; step++) {
        const logits = model(x);
        const loss = F.crossEntropy(logits.view(-1, vocab), y.view(-1));
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        if (step === 0) first = loss.item();
        last = loss.item();
      }
      model.eval();
      const logits = model(x.narrow(0, 0, 1)).select(1, 11); // (1, vocab): the last position
      const probs = F.softmax(logits, -1, { temperature: 0.8 });
      const { values, indices } = probs.topk(5);
      probs.cumsum(-1);
      const next = multinomial(values, 1, { generator: new Generator(3) });
      expect(fallbackCounts()).toEqual({});
      expect(last).toBeLessThan(first); // the same batch five times: the loss must go down
      expect(indices.dataSync()[next.item()]).toBeGreaterThanOrEqual(0);
    } finally {
      setBackend("js");
    }
  });
});

describe("the character GPT (models.gpt) on the wasm backend", () => {
  // dropout 0 is the reference config, whose self-attention runs the fused attention kernel; with
  // dropout the attention weights take the composite ops.
  it.each([0, 0.1])("dropout %s: an AdamW training step and top-k sampling never fall back to JS", (dropout) => {
    setBackend("wasm");
    try {
      manualSeed(0);
      const vocab = 81,
        model = models.gpt({ vocabSize: vocab, blockSize: 16, nLayer: 2, nHead: 4, nEmbd: 32, dropout });
      const optimizer = new optim.AdamW(model.parameters(), { lr: 1e-3 });
      const x = randint(0, vocab, [4, 16], { generator: new Generator(1) }),
        y = randint(0, vocab, [4, 16], { generator: new Generator(2) });
      resetFallbackCounts();
      let first = 0,
        last = 0;
      for (let step = 0; step < 4; step++) {
        const loss = F.crossEntropy(model(x).view(-1, vocab), y.view(-1));
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        if (step === 0) first = loss.item();
        last = loss.item();
      }
      const text = models.generate(model, [1, 2, 3], 5, { temperature: 0.8, topK: 10, generator: new Generator(3) });
      expect(fallbackCounts()).toEqual({});
      expect(last).toBeLessThan(first);
      expect(text).toHaveLength(5);
    } finally {
      setBackend("js");
    }
  });
});
