/**
 * A small character-level GPT on Moby-Dick, from PyTorch's own building blocks: token + position embeddings,
 * nn.TransformerEncoderLayer blocks in GPT's form (pre-norm, GELU, no dropout) made causal by a mask, a final
 * LayerNorm and a linear head. Trains briefly with AdamW, then writes text at two temperatures.
 * Run: npx tsx examples/char_gpt.ts [steps=1000] [sampleChars=300]
 */
import {
  F,
  Generator,
  arange,
  data,
  full,
  manualSeed,
  multinomial,
  nn,
  noGrad,
  optim,
  tensor,
  triu,
  type Tensor,
} from "gradlab";
import { mobyDick } from "gradlab/node";

const steps = Number(process.argv[2] ?? 1000);
const sampleChars = Number(process.argv[3] ?? 300);
const block = 64,
  width = 64,
  heads = 4,
  layers = 2;
manualSeed(0);
const book = mobyDick();
const tok = data.CharTokenizer.fromText(data.joinChapters(book));
const { train, val } = data.splitChapters(book, { train: [1, 120], val: [121, 135] }); // by chapter: no leak
const trainBlocks = new data.TokenBlocks(tok.encode(data.joinChapters(train)), block, { seed: 0 });
const valBlocks = new data.TokenBlocks(tok.encode(data.joinChapters(val)), block);

class CharGPT extends nn.Module {
  tokEmb: nn.Embedding;
  posEmb: nn.Embedding;
  blocks: nn.TransformerEncoder;
  head: nn.Linear;
  constructor(vocab: number) {
    super();
    this.tokEmb = new nn.Embedding(vocab, width);
    this.posEmb = new nn.Embedding(block, width);
    const layer = new nn.TransformerEncoderLayer(width, heads, {
      dimFeedforward: 4 * width,
      dropout: 0,
      activation: "gelu",
      normFirst: true,
      batchFirst: true,
    });
    this.blocks = new nn.TransformerEncoder(layer, layers, { norm: new nn.LayerNorm(width) });
    this.head = new nn.Linear(width, vocab);
  }
  override forward(ids: Tensor): Tensor {
    const T = ids.shape[1];
    const x = this.tokEmb(ids).add(this.posEmb(arange(T, undefined, 1, { dtype: "int32" })));
    // PyTorch's generate_square_subsequent_mask: −∞ above the diagonal, so position t attends to 0..t only.
    const causal = triu(full([T, T], -Infinity), 1);
    return this.head(this.blocks(x, { mask: causal, isCausal: true }));
  }
}

const model = new CharGPT(tok.vocabSize);
const nParams = model.parameters().reduce((n, p) => n + p.numel(), 0);
console.log(
  `${layers} layers, ${heads} heads, width ${width}, block ${block}: ${nParams.toLocaleString("en")} parameters; ` +
    `chapters 1–120 train (${trainBlocks.tokens.length.toLocaleString("en")} characters), 121–135 validation`,
);

const optimizer = new optim.AdamW(model.parameters(), { lr: 3e-3 });
const lossOf = (x: Tensor, y: Tensor) => F.crossEntropy(model(x).view(-1, tok.vocabSize), y.view(-1));
/** Mean loss on the same 64 validation blocks every time (drawn once with a fixed seed). */
const valBatches = Array.from({ length: 4 }, (_, i) => valBlocks.randomBatch(16, new Generator(i)));
function valLoss(): number {
  model.eval();
  const l = noGrad(() => valBatches.reduce((s, [x, y]) => s + lossOf(x, y).item(), 0) / valBatches.length);
  model.train();
  return l;
}

const first = valLoss();
console.log(`step    0: val loss ${first.toFixed(3)} (ln ${tok.vocabSize} = ${Math.log(tok.vocabSize).toFixed(3)})`);
const t0 = performance.now();
let last = first;
for (let step = 1; step <= steps; step++) {
  const [x, y] = trainBlocks.randomBatch(16);
  const loss = lossOf(x, y);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  // Yield to the event loop once a step, as `gradlab train` does: then the step's garbage-collected
  // temporaries go back to WebAssembly memory, where kernels use them without copies (README: Backends).
  await new Promise((resolve) => setImmediate(resolve));
  if (step % 250 === 0 || step === steps) {
    last = valLoss();
    console.log(
      `step ${String(step).padStart(4)}: train loss ${loss.item().toFixed(3)}, val loss ${last.toFixed(3)}, ` +
        `${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
}

/** `n` characters after `prompt`, each drawn from softmax(logits / temperature) of the last `block` characters. */
function generate(prompt: string, n: number, temperature: number): string {
  const gen = new Generator(1);
  const ids = Array.from(tok.encode(prompt));
  model.eval();
  noGrad(() => {
    for (let i = 0; i < n; i++) {
      const ctx = ids.slice(-block);
      const logits = model(tensor(Int32Array.from(ctx), { shape: [1, ctx.length] }));
      const lastLogits = logits.narrow(1, ctx.length - 1, 1).view(-1);
      ids.push(multinomial(F.softmax(lastLogits, -1, { temperature }), 1, { generator: gen }).item());
    }
  });
  return tok.decode(ids);
}
// Low temperature: sharper, safer, more repetitive; 1: the model's own distribution.
for (const T of [0.5, 1.0])
  console.log(`\nsample at temperature ${T.toFixed(1)}:\n${generate("Call me ", sampleChars, T)}`);
const ok = first > 4 && last < 3;
console.log(`\nval loss ${first.toFixed(2)} → ${last.toFixed(2)}: ${ok ? "it learned" : "it did NOT learn"}`);
if (!ok) process.exit(1);
