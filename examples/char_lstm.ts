/**
 * A character-level LSTM language model on the first chapters of Moby-Dick: embed each character, run an LSTM
 * over 64-character blocks, predict the next character at every position. Trains briefly, then writes text,
 * carrying the LSTM's state (h, c) from one character to the next.
 * Run: npx tsx examples/char_lstm.ts [steps=600]
 */
import { F, Generator, data, manualSeed, multinomial, nn, noGrad, optim, tensor, type Tensor } from "gradlab";
import { mobyDick } from "gradlab/node";

const steps = Number(process.argv[2] ?? 600);
manualSeed(0);
const book = mobyDick();
const tok = data.CharTokenizer.fromText(data.joinChapters(book)); // every character of the book: 81
// Split by chapter, never by block: chapter 9 was not seen in training, not even a neighbouring line.
const { train, val } = data.splitChapters(book, { train: [1, 8], val: [9, 9] });
const trainBlocks = new data.TokenBlocks(tok.encode(data.joinChapters(train)), 64, { seed: 0 });
const valBlocks = new data.TokenBlocks(tok.encode(data.joinChapters(val)), 64);
console.log(
  `chapters 1–8: ${trainBlocks.tokens.length.toLocaleString("en")} characters for training, chapter 9: ` +
    `${valBlocks.tokens.length.toLocaleString("en")} for validation; vocabulary ${tok.vocabSize}`,
);

class CharLSTM extends nn.Module {
  embed: nn.Embedding;
  lstm: nn.LSTM;
  head: nn.Linear;
  constructor(vocab: number, dim = 32, hidden = 128) {
    super();
    this.embed = new nn.Embedding(vocab, dim);
    this.lstm = new nn.LSTM(dim, hidden, { batchFirst: true });
    this.head = new nn.Linear(hidden, vocab);
  }
  /** (B, T) ids → logits (B, T, vocab) and the final state, to continue from. */
  run(ids: Tensor, state?: [Tensor, Tensor]): { logits: Tensor; state: [Tensor, Tensor] } {
    const { output, hN, cN } = this.lstm(this.embed(ids), state);
    return { logits: this.head(output), state: [hN, cN] };
  }
  override forward(ids: Tensor): Tensor {
    return this.run(ids).logits;
  }
}

const model = new CharLSTM(tok.vocabSize);
const optimizer = new optim.Adam(model.parameters(), { lr: 3e-3 });
const lossOf = (x: Tensor, y: Tensor) => F.crossEntropy(model(x).view(-1, tok.vocabSize), y.view(-1));

function valLoss(): number {
  model.eval();
  let total = 0,
    n = 0;
  noGrad(() => {
    for (const [x, y] of valBlocks.batches(64)) {
      total += lossOf(x, y).item() * x.shape[0];
      n += x.shape[0];
    }
  });
  model.train();
  return total / n;
}

console.log(
  `step    0: val loss ${valLoss().toFixed(3)} (uniform guessing: ln ${tok.vocabSize} = ` +
    `${Math.log(tok.vocabSize).toFixed(3)})`,
);
const t0 = performance.now();
let firstLoss = 0,
  lastVal = 0;
for (let step = 1; step <= steps; step++) {
  const [x, y] = trainBlocks.randomBatch(16);
  const loss = lossOf(x, y);
  optimizer.zeroGrad();
  loss.backward();
  nn.utils.clipGradNorm_(model.parameters(), 1); // an LSTM's gradient can still spike now and then
  optimizer.step();
  await new Promise((resolve) => setImmediate(resolve)); // as in char_gpt.ts: temporaries back to wasm memory
  if (step === 1) firstLoss = loss.item();
  if (step % 200 === 0 || step === steps) {
    lastVal = valLoss();
    console.log(
      `step ${String(step).padStart(4)}: train loss ${loss.item().toFixed(3)}, val loss ${lastVal.toFixed(3)}, ` +
        `${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
}

/** Feeds the prompt, then draws `n` characters from softmax(logits / temperature), one at a time. */
function generate(prompt: string, n: number, temperature: number): string {
  const gen = new Generator(0);
  model.eval();
  return noGrad(() => {
    let { logits, state } = model.run(tensor(tok.encode(prompt), { shape: [1, prompt.length] }));
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const last = logits.narrow(1, logits.shape[1] - 1, 1).view(-1);
      const id = multinomial(F.softmax(last.div(temperature), -1), 1, { generator: gen }).item();
      out.push(id);
      ({ logits, state } = model.run(tensor(Int32Array.of(id), { shape: [1, 1] }), state));
    }
    return prompt + tok.decode(out);
  });
}
console.log(`\nsample (temperature 0.8):\n${generate("Call me ", 240, 0.8)}`);
const ok = firstLoss > 4 && lastVal < 3;
console.log(`\nloss ${firstLoss.toFixed(2)} → val ${lastVal.toFixed(2)}: ${ok ? "it learned" : "it did NOT learn"}`);
if (!ok) process.exit(1);
