/**
 * Recurrent layers and cells: nn.RNN, nn.LSTM, nn.GRU and nn.RNNCell, nn.LSTMCell, nn.GRUCell, with
 * PyTorch's equations, parameter layout, default init and state_dict keys, so weights move both
 * ways through safetensors.
 *
 * The equations (per layer, per time step t; σ the sigmoid, ⊙ the elementwise product):
 * - RNN:  h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)   (or relu with nonlinearity: "relu")
 * - LSTM: i, f, g, o = σ, σ, tanh, σ of the four blocks of W_ih x_t + b_ih + W_hh h_{t−1} + b_hh;
 *         c_t = f ⊙ c_{t−1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
 * - GRU:  r, z = σ of the first two blocks of W_ih x_t + b_ih + W_hh h_{t−1} + b_hh;
 *         n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t−1} + b_hn));  h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
 *
 * Parameters (k = layer, `_reverse` for the backward direction of a bidirectional layer; G = 1, 4, 3
 * gates): weight_ih_l{k} (G·H, D or H·dirs), weight_hh_l{k} (G·H, H), bias_ih_l{k}, bias_hh_l{k}
 * (G·H), all initialised U(−1/√H, 1/√H) as PyTorch does. Gate blocks are stacked in PyTorch's order:
 * LSTM i, f, g, o; GRU r, z, n.
 *
 * Outputs — PyTorch returns tuples; here they are objects (the cells' (h, c) stays a pair, as it is
 * fed back in):
 *
 * | PyTorch | gradlab |
 * |---|---|
 * | `output, h_n = rnn(x, h0)` (also GRU) | `const { output, hN } = rnn(x, h0)` |
 * | `output, (h_n, c_n) = lstm(x, (h0, c0))` | `const { output, hN, cN } = lstm(x, [h0, c0])` |
 * | `h1 = cell(x, h0)` (RNNCell, GRUCell) | `const h1 = cell(x, h0)` |
 * | `h1, c1 = lstm_cell(x, (h0, c0))` | `const [h1, c1] = lstmCell(x, [h0, c0])` |
 *
 * Shapes: input (L, N, D), or (N, L, D) with `batchFirst`, or unbatched (L, D); output (L, N, dirs·H)
 * (batch first: (N, L, dirs·H)); h0, c0, hN, cN (numLayers·dirs, N, H) whatever `batchFirst` says.
 *
 * @example
 * const lstm = new nn.LSTM(65, 128, { numLayers: 2, batchFirst: true });
 * const { output, hN, cN } = lstm(x);       // x: (N, L, 65) → output (N, L, 128), hN/cN (2, N, 128)
 * Object.keys(lstm.stateDict());            // weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, weight_ih_l1, ...
 */
import { empty } from "../ops/util.js";
import {
  GATES,
  recurrent,
  recurrentCell,
  type RecurrentMode,
  type RecurrentResult,
  type RecurrentWeights,
} from "../ops/recurrent.js";
import type { Tensor } from "../tensor/tensor.js";
import { uniform_ } from "./init.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

export interface RNNBaseOptions {
  /** Stacked layers, each fed the previous one's output (default 1). */
  numLayers?: number;
  /** Whether the layers have b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output as (N, L, ·) instead of (L, N, ·) (default false, as PyTorch). The states stay (layers, N, H). */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last, in train mode (default 0). */
  dropout?: number;
  /** A second, backward-running layer per level; outputs concatenated (default false). */
  bidirectional?: boolean;
}

export interface RNNOptions extends RNNBaseOptions {
  nonlinearity?: "tanh" | "relu";
}

/** What nn.RNN and nn.GRU return: PyTorch's `(output, h_n)`. */
export interface RNNOutput {
  output: Tensor;
  hN: Tensor;
}
/** What nn.LSTM returns: PyTorch's `(output, (h_n, c_n))`. */
export interface LSTMOutput {
  output: Tensor;
  hN: Tensor;
  cN: Tensor;
}

type Params = Record<string, Parameter | null>;

function checkSizes(name: string, inputSize: number, hiddenSize: number): void {
  for (const [what, v] of [
    ["inputSize", inputSize],
    ["hiddenSize", hiddenSize],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${name}: ${what} must be a positive integer, got ${v}`);
  }
}

/** U(−1/√H, 1/√H) on every parameter in registration order (PyTorch's reset_parameters). */
function resetUniform(params: Iterable<Parameter>, hiddenSize: number): void {
  const b = 1 / Math.sqrt(hiddenSize);
  for (const p of params) uniform_(p, -b, b);
}

/** The shared machinery of nn.RNN / LSTM / GRU: PyTorch's RNNBase. */
abstract class RNNBase<Out> extends Module<Out> {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;

  constructor(
    readonly mode: RecurrentMode,
    readonly inputSize: number,
    readonly hiddenSize: number,
    opts: RNNBaseOptions,
  ) {
    super();
    const kind = this.constructor.name;
    checkSizes(kind, inputSize, hiddenSize);
    this.numLayers = opts.numLayers ?? 1;
    this.bias = opts.bias ?? true;
    this.batchFirst = opts.batchFirst ?? false;
    this.dropout = opts.dropout ?? 0;
    this.bidirectional = opts.bidirectional ?? false;
    if (!Number.isInteger(this.numLayers) || this.numLayers < 1) {
      throw new Error(`${kind}: numLayers must be a positive integer, got ${opts.numLayers}`);
    }
    if (!(this.dropout >= 0 && this.dropout <= 1)) {
      throw new Error(`${kind}: dropout must be a probability in [0, 1], got ${opts.dropout}`);
    }
    const g = GATES[mode] * hiddenSize,
      dirs = this.bidirectional ? 2 : 1;
    // Registered in PyTorch's order (layer, direction, then w_ih, w_hh, b_ih, b_hh): the state_dict keys follow it.
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < dirs; d++) {
        const sfx = `_l${l}${d === 1 ? "_reverse" : ""}`,
          inF = l === 0 ? inputSize : hiddenSize * dirs;
        const self = this as unknown as Params;
        self[`weight_ih${sfx}`] = new Parameter(empty([g, inF]));
        self[`weight_hh${sfx}`] = new Parameter(empty([g, hiddenSize]));
        if (this.bias) {
          self[`bias_ih${sfx}`] = new Parameter(empty([g]));
          self[`bias_hh${sfx}`] = new Parameter(empty([g]));
        }
      }
    }
    this.resetParameters();
  }

  resetParameters(): void {
    resetUniform(this.parameters(), this.hiddenSize);
  }

  /** PyTorch compacts cuDNN weights here; gradlab's are always ready, so ported code may keep calling it. */
  flattenParameters(): void {}

  /** One weight set per layer and direction, layer-major: l0, l0_reverse, l1, ... */
  weightSets(): RecurrentWeights[] {
    const self = this as unknown as Params,
      dirs = this.bidirectional ? 2 : 1,
      sets: RecurrentWeights[] = [];
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < dirs; d++) {
        const sfx = `_l${l}${d === 1 ? "_reverse" : ""}`;
        sets.push({
          weightIh: self[`weight_ih${sfx}`]!,
          weightHh: self[`weight_hh${sfx}`]!,
          biasIh: self[`bias_ih${sfx}`] ?? null,
          biasHh: self[`bias_hh${sfx}`] ?? null,
        });
      }
    }
    return sets;
  }

  /** How errors name this module: `LSTM(10→20)`. */
  protected label(): string {
    return `${this.constructor.name}(${this.inputSize}→${this.hiddenSize})`;
  }

  protected run(input: Tensor, h0: Tensor | null, c0: Tensor | null): RecurrentResult {
    return recurrent(input, this.weightSets(), h0, c0, {
      mode: this.mode,
      numLayers: this.numLayers,
      bidirectional: this.bidirectional,
      batchFirst: this.batchFirst,
      dropout: this.dropout,
      training: this.training,
      name: this.label(),
    });
  }

  override extraRepr(): string {
    const parts = [`inputSize=${this.inputSize}`, `hiddenSize=${this.hiddenSize}`];
    if (this.mode === "RNN_RELU") parts.push("nonlinearity='relu'");
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (!this.bias) parts.push("bias=false");
    if (this.batchFirst) parts.push("batchFirst=true");
    if (this.dropout) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push("bidirectional=true");
    return parts.join(", ");
  }
}

/**
 * Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh) (relu with `nonlinearity: "relu"`).
 * Input: (L, N, D) / (N, L, D) with batchFirst / (L, D); h0: (numLayers·dirs, N, H), default zeros.
 * Returns `{ output, hN }` — PyTorch's `(output, h_n)`.
 */
export class RNN extends RNNBase<RNNOutput> {
  readonly nonlinearity: "tanh" | "relu";
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    const nl = opts.nonlinearity ?? "tanh";
    if (nl !== "tanh" && nl !== "relu") {
      throw new Error(`RNN: nonlinearity must be "tanh" or "relu", got "${nl as string}"`);
    }
    super(nl === "tanh" ? "RNN_TANH" : "RNN_RELU", inputSize, hiddenSize, opts);
    this.nonlinearity = nl;
  }
  override forward(input: Tensor, h0: Tensor | null = null): RNNOutput {
    const { output, hN } = this.run(input, h0, null);
    return { output, hN };
  }
}

/**
 * LSTM: gates i, f, g, o; c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t).
 * Input: (L, N, D) / (N, L, D) with batchFirst / (L, D); hx: [h0, c0], each (numLayers·dirs, N, H),
 * default zeros. Returns `{ output, hN, cN }` — PyTorch's `(output, (h_n, c_n))`.
 */
export class LSTM extends RNNBase<LSTMOutput> {
  constructor(inputSize: number, hiddenSize: number, opts: RNNBaseOptions = {}) {
    if ((opts as { projSize?: number }).projSize) {
      throw new Error("LSTM: projSize (PyTorch's proj_size, LSTM with projections) is not supported — leave it unset");
    }
    super("LSTM", inputSize, hiddenSize, opts);
  }
  override forward(input: Tensor, hx: readonly [Tensor, Tensor] | null = null): LSTMOutput {
    const { output, hN, cN } = this.run(input, hx?.[0] ?? null, hx?.[1] ?? null);
    return { output, hN, cN: cN! };
  }
}

/**
 * GRU: r, z = σ(·), n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.
 * Input: (L, N, D) / (N, L, D) with batchFirst / (L, D); h0: (numLayers·dirs, N, H), default zeros.
 * Returns `{ output, hN }` — PyTorch's `(output, h_n)`.
 */
export class GRU extends RNNBase<RNNOutput> {
  constructor(inputSize: number, hiddenSize: number, opts: RNNBaseOptions = {}) {
    super("GRU", inputSize, hiddenSize, opts);
  }
  override forward(input: Tensor, h0: Tensor | null = null): RNNOutput {
    const { output, hN } = this.run(input, h0, null);
    return { output, hN };
  }
}

/** The shared part of the cells: weight_ih (G·H, D), weight_hh (G·H, H), bias_ih, bias_hh (G·H). */
abstract class RNNCellBase<Out> extends Module<Out> {
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;

  constructor(
    readonly mode: RecurrentMode,
    readonly inputSize: number,
    readonly hiddenSize: number,
    bias: boolean,
  ) {
    super();
    checkSizes(this.constructor.name, inputSize, hiddenSize);
    const g = GATES[mode] * hiddenSize;
    this.weight_ih = new Parameter(empty([g, inputSize]));
    this.weight_hh = new Parameter(empty([g, hiddenSize]));
    this.bias_ih = bias ? new Parameter(empty([g])) : null;
    this.bias_hh = bias ? new Parameter(empty([g])) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    resetUniform(this.parameters(), this.hiddenSize);
  }

  protected step(input: Tensor, h: Tensor | null, c: Tensor | null): { h: Tensor; c?: Tensor } {
    return recurrentCell(
      this.mode,
      input,
      { weightIh: this.weight_ih, weightHh: this.weight_hh, biasIh: this.bias_ih, biasHh: this.bias_hh },
      h,
      c,
      `${this.constructor.name}(${this.inputSize}→${this.hiddenSize})`,
    );
  }

  override extraRepr(): string {
    return (
      `inputSize=${this.inputSize}, hiddenSize=${this.hiddenSize}${this.bias_ih ? "" : ", bias=false"}` +
      (this.mode === "RNN_RELU" ? ", nonlinearity='relu'" : "")
    );
  }
}

/**
 * One Elman step: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu). Input (N, D) or (D); hx (N, H) or (H),
 * default zeros → h'.
 */
export class RNNCell extends RNNCellBase<Tensor> {
  readonly nonlinearity: "tanh" | "relu";
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean; nonlinearity?: "tanh" | "relu" } = {}) {
    const nl = opts.nonlinearity ?? "tanh";
    if (nl !== "tanh" && nl !== "relu") {
      throw new Error(`RNNCell: nonlinearity must be "tanh" or "relu", got "${nl as string}"`);
    }
    super(nl === "tanh" ? "RNN_TANH" : "RNN_RELU", inputSize, hiddenSize, opts.bias ?? true);
    this.nonlinearity = nl;
  }
  override forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this.step(input, hx, null).h;
  }
}

/** One LSTM step. Input (N, D) or (D); hx [h, c], each (N, H) or (H), default zeros → [h', c'] (PyTorch's (h1, c1)). */
export class LSTMCell extends RNNCellBase<[Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } = {}) {
    super("LSTM", inputSize, hiddenSize, opts.bias ?? true);
  }
  override forward(input: Tensor, hx: readonly [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    const { h, c } = this.step(input, hx?.[0] ?? null, hx?.[1] ?? null);
    return [h, c!];
  }
}

/** One GRU step. Input (N, D) or (D); hx (N, H) or (H), default zeros → h'. */
export class GRUCell extends RNNCellBase<Tensor> {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } = {}) {
    super("GRU", inputSize, hiddenSize, opts.bias ?? true);
  }
  override forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this.step(input, hx, null).h;
  }
}
