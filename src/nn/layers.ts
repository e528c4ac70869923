/**
 * Parameter-free layers: activations, softmax, flatten, identity, dropout.
 * Each is the functional op wrapped as a Module so it can sit in a Sequential.
 *
 * Input: (*). Output: (*), same shape (Flatten: (N, *) → (N, ∏*)).
 */
import { gelu, leakyRelu, relu, sigmoid, silu, tanh } from "../ops/activation.js";
import { dropout } from "../ops/normalization.js";
import { logSoftmax, softmax } from "../ops/softmax.js";
import { checkOptions, describeValue } from "../tensor/pytorch_habits.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";

/** Positional arguments that PyTorch users pass as keywords ({ dim: 1 }) would misbehave silently. */
function checkInt(op: string, name: string, v: unknown, usage: string): void {
  if (!Number.isInteger(v)) {
    throw new TypeError(`${op}: ${name} must be an integer, got ${describeValue(v)} — ${usage}`);
  }
}

export class ReLU extends Module { override forward(x: Tensor): Tensor { return relu(x); } }
export class Sigmoid extends Module { override forward(x: Tensor): Tensor { return sigmoid(x); } }
export class Tanh extends Module { override forward(x: Tensor): Tensor { return tanh(x); } }
export class SiLU extends Module { override forward(x: Tensor): Tensor { return silu(x); } }
export class Identity extends Module { override forward(x: Tensor): Tensor { return x; } }

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
    if (typeof negativeSlope !== "number") {
      const got = describeValue(negativeSlope);
      throw new TypeError(`LeakyReLU: negativeSlope must be a number, got ${got} — new nn.LeakyReLU(0.2)`);
    }
  }
  override forward(x: Tensor): Tensor { return leakyRelu(x, this.negativeSlope); }
  override extraRepr(): string { return `negativeSlope=${this.negativeSlope}`; }
}

/** GELU, exact (`approximate: "none"`) or the tanh approximation. */
export class GELU extends Module {
  readonly approximate: "none" | "tanh";
  constructor(opts: { approximate?: "none" | "tanh" } = {}) {
    super();
    checkOptions("GELU", opts, ["approximate"], 'new nn.GELU({ approximate: "tanh" })');
    this.approximate = opts.approximate ?? "none";
  }
  override forward(x: Tensor): Tensor { return gelu(x, { approximate: this.approximate }); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
}

export class Softmax extends Module {
  constructor(readonly dim = -1) { super(); checkInt("Softmax", "dim", dim, "new nn.Softmax(1)"); }
  override forward(x: Tensor): Tensor { return softmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

export class LogSoftmax extends Module {
  constructor(readonly dim = -1) { super(); checkInt("LogSoftmax", "dim", dim, "new nn.LogSoftmax(1)"); }
  override forward(x: Tensor): Tensor { return logSoftmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

/** Flattens dims startDim..endDim (default: all but the batch dim). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
    checkInt("Flatten", "startDim", startDim, "new nn.Flatten(1, -1)");
    checkInt("Flatten", "endDim", endDim, "new nn.Flatten(1, -1)");
  }
  override forward(x: Tensor): Tensor { return x.flatten(this.startDim, this.endDim); }
  override extraRepr(): string { return `startDim=${this.startDim}, endDim=${this.endDim}`; }
}

/** Zeroes activations with probability p in train mode (scaling the rest by 1/(1−p)); identity in eval mode. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) {
      throw new Error(`Dropout: probability must be in [0, 1], got ${describeValue(p)} — new nn.Dropout(0.5)`);
    }
  }
  override forward(x: Tensor): Tensor { return dropout(x, this.p, this.training); }
  override extraRepr(): string { return `p=${this.p}`; }
}
