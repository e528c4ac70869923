/**
 * Parameter-free layers: activations, softmax, flatten, identity, dropout.
 * Each is the functional op wrapped as a Module so it can sit in a Sequential.
 *
 * Input: (*). Output: (*), same shape (Flatten: (N, *) → (N, ∏*)).
 */
import { gelu, leakyRelu, relu, sigmoid, silu, tanh } from "../ops/activation.js";
import { dropout, dropout2d } from "../ops/normalization.js";
import { interpolate, type InterpolateMode } from "../ops/upsample.js";
import { logSoftmax, softmax } from "../ops/softmax.js";
import { checkOptions, describeValue } from "../tensor/pytorch_habits.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";

/** Positional arguments that PyTorch users pass as keywords ({ dim: 1 }) would misbehave silently. */
function checkInt(op: string, name: string, v: unknown, usage: string): void {
  if (!Number.isInteger(v)) {
    throw new TypeError(`${op}: ${name} must be an integer, got ${describeValue(v)} — ${usage}`);
  }
}

export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return relu(x);
  }
}
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}
export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    return tanh(x);
  }
}
export class SiLU extends Module {
  override forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** Returns its input. Like PyTorch's, it accepts and ignores any constructor arguments (handy when swapping layers). */
export class Identity extends Module {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  constructor(..._args: unknown[]) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return x;
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
    if (typeof negativeSlope !== "number") {
      const got = describeValue(negativeSlope);
      throw new TypeError(`LeakyReLU: negativeSlope must be a number, got ${got} — new nn.LeakyReLU(0.2)`);
    }
  }
  override forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** GELU, exact (`approximate: "none"`) or the tanh approximation. */
export class GELU extends Module {
  readonly approximate: "none" | "tanh";
  constructor(opts: { approximate?: "none" | "tanh" } = {}) {
    super();
    checkOptions("GELU", opts, ["approximate"], 'new nn.GELU({ approximate: "tanh" })');
    this.approximate = opts.approximate ?? "none";
  }
  override forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

export class Softmax extends Module {
  constructor(readonly dim = -1) {
    super();
    checkInt("Softmax", "dim", dim, "new nn.Softmax(1)");
  }
  override forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

export class LogSoftmax extends Module {
  constructor(readonly dim = -1) {
    super();
    checkInt("LogSoftmax", "dim", dim, "new nn.LogSoftmax(1)");
  }
  override forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Flattens dims startDim..endDim (default: all but the batch dim). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
    checkInt("Flatten", "startDim", startDim, "new nn.Flatten(1, -1)");
    checkInt("Flatten", "endDim", endDim, "new nn.Flatten(1, -1)");
  }
  override forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/** Zeroes activations with probability p in train mode (scaling the rest by 1/(1−p)); identity in eval mode. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) {
      throw new Error(`Dropout: probability must be in [0, 1], got ${describeValue(p)} — new nn.Dropout(0.5)`);
    }
  }
  override forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * Zeroes whole channels: in train mode each channel x[n, c] is zeroed with probability p and the
 * kept ones are scaled by 1/(1−p); identity in eval mode. Input: (N, C, H, W). Output: same shape.
 * A 3-D input is read as (N, C, L), with a warning, as PyTorch does today (see F.dropout2d).
 */
export class Dropout2d extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout2d: probability must be in [0, 1], got ${p}`);
  }
  override forward(x: Tensor): Tensor {
    return dropout2d(x, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * Splits dim `dim` into `unflattenedSize` (one entry may be −1): Flatten's inverse.
 * Input: (*, S, *) with S = ∏ unflattenedSize. Output: (*, U₁, ..., Uₖ, *).
 *
 * @example
 * new nn.Unflatten(1, [1, 28, 28])(x) // [N, 784] → [N, 1, 28, 28]
 */
export class Unflatten extends Module {
  readonly unflattenedSize: readonly number[];
  constructor(
    readonly dim: number,
    unflattenedSize: readonly number[],
  ) {
    super();
    const sizes = [...unflattenedSize];
    const bad =
      sizes.some((s) => !Number.isInteger(s) || (s < 0 && s !== -1)) || sizes.filter((s) => s === -1).length > 1;
    if (!sizes.length || bad) {
      throw new Error(
        `Unflatten: unflattenedSize must be a non-empty list of sizes with at most one −1, got ` + `${fmt(sizes)}`,
      );
    }
    this.unflattenedSize = sizes;
  }
  override forward(x: Tensor): Tensor {
    const d = this.dim < 0 ? this.dim + x.ndim : this.dim;
    if (!(d >= 0 && d < x.ndim))
      throw new Error(`Unflatten: dim ${this.dim} is out of range for input ` + `${fmt(x.shape)}`);
    const known = this.unflattenedSize.reduce((p, s) => (s === -1 ? p : p * s), 1),
      size = x.shape[d];
    const sizes = this.unflattenedSize.map((s) => (s === -1 ? size / known : s));
    if (sizes.some((s) => !Number.isInteger(s)) || sizes.reduce((p, s) => p * s, 1) !== size) {
      throw new Error(
        `Unflatten(dim=${this.dim}, ${fmt(this.unflattenedSize)}): dim ${d} of input ${fmt(x.shape)} ` +
          `has size ${size}, which the sizes ${fmt(this.unflattenedSize)} do not multiply to`,
      );
    }
    return x.reshape([...x.shape.slice(0, d), ...sizes, ...x.shape.slice(d + 1)]);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattenedSize=${fmt(this.unflattenedSize)}`;
  }
}

export interface UpsampleOptions {
  size?: number | readonly number[];
  scaleFactor?: number | readonly number[];
  /** "nearest" (default), "linear" (3-D input) or "bilinear" (4-D input). */
  mode?: InterpolateMode;
  alignCorners?: boolean;
  recomputeScaleFactor?: boolean;
}

/**
 * Resizes (N, C, L) or (N, C, H, W) input to `size` or by `scaleFactor` — F.interpolate as a
 * module, with PyTorch's nearest / (bi)linear source indices. Input: (N, C, L) or (N, C, H, W).
 * Output: (N, C, L_out) or (N, C, H_out, W_out) with L_out = size or ⌊L · scaleFactor⌋.
 */
export class Upsample extends Module {
  readonly opts: Readonly<UpsampleOptions>;
  constructor(opts: UpsampleOptions) {
    super();
    if (opts.size === undefined && opts.scaleFactor === undefined)
      throw new Error("Upsample: give either size or " + "scaleFactor");
    this.opts = { mode: "nearest", ...opts };
  }
  override forward(x: Tensor): Tensor {
    return interpolate(x, this.opts);
  }
  override extraRepr(): string {
    const { size, scaleFactor, mode } = this.opts;
    const show = (v: number | readonly number[]): string => (typeof v === "number" ? String(v) : fmt(v));
    return `${size !== undefined ? `size=${show(size)}` : `scaleFactor=${show(scaleFactor!)}`}, mode='${mode}'`;
  }
}
