/**
 * Attention maps: what each position of a sentence looks at. A one-layer attention-only character model
 * (token + position embeddings → causal nn.MultiheadAttention, 2 heads → linear head) trains briefly on
 * Moby-Dick, then prints each head's attention matrix for "Call me Ishmael." as a grid: row = the query
 * character, column = the key it reads, in percent. The causal mask makes everything above the diagonal exactly
 * zero (·), and softmax makes every row sum to 1.
 * Run: npx tsx examples/attention_maps.ts [steps=300]
 */
import { F, arange, data, full, manualSeed, nn, noGrad, optim, tensor, triu, type Tensor } from "gradlab";
import { mobyDick } from "gradlab/node";

const steps = Number(process.argv[2] ?? 300);
const block = 32,
  width = 48,
  heads = 2;
manualSeed(0);
const book = mobyDick();
const tok = data.CharTokenizer.fromText(data.joinChapters(book));
const blocks = new data.TokenBlocks(tok.encode(data.joinChapters(book.slice(0, 20))), block, { seed: 0 });

class AttentionOnly extends nn.Module {
  tokEmb: nn.Embedding;
  posEmb: nn.Embedding;
  attn: nn.MultiheadAttention;
  head: nn.Linear;
  constructor(vocab: number) {
    super();
    this.tokEmb = new nn.Embedding(vocab, width);
    this.posEmb = new nn.Embedding(block, width);
    this.attn = new nn.MultiheadAttention(width, heads, { batchFirst: true });
    this.head = new nn.Linear(width, vocab);
  }
  /** Logits (B, T, vocab) and the per-head attention weights (B, heads, T, T). */
  run(ids: Tensor): { logits: Tensor; weights: Tensor } {
    const T = ids.shape[1];
    const x = this.tokEmb(ids).add(this.posEmb(arange(T, undefined, 1, { dtype: "int32" })));
    const causal = triu(full([T, T], -Infinity), 1); // −∞ above the diagonal: no looking ahead
    const [a, w] = this.attn(x, x, x, { attnMask: causal, needWeights: true, averageAttnWeights: false });
    return { logits: this.head(x.add(a)), weights: w! };
  }
  override forward(ids: Tensor): Tensor {
    return this.run(ids).logits;
  }
}

const model = new AttentionOnly(tok.vocabSize);
const optimizer = new optim.AdamW(model.parameters(), { lr: 3e-3 });
let loss = 0;
for (let step = 1; step <= steps; step++) {
  const [x, y] = blocks.randomBatch(16);
  const l = F.crossEntropy(model(x).view(-1, tok.vocabSize), y.view(-1));
  optimizer.zeroGrad();
  l.backward();
  optimizer.step();
  loss = l.item();
  await new Promise((resolve) => setImmediate(resolve)); // as in char_gpt.ts: temporaries back to wasm memory
}
console.log(`trained ${steps} steps on chapters 1–20: train loss ${loss.toFixed(3)}`);

const sentence = "Call me Ishmael.";
const chars = [...sentence];
const weights = noGrad(() => model.run(tensor(tok.encode(sentence), { shape: [1, chars.length] })).weights);
let maxAbove = 0,
  maxRowError = 0;
for (let h = 0; h < heads; h++) {
  const W = weights.narrow(1, h, 1).view(chars.length, chars.length);
  const rows = W.tolist() as number[][];
  console.log(`\nhead ${h} (row: query, column: key, % of its attention; · = masked)`);
  console.log(`      ${chars.map((c) => c.padStart(4)).join("")}`);
  rows.forEach((row, i) => {
    const cells = row.map((v, j) => (j > i ? "   ·" : String(Math.round(100 * v)).padStart(4)));
    console.log(`  ${JSON.stringify(chars[i]).padEnd(4)}${cells.join("")}`);
    row.forEach((v, j) => {
      if (j > i) maxAbove = Math.max(maxAbove, Math.abs(v));
    });
  });
  const rowSums = Array.from(W.sum(1).toArray());
  maxRowError = Math.max(maxRowError, ...rowSums.map((s) => Math.abs(s - 1)));
}
console.log(`\nlargest weight above the diagonal: ${maxAbove}; largest |row sum − 1|: ${maxRowError.toExponential(0)}`);
const ok = maxAbove === 0 && maxRowError < 1e-5 && loss < 3.5;
if (!ok) {
  console.log("unexpected attention weights or loss");
  process.exit(1);
}
