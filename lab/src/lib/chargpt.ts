/**
 * A small character-level GPT for the text pages, built from gradlab's modules so each head's
 * attention can be read: token + position embeddings, `layers` pre-norm blocks (causal
 * nn.MultiheadAttention, then a GELU MLP of width 4·E, each with a residual), a final LayerNorm and a
 * linear head. Input (B, T) int32 token ids, T ≤ block; output logits (B, T, vocab).
 */
import { F, nn, arange, multinomial, noGrad, tensor, type Generator, type Tensor } from "gradlab";

export interface GptConfig {
  vocab: number;
  block: number;
  width: number;
  heads: number;
  layers: number;
}

export class GptBlock extends nn.Module {
  ln_1: nn.LayerNorm;
  attn: nn.MultiheadAttention;
  ln_2: nn.LayerNorm;
  fc: nn.Linear;
  proj: nn.Linear;
  constructor(width: number, heads: number) {
    super();
    this.ln_1 = new nn.LayerNorm(width);
    this.attn = new nn.MultiheadAttention(width, heads, { batchFirst: true });
    this.ln_2 = new nn.LayerNorm(width);
    this.fc = new nn.Linear(width, 4 * width);
    this.proj = new nn.Linear(4 * width, width);
  }
  override forward(x: Tensor): Tensor {
    return this.run(x, false)[0];
  }
  /** [output, per-head attention weights (B, heads, T, T) when `weights`, else null]. */
  run(x: Tensor, weights: boolean): [Tensor, Tensor | null] {
    const h = this.ln_1(x);
    const [a, w] = this.attn(h, h, h, { isCausal: true, needWeights: weights, averageAttnWeights: false });
    x = x.add(a);
    return [x.add(this.proj(F.gelu(this.fc(this.ln_2(x))))), w];
  }
}

export class CharGpt extends nn.Module {
  tok: nn.Embedding;
  pos: nn.Embedding;
  blocks: nn.ModuleList;
  ln_f: nn.LayerNorm;
  head: nn.Linear;
  constructor(readonly config: GptConfig) {
    super();
    this.tok = new nn.Embedding(config.vocab, config.width);
    this.pos = new nn.Embedding(config.block, config.width);
    this.blocks = new nn.ModuleList(Array.from({ length: config.layers }, () => new GptBlock(config.width, config.heads)));
    this.ln_f = new nn.LayerNorm(config.width);
    this.head = new nn.Linear(config.width, config.vocab);
  }
  /** Logits (B, T, vocab), and each layer's per-head attention (B, heads, T, T) when asked. */
  run(idx: Tensor, weights = false): { logits: Tensor; attention: Tensor[] } {
    const T = idx.shape[1];
    let x = this.tok(idx).add(this.pos(arange(T, undefined, 1, { dtype: "int32" })));
    const attention: Tensor[] = [];
    for (const b of this.blocks) {
      const [y, w] = (b as GptBlock).run(x, weights);
      x = y;
      if (w) attention.push(w);
    }
    return { logits: this.head(this.ln_f(x)), attention };
  }
  override forward(idx: Tensor): Tensor {
    return this.run(idx).logits;
  }
}

/**
 * `n` new tokens after `prompt` (ids), each drawn from softmax(logits / temperature) of the last
 * `block` tokens; temperature 0 takes the most likely token.
 */
export function sample(model: CharGpt, prompt: number[], n: number, temperature: number, gen: Generator): number[] {
  const ids = [...prompt];
  model.eval();
  noGrad(() => {
    for (let i = 0; i < n; i++) {
      const ctx = ids.slice(-model.config.block);
      const logits = model(tensor(Int32Array.from(ctx), { shape: [1, ctx.length] }));
      const last = logits.narrow(1, ctx.length - 1, 1).view(-1);
      if (temperature <= 0) ids.push(last.argmax().item());
      else ids.push(multinomial(last.div(temperature).softmax(0), 1, { generator: gen }).item());
    }
  });
  model.train();
  return ids.slice(prompt.length);
}
