/**
 * Language models of the course's sequence lectures, as PyTorch users would write them (their
 * state-dict keys load into the PyTorch classes in the docs with `load_state_dict(strict=True)`):
 * a character-level GPT, a character LSTM and makemore's MLP over a fixed context, plus `generate`,
 * which samples new tokens from any of them.
 */
import { noGrad } from "../autograd/grad_mode.js";
import { Embedding } from "../nn/embedding.js";
import { Linear } from "../nn/linear.js";
import { Module } from "../nn/module.js";
import { LayerNorm } from "../nn/normalization.js";
import { LSTM } from "../nn/rnn.js";
import { TransformerEncoder, TransformerEncoderLayer } from "../nn/transformer.js";
import { arange, tensor } from "../ops/creation.js";
import { multinomial, topk } from "../ops/sampling.js";
import { fmt } from "../tensor/shape.js";
import type { Generator } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";

/** Options for {@link gpt}. */
export interface GPTOptions {
  /** Distinct tokens (81 for Moby-Dick's characters). */
  vocabSize: number;
  /** Longest context, the number of position embeddings. Default 64. */
  blockSize?: number;
  /** Transformer blocks. Default 4. */
  nLayer?: number;
  /** Attention heads per block (nEmbd must divide by it). Default 4. */
  nHead?: number;
  /** Width of the residual stream; the MLP is 4·nEmbd wide. Default 128. */
  nEmbd?: number;
  /** Dropout inside every block (attention weights, both residual branches, the MLP). Default 0. */
  dropout?: number;
}

const positiveInt = (what: string, name: string, v: unknown): number => {
  if (!Number.isInteger(v) || (v as number) <= 0)
    throw new Error(`${what}: ${name} must be a positive integer, got ${v}`);
  return v as number;
};

/** A model that reads (B, T) token ids, T ≤ blockSize, and scores the next token at each position. */
export interface LanguageModel extends Module {
  readonly blockSize: number;
  readonly vocabSize: number;
}

function checkIds(model: string, idx: Tensor, blockSize: number, exact: boolean): void {
  if (idx.dtype !== "int32" || idx.ndim !== 2) {
    throw new Error(
      `${model}: expected (B, T) int32 token ids, got ${idx.dtype} ${fmt(idx.shape)}` +
        (idx.ndim === 1 ? " — add the batch dimension with idx.unsqueeze(0)" : ""),
    );
  }
  const T = idx.shape[1];
  if (exact ? T !== blockSize : T < 1 || T > blockSize) {
    throw new Error(
      `${model}: ${T} tokens per row, but the model ${exact ? "reads exactly" : "has positions for at most"} ` +
        `${blockSize} — ${exact ? "pass the last blockSize tokens" : "pass the last blockSize tokens (idx.narrow(1, T - blockSize, blockSize))"}`,
    );
  }
}

/**
 * A character-level GPT (Radford et al. 2018, nanoGPT's layout with PyTorch's own modules):
 *
 *   x = tok_emb(idx) + pos_emb(0..T-1)                       (B, T, nEmbd)
 *   x = blocks(x, causal)    nLayer pre-norm blocks: x += SA(LN(x)); x += W2·GELU(W1·LN(x))
 *   logits = head(ln_f(x))                                   (B, T, vocabSize)
 *
 * Each block is an `nn.TransformerEncoderLayer` (normFirst, GELU, feed-forward 4·nEmbd, batchFirst)
 * with causal `nn.MultiheadAttention`; the stack is an `nn.TransformerEncoder`, whose layers start as
 * copies of one initial layer, as PyTorch's do. Keys: `tok_emb.weight`, `pos_emb.weight`,
 * `blocks.layers.0.self_attn.in_proj_weight`, ..., `ln_f.weight`, `head.weight`; the reference config
 * (4 layers, 4 heads, width 128, block 64) over Moby-Dick's 81 characters has 822,353 parameters.
 *
 * The same model in PyTorch (`load_state_dict(strict=True)` takes gradlab's checkpoints):
 * ```python
 * class GPT(nn.Module):
 *     def __init__(self, vocab_size, block_size=64, d_model=128, n_head=4, n_layer=4, dropout=0.0):
 *         super().__init__()
 *         self.tok_emb = nn.Embedding(vocab_size, d_model)
 *         self.pos_emb = nn.Embedding(block_size, d_model)
 *         layer = nn.TransformerEncoderLayer(d_model, n_head, 4 * d_model, dropout, activation="gelu",
 *                                            batch_first=True, norm_first=True)
 *         self.blocks = nn.TransformerEncoder(layer, n_layer, enable_nested_tensor=False)
 *         self.ln_f = nn.LayerNorm(d_model)
 *         self.head = nn.Linear(d_model, vocab_size)
 *
 *     def forward(self, idx):
 *         t = idx.shape[1]
 *         x = self.tok_emb(idx) + self.pos_emb(torch.arange(t, device=idx.device))
 *         mask = nn.Transformer.generate_square_subsequent_mask(t, device=idx.device)
 *         return self.head(self.ln_f(self.blocks(x, mask=mask, is_causal=True)))
 * ```
 */
export class GPT extends Module implements LanguageModel {
  tok_emb: Embedding;
  pos_emb: Embedding;
  blocks: TransformerEncoder;
  ln_f: LayerNorm;
  head: Linear;
  /** The settings, defaults filled in. */
  readonly config: Required<GPTOptions>;

  constructor(opts: GPTOptions) {
    super();
    const what = "models.gpt";
    const c: Required<GPTOptions> = {
      vocabSize: positiveInt(what, "vocabSize", opts?.vocabSize),
      blockSize: positiveInt(what, "blockSize", opts.blockSize ?? 64),
      nLayer: positiveInt(what, "nLayer", opts.nLayer ?? 4),
      nHead: positiveInt(what, "nHead", opts.nHead ?? 4),
      nEmbd: positiveInt(what, "nEmbd", opts.nEmbd ?? 128),
      dropout: opts.dropout ?? 0,
    };
    if (c.nEmbd % c.nHead !== 0) {
      throw new Error(`${what}: nEmbd ${c.nEmbd} must be divisible by nHead ${c.nHead} (each head gets nEmbd / nHead)`);
    }
    if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`${what}: dropout must be in [0, 1), got ${c.dropout}`);
    this.config = c;
    this.tok_emb = new Embedding(c.vocabSize, c.nEmbd);
    this.pos_emb = new Embedding(c.blockSize, c.nEmbd);
    const layer = new TransformerEncoderLayer(c.nEmbd, c.nHead, {
      dimFeedforward: 4 * c.nEmbd,
      dropout: c.dropout,
      activation: "gelu",
      batchFirst: true,
      normFirst: true,
    });
    this.blocks = new TransformerEncoder(layer, c.nLayer);
    this.ln_f = new LayerNorm(c.nEmbd);
    this.head = new Linear(c.nEmbd, c.vocabSize);
  }

  get blockSize(): number {
    return this.config.blockSize;
  }
  get vocabSize(): number {
    return this.config.vocabSize;
  }

  /** The residual stream entering the blocks: token + position embeddings, (B, T, nEmbd). */
  private embed(idx: Tensor): Tensor {
    checkIds("GPT", idx, this.config.blockSize, false);
    return this.tok_emb(idx).add(this.pos_emb(arange(idx.shape[1], undefined, 1, { dtype: "int32" })));
  }

  /** Logits (B, T, vocabSize) for token ids (B, T), T ≤ blockSize. */
  override forward(idx: Tensor): Tensor {
    return this.head(this.ln_f(this.blocks(this.embed(idx), { isCausal: true })));
  }

  /**
   * Each layer's per-head causal attention weights for token ids (B, T): one (B, nHead, T, T) tensor
   * per layer, row t the weights position t gives to positions 0..t. Computed without gradients.
   */
  attentionMaps(idx: Tensor): Tensor[] {
    return noGrad(() => {
      let x = this.embed(idx);
      const maps: Tensor[] = [];
      for (const m of this.blocks.layers) {
        const layer = m as TransformerEncoderLayer;
        const h = layer.norm1(x);
        maps.push(layer.self_attn(h, h, h, { isCausal: true, needWeights: true, averageAttnWeights: false })[1]!);
        x = layer(x, { isCausal: true });
      }
      return maps;
    });
  }
}

/**
 * A character-level GPT — see {@link GPT} for the layout, keys and the PyTorch class.
 *
 * @example
 * const model = models.gpt({ vocabSize: 81, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128 });
 * model(idx).shape // [B, T, 81] for idx (B, T) int32
 */
export function gpt(opts: GPTOptions): GPT {
  return new GPT(opts);
}

/** Options for {@link charLstm}. */
export interface CharLSTMOptions {
  vocabSize: number;
  /** Context the model is trained on and sampled with. Default 64. */
  blockSize?: number;
  /** Embedding width. Default 64. */
  embeddingDim?: number;
  /** LSTM hidden units. Default 256. */
  hiddenSize?: number;
  /** Stacked LSTM layers. Default 2. */
  numLayers?: number;
  /** Dropout between LSTM layers (PyTorch's `dropout`). Default 0. */
  dropout?: number;
}

/**
 * A character-level LSTM language model (Karpathy's char-rnn): embedding → `numLayers` LSTM layers
 * (batchFirst) → linear head. Input (B, T) int32 ids, output logits (B, T, vocabSize). Keys
 * `emb.weight`, `lstm.weight_ih_l0`, ..., `head.weight`, `head.bias`; the PyTorch class:
 * ```python
 * class CharLSTM(nn.Module):
 *     def __init__(self, vocab_size, embedding_dim=64, hidden_size=256, num_layers=2, dropout=0.0):
 *         super().__init__()
 *         self.emb = nn.Embedding(vocab_size, embedding_dim)
 *         self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers, batch_first=True, dropout=dropout)
 *         self.head = nn.Linear(hidden_size, vocab_size)
 *
 *     def forward(self, idx):
 *         return self.head(self.lstm(self.emb(idx))[0])
 * ```
 */
export class CharLSTM extends Module implements LanguageModel {
  emb: Embedding;
  lstm: LSTM;
  head: Linear;
  readonly config: Required<CharLSTMOptions>;

  constructor(opts: CharLSTMOptions) {
    super();
    const what = "models.charLstm";
    const c: Required<CharLSTMOptions> = {
      vocabSize: positiveInt(what, "vocabSize", opts?.vocabSize),
      blockSize: positiveInt(what, "blockSize", opts.blockSize ?? 64),
      embeddingDim: positiveInt(what, "embeddingDim", opts.embeddingDim ?? 64),
      hiddenSize: positiveInt(what, "hiddenSize", opts.hiddenSize ?? 256),
      numLayers: positiveInt(what, "numLayers", opts.numLayers ?? 2),
      dropout: opts.dropout ?? 0,
    };
    this.config = c;
    this.emb = new Embedding(c.vocabSize, c.embeddingDim);
    this.lstm = new LSTM(c.embeddingDim, c.hiddenSize, {
      numLayers: c.numLayers,
      batchFirst: true,
      dropout: c.dropout,
    });
    this.head = new Linear(c.hiddenSize, c.vocabSize);
  }

  get blockSize(): number {
    return this.config.blockSize;
  }
  get vocabSize(): number {
    return this.config.vocabSize;
  }

  /** Logits (B, T, vocabSize) for token ids (B, T), from zero initial states. */
  override forward(idx: Tensor): Tensor {
    checkIds("CharLSTM", idx, this.config.blockSize, false);
    return this.head(this.lstm(this.emb(idx)).output);
  }
}

/** A character LSTM — see {@link CharLSTM}. */
export function charLstm(opts: CharLSTMOptions): CharLSTM {
  return new CharLSTM(opts);
}

/** Options for {@link makemoreMlp}. */
export interface MakemoreMLPOptions {
  /** Characters plus the "." boundary token (27 for lowercase a–z). */
  vocabSize: number;
  /** Characters of context the next one is predicted from. Default 3. */
  blockSize?: number;
  /** Embedding width per character. Default 10. */
  nEmbd?: number;
  /** Hidden tanh units. Default 200. */
  nHidden?: number;
}

/**
 * makemore's MLP (Bengio et al. 2003, Karpathy's "makemore part 2"): the previous `blockSize`
 * characters, embedded and concatenated, through a tanh hidden layer to the next character's logits.
 * Input (B, blockSize) int32 ids → logits (B, vocabSize). Keys `emb.weight`, `hidden.*`, `head.*`:
 * ```python
 * class MakemoreMLP(nn.Module):
 *     def __init__(self, vocab_size=27, block_size=3, n_embd=10, n_hidden=200):
 *         super().__init__()
 *         self.emb = nn.Embedding(vocab_size, n_embd)
 *         self.hidden = nn.Linear(block_size * n_embd, n_hidden)
 *         self.head = nn.Linear(n_hidden, vocab_size)
 *
 *     def forward(self, idx):
 *         return self.head(torch.tanh(self.hidden(self.emb(idx).flatten(1))))
 * ```
 */
export class MakemoreMLP extends Module implements LanguageModel {
  emb: Embedding;
  hidden: Linear;
  head: Linear;
  readonly config: Required<MakemoreMLPOptions>;

  constructor(opts: MakemoreMLPOptions) {
    super();
    const what = "models.makemoreMlp";
    const c: Required<MakemoreMLPOptions> = {
      vocabSize: positiveInt(what, "vocabSize", opts?.vocabSize),
      blockSize: positiveInt(what, "blockSize", opts.blockSize ?? 3),
      nEmbd: positiveInt(what, "nEmbd", opts.nEmbd ?? 10),
      nHidden: positiveInt(what, "nHidden", opts.nHidden ?? 200),
    };
    this.config = c;
    this.emb = new Embedding(c.vocabSize, c.nEmbd);
    this.hidden = new Linear(c.blockSize * c.nEmbd, c.nHidden);
    this.head = new Linear(c.nHidden, c.vocabSize);
  }

  get blockSize(): number {
    return this.config.blockSize;
  }
  get vocabSize(): number {
    return this.config.vocabSize;
  }

  /** Logits (B, vocabSize) of the character after each context row (B, blockSize). */
  override forward(idx: Tensor): Tensor {
    checkIds("MakemoreMLP", idx, this.config.blockSize, true);
    return this.head(this.hidden(this.emb(idx).flatten(1)).tanh());
  }
}

/** makemore's MLP — see {@link MakemoreMLP}. */
export function makemoreMlp(opts: MakemoreMLPOptions): MakemoreMLP {
  return new MakemoreMLP(opts);
}

/** Options for {@link generate}. */
export interface GenerateOptions {
  /** Divides the logits before the softmax: < 1 sharper, > 1 flatter, 0 = always the most likely token. Default 1. */
  temperature?: number;
  /** Sample only among the k most likely tokens. Default: all. */
  topK?: number | null;
  /** Random source (seed it for reproducible text); default the global generator. */
  generator?: Generator;
  /** Stop early after this token (e.g. the "." that ends a name); it is included in the output. */
  stopToken?: number;
}

/**
 * Samples `maxNewTokens` tokens after `prompt` (ids) from `model`, one at a time, like nanoGPT's
 * `generate`: each step reads the last blockSize tokens, takes the logits of the last position,
 * divides them by `temperature`, keeps the `topK` largest and draws from their softmax with
 * `multinomial`. A model that reads exactly blockSize tokens (makemore's MLP) gets its context
 * left-padded with token 0. Runs in eval mode without gradients (the mode is restored after);
 * returns the new ids only. Reads each token synchronously: on WebGPU use {@link generateAsync}.
 */
export function generate(
  model: LanguageModel,
  prompt: ArrayLike<number>,
  maxNewTokens: number,
  opts: GenerateOptions = {},
): number[] {
  const s = new Sampler(model, prompt, maxNewTokens, opts);
  try {
    while (s.wantsMore()) s.accept(s.draw().item());
  } finally {
    s.restoreMode();
  }
  return s.out;
}

/** {@link generate} with each token read by awaiting it: the form that runs on every backend, WebGPU included. */
export async function generateAsync(
  model: LanguageModel,
  prompt: ArrayLike<number>,
  maxNewTokens: number,
  opts: GenerateOptions = {},
): Promise<number[]> {
  const s = new Sampler(model, prompt, maxNewTokens, opts);
  try {
    while (s.wantsMore()) s.accept(await s.draw().itemAsync());
  } finally {
    s.restoreMode();
  }
  return s.out;
}

/** What generate and generateAsync share: the checks, the context window and one token's draw. */
class Sampler {
  readonly out: number[] = [];
  private readonly ids: number[];
  private readonly temperature: number;
  private readonly topK: number | null;
  private readonly fixed: boolean;
  private readonly wasTraining: boolean;

  constructor(
    private readonly model: LanguageModel,
    prompt: ArrayLike<number>,
    private readonly maxNewTokens: number,
    private readonly opts: GenerateOptions,
  ) {
    const temperature = opts.temperature ?? 1,
      topK = opts.topK ?? null,
      V = model.vocabSize;
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) {
      throw new Error(`generate: maxNewTokens must be a non-negative integer, got ${maxNewTokens}`);
    }
    if (!(Number.isFinite(temperature) && temperature >= 0)) {
      throw new Error(
        `generate: temperature must be a finite number ≥ 0 (0 picks the most likely token), got ${temperature}`,
      );
    }
    if (topK !== null && !(Number.isInteger(topK) && topK >= 1 && topK <= V)) {
      throw new Error(`generate: topK must be an integer from 1 to the vocabulary size ${V}, got ${topK}`);
    }
    const ids = Array.from(prompt);
    for (const [i, id] of ids.entries()) {
      if (!(Number.isInteger(id) && id >= 0 && id < V)) {
        throw new Error(`generate: prompt token ${id} at position ${i} is outside the vocabulary (0..${V - 1})`);
      }
    }
    this.fixed = model instanceof MakemoreMLP;
    if (ids.length === 0 && !this.fixed)
      throw new Error("generate: the prompt needs at least one token to continue from");
    this.ids = ids;
    this.temperature = temperature;
    this.topK = topK;
    this.wasTraining = model.training;
    model.eval();
  }

  /** The next token as a one-element int32 tensor, not read yet. */
  draw(): Tensor {
    const { model, temperature, topK } = this,
      V = model.vocabSize,
      generator = this.opts.generator;
    let ctx = this.ids.slice(-model.blockSize);
    if (this.fixed && ctx.length < model.blockSize) ctx = [...new Array(model.blockSize - ctx.length).fill(0), ...ctx];
    return noGrad(() => {
      const logits = model(tensor(Int32Array.from(ctx), { shape: [1, ctx.length], dtype: "int32" })) as Tensor;
      const last = logits
        .reshape([-1, V])
        .narrow(0, logits.numel() / V - 1, 1)
        .view(-1);
      if (temperature === 0) return last.argmax();
      if (topK === null) return multinomial(last.div(temperature).softmax(0), 1, { generator });
      const { values, indices } = topk(last, topK);
      return indices.gather(0, multinomial(values.div(temperature).softmax(0), 1, { generator }));
    });
  }

  /** Whether another token is wanted: fewer than maxNewTokens so far, and the stop token not drawn. */
  wantsMore(): boolean {
    const n = this.out.length;
    return n < this.maxNewTokens && (n === 0 || this.out[n - 1] !== this.opts.stopToken);
  }

  /** Takes the drawn token. */
  accept(id: number): void {
    this.ids.push(id);
    this.out.push(id);
  }

  restoreMode(): void {
    this.model.train(this.wasTraining);
  }
}
