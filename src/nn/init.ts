/**
 * Weight initialisation (`nn.init`), PyTorch's formulas. Xavier/Glorot keeps activation variance
 * steady for tanh/sigmoid layers (Var = 2 / (fan_in + fan_out)); Kaiming/He for ReLU (Var = 2 / fan_in).
 *
 * @example
 * nn.init.kaimingNormal_(layer.weight, { nonlinearity: "relu" });
 */
import { noGrad } from "../autograd/grad_mode.js";
import { kernels } from "../backend/registry.js";
import { allocArray } from "../tensor/dtype.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { checkOptions, describeValue } from "../tensor/pytorch_habits.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

/** PyTorch's names (`torch.nn.init.calculate_gain`) plus gradlab's identity, gelu and silu. */
export type Nonlinearity =
  | "linear"
  | "identity"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "conv_transpose1d"
  | "conv_transpose2d"
  | "conv_transpose3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu"
  | "selu"
  | "gelu"
  | "silu";

const NONLINEARITIES: readonly Nonlinearity[] = [
  "linear",
  "identity",
  "conv1d",
  "conv2d",
  "conv3d",
  "conv_transpose1d",
  "conv_transpose2d",
  "conv_transpose3d",
  "sigmoid",
  "tanh",
  "relu",
  "leaky_relu",
  "selu",
  "gelu",
  "silu",
];
/** Case and underscores ignored: "ReLU", "LeakyReLU", "leakyRelu" and "leaky_relu" are one name. */
const squash = (name: string): string => name.toLowerCase().replace(/_/g, "");
const BY_SQUASHED = new Map(NONLINEARITIES.map((n) => [squash(n), n]));

/** The canonical name of `name`, or a TypeError listing the valid ones. */
function nonlinearityOf(op: string, name: unknown): Nonlinearity {
  const found = typeof name === "string" ? BY_SQUASHED.get(squash(name)) : undefined;
  if (!found) {
    throw new TypeError(
      `${op}: unknown nonlinearity ${typeof name === "string" ? `"${name}"` : describeValue(name)} ` +
        `— valid: ${NONLINEARITIES.join(", ")} (any case; camelCase such as "leakyRelu" too)`,
    );
  }
  return found;
}

/**
 * Recommended gain per non-linearity (`torch.nn.init.calculate_gain`): 1 for linear, conv and sigmoid,
 * 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leaky_relu (slope `param`, default 0.01), 3/4 for selu.
 * Names as PyTorch spells them, in any case or camelCase ("ReLU", "leakyRelu"); anything else throws.
 */
export function calculateGain(nonlinearity: Nonlinearity | (string & {}), param?: number): number {
  switch (nonlinearityOf("calculateGain", nonlinearity)) {
    case "linear":
    case "identity":
    case "sigmoid":
      return 1;
    case "conv1d":
    case "conv2d":
    case "conv3d":
      return 1;
    case "conv_transpose1d":
    case "conv_transpose2d":
    case "conv_transpose3d":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu": {
      if (param !== undefined && (typeof param !== "number" || !Number.isFinite(param))) {
        throw new TypeError(`calculateGain: negative slope ${describeValue(param)} is not a valid number`);
      }
      const a = param ?? 0.01;
      return Math.sqrt(2 / (1 + a * a));
    }
    case "selu":
      return 3 / 4;
    // PyTorch has no gain for these; ReLU's is the usual choice for ReLU-like smooth activations.
    case "gelu":
    case "silu":
      return Math.SQRT2;
  }
}

/** (fan_in, fan_out) of a weight shaped (out, in, *kernel). */
export function calculateFans(t: Tensor): [number, number] {
  if (t.ndim < 2)
    throw new Error(
      `init: fan in and fan out cannot be computed for a tensor with fewer than 2 dims, got ${fmt(t.shape)}`,
    );
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

/** Fills `t` in place with host draws (the seeded generator gives the same values on every backend). */
function fillWith(t: Tensor, draw: () => number): Tensor {
  const values = allocArray(t.dtype, t.numel());
  for (let i = 0; i < values.length; i++) values[i] = draw();
  noGrad(() => kernels.writeHost(t.storage, values));
  return t;
}

interface GenOpt {
  generator?: Generator;
}

/** A number where PyTorch takes one positionally (`normal_(w, 0, 0.02)`): an object here would fill NaN. */
function checkNumbers(op: string, usage: string, values: Record<string, unknown>): void {
  for (const [name, v] of Object.entries(values)) {
    if (typeof v !== "number") {
      throw new TypeError(`${op}: ${name} must be a number, got ${describeValue(v)} — ${usage}`);
    }
  }
}
const checkGen = (op: string, o: GenOpt, usage: string): GenOpt => checkOptions(op, o, ["generator"], usage);

/** Fills `t` from U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, o: GenOpt = {}): Tensor {
  const usage = "uniform_(w, -0.1, 0.1)";
  checkNumbers("uniform_", usage, { a, b });
  const g = checkGen("uniform_", o, usage).generator ?? defaultGenerator;
  return fillWith(t, () => a + (b - a) * g.random());
}
/** Fills `t` from N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1, o: GenOpt = {}): Tensor {
  const usage = "normal_(w, 0, 0.02)";
  checkNumbers("normal_", usage, { mean, std });
  const g = checkGen("normal_", o, usage).generator ?? defaultGenerator;
  return fillWith(t, () => mean + std * g.normal());
}
/** Fills `t` with `v`. */
export function constant_(t: Tensor, v: number): Tensor {
  checkNumbers("constant_", "constant_(w, 0.1)", { v });
  return fillWith(t, () => v);
}
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** U(−a, a), a = gain·√(6 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, opts: { gain?: number } & GenOpt = {}): Tensor {
  const [fi, fo] = calculateFans(t);
  const a = xavierGain("xavierUniform_", opts) * Math.sqrt(6 / (fi + fo));
  return uniform_(t, -a, a, { generator: opts.generator });
}
/** N(0, σ²), σ = gain·√(2 / (fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, opts: { gain?: number } & GenOpt = {}): Tensor {
  const [fi, fo] = calculateFans(t);
  return normal_(t, 0, xavierGain("xavierNormal_", opts) * Math.sqrt(2 / (fi + fo)), { generator: opts.generator });
}

/** PyTorch's positional gain (`xavier_uniform_(w, 2)`) is `{ gain: 2 }` here. */
function xavierGain(op: string, opts: { gain?: number } & GenOpt): number {
  const usage = `${op}(w, { gain: nn.init.calculateGain("tanh") })`;
  checkOptions(op, opts, ["gain", "generator"], usage);
  if (opts.gain !== undefined) checkNumbers(op, usage, { gain: opts.gain });
  return opts.gain ?? 1;
}

export interface KaimingOptions extends GenOpt {
  /** The negative slope of the leaky_relu after this layer (0: ReLU). */
  a?: number;
  /** Preserve the variance of the forward pass ("fan_in", default) or of the backward pass ("fan_out"). */
  mode?: "fan_in" | "fan_out";
  /** The activation after this layer, PyTorch's names in any case ("relu", "ReLU", "leakyRelu"). Default leaky_relu. */
  nonlinearity?: Nonlinearity | (string & {});
}
const KAIMING_OPTIONS = ["a", "mode", "nonlinearity", "generator"];

function kaimingStd(op: string, t: Tensor, o: KaimingOptions): number {
  const usage = `${op}(w, { nonlinearity: "relu" })`;
  checkOptions(op, o, KAIMING_OPTIONS, usage);
  if (o.a !== undefined) checkNumbers(op, usage, { a: o.a });
  const mode = squash(o.mode ?? "fan_in");
  if (mode !== "fanin" && mode !== "fanout") {
    throw new TypeError(`${op}: mode ${describeValue(o.mode)} is not supported — use "fan_in" or "fan_out"`);
  }
  const [fi, fo] = calculateFans(t);
  const nonlinearity = nonlinearityOf(op, o.nonlinearity ?? "leaky_relu");
  return calculateGain(nonlinearity, o.a ?? 0) / Math.sqrt(mode === "fanin" ? fi : fo);
}
/** U(−b, b), b = gain·√(3 / fan). PyTorch's defaults: a = 0, fan_in, leaky_relu. */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const b = Math.sqrt(3) * kaimingStd("kaimingUniform_", t, opts);
  return uniform_(t, -b, b, { generator: opts.generator });
}
/** N(0, σ²), σ = gain / √fan. */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd("kaimingNormal_", t, opts), { generator: opts.generator });
}
