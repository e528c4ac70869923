/**
 * Weight initialisation (`nn.init`), PyTorch's formulas. Xavier/Glorot keeps activation variance
 * steady for tanh/sigmoid layers (Var = 2 / (fan_in + fan_out)); Kaiming/He for ReLU (Var = 2 / fan_in).
 *
 * @example
 * nn.init.kaimingNormal_(layer.weight, { nonlinearity: "relu" });
 */
import { noGrad } from "../autograd/grad_mode.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

export type Nonlinearity = "linear" | "identity" | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu" | "gelu" | "silu";

/** Recommended gain per non-linearity (`torch.nn.init.calculate_gain`). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear": case "identity": case "sigmoid": return 1;
    case "tanh": return 5 / 3;
    case "relu": return Math.SQRT2;
    case "leaky_relu": { const a = param ?? 0.01; return Math.sqrt(2 / (1 + a * a)); }
    case "selu": return 3 / 4;
    // PyTorch has no gain for these; ReLU's is the usual choice for ReLU-like smooth activations.
    case "gelu": case "silu": return Math.SQRT2;
  }
}

/** (fan_in, fan_out) of a weight shaped (out, in, *kernel). */
export function calculateFans(t: Tensor): [number, number] {
  if (t.ndim < 2) throw new Error(`init: fan in and fan out cannot be computed for a tensor with fewer than 2 dims, got ${fmt(t.shape)}`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

function fillWith(t: Tensor, draw: () => number): Tensor {
  noGrad(() => { for (let i = 0; i < t.data.length; i++) t.data[i] = draw(); });
  return t;
}

interface GenOpt { generator?: Generator }

export const uniform_ = (t: Tensor, a = 0, b = 1, o: GenOpt = {}): Tensor => { const g = o.generator ?? defaultGenerator; return fillWith(t, () => a + (b - a) * g.random()); };
export const normal_ = (t: Tensor, mean = 0, std = 1, o: GenOpt = {}): Tensor => { const g = o.generator ?? defaultGenerator; return fillWith(t, () => mean + std * g.normal()); };
export const constant_ = (t: Tensor, v: number): Tensor => fillWith(t, () => v);
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** U(−a, a), a = gain·√(6 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, opts: { gain?: number } & GenOpt = {}): Tensor {
  const [fi, fo] = calculateFans(t);
  const a = (opts.gain ?? 1) * Math.sqrt(6 / (fi + fo));
  return uniform_(t, -a, a, opts);
}
/** N(0, σ²), σ = gain·√(2 / (fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, opts: { gain?: number } & GenOpt = {}): Tensor {
  const [fi, fo] = calculateFans(t);
  return normal_(t, 0, (opts.gain ?? 1) * Math.sqrt(2 / (fi + fo)), opts);
}

export interface KaimingOptions extends GenOpt { a?: number; mode?: "fan_in" | "fan_out"; nonlinearity?: Nonlinearity }
function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const [fi, fo] = calculateFans(t);
  const fan = (o.mode ?? "fan_in") === "fan_in" ? fi : fo;
  return calculateGain(o.nonlinearity ?? "leaky_relu", o.a ?? 0) / Math.sqrt(fan);
}
/** U(−b, b), b = gain·√(3 / fan). PyTorch's defaults: a = 0, fan_in, leaky_relu. */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const b = Math.sqrt(3) * kaimingStd(t, opts);
  return uniform_(t, -b, b, opts);
}
/** N(0, σ²), σ = gain / √fan. */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, opts), opts);
}
