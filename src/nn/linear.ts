/**
 * nn.Linear: y = x·Wᵀ + b.
 *
 * Input: (*, H_in). Output: (*, H_out). Weight: (H_out, H_in); bias: (H_out).
 * Initialised like PyTorch: W ~ U(−1/√H_in, 1/√H_in) (kaiming-uniform with a = √5), same bound for b.
 *
 * @example
 * const fc = new nn.Linear(784, 256);
 * fc(randn([64, 784])).shape // [64, 256]
 */
import { empty } from "../ops/util.js";
import { linear, linearRelu } from "../ops/matmul.js";
import { checkOptions } from "../tensor/pytorch_habits.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { kaimingUniform_, uniform_ } from "./init.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: { bias?: boolean } = {},
  ) {
    super();
    checkOptions("Linear", opts, ["bias"], `new nn.Linear(${inFeatures}, ${outFeatures}, { bias: false })`);
    for (const [name, v] of [
      ["inFeatures", inFeatures],
      ["outFeatures", outFeatures],
    ] as const) {
      // Zero is allowed, as in PyTorch: a layer with no inputs (or outputs) is an empty product.
      if (!Number.isInteger(v) || v < 0) throw new Error(`Linear: ${name} must be a non-negative integer, got ${v}`);
    }
    this.weight = new Parameter(empty([outFeatures, inFeatures]));
    this.bias = opts.bias === false ? null : new Parameter(empty([outFeatures]));
    this.resetParameters();
  }

  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    // PyTorch's bound is 0 without inputs (1/√0 would draw infinities).
    if (this.bias) {
      const b = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      uniform_(this.bias, -b, b);
    }
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    return linear(x, this.weight, this.bias, `Linear(${this.inFeatures}→${this.outFeatures})`);
  }

  /** @internal relu(forward(x)) in one kernel call; nn.Sequential uses it for a Linear→ReLU pair. */
  forwardRelu(x: Tensor): Tensor {
    this.checkInput(x);
    return linearRelu(x, this.weight, this.bias, `Linear(${this.inFeatures}→${this.outFeatures})`);
  }

  private checkInput(x: Tensor): void {
    if (x.shape[x.ndim - 1] !== this.inFeatures || x.ndim === 0) {
      const hint =
        x.ndim > 2 && x.shape.slice(1).reduce((a, b) => a * b, 1) === this.inFeatures
          ? `flatten it to [${x.shape[0]}, ${this.inFeatures}] (x.flatten(1) or nn.Flatten())`
          : `its last dim must be ${this.inFeatures}`;
      throw new Error(`Linear(${this.inFeatures}→${this.outFeatures}) got input ${fmt(x.shape)}: ${hint}`);
    }
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
