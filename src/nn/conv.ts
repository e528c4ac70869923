/**
 * Convolution layers: nn.Conv1d, nn.Conv2d and nn.ConvTranspose2d, PyTorch's arguments, weight
 * shapes, state_dict keys (`weight`, `bias`) and default init: weight ~ kaiming-uniform with a = √5,
 * i.e. U(−1/√fan_in, 1/√fan_in), bias ~ U(−1/√fan_in, 1/√fan_in), fan_in = weight.shape[1]·kH·kW.
 *
 * @example
 * const conv = new nn.Conv2d(1, 6, 5, { padding: 2 });
 * conv(randn([64, 1, 28, 28])).shape // [64, 6, 28, 28]
 * String(conv) // "Conv2d(1, 6, kernelSize=[5, 5], stride=[1, 1], padding=[2, 2])"
 */
import {
  type ConvPadding,
  conv1d,
  conv2d,
  conv2dRelu,
  convTranspose2d,
  type IntOrTuple,
  tupleOf,
} from "../ops/conv.js";
import { empty } from "../ops/util.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { kaimingUniform_, uniform_ } from "./init.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";

export interface ConvModuleOptions {
  stride?: IntOrTuple;
  padding?: ConvPadding;
  dilation?: IntOrTuple;
  groups?: number;
  bias?: boolean;
  /** Only "zeros" (the default) is supported. */
  paddingMode?: PaddingMode;
}

export interface ConvTransposeModuleOptions extends Omit<ConvModuleOptions, "padding"> {
  padding?: IntOrTuple;
  outputPadding?: IntOrTuple;
}

/** What Conv1d, Conv2d and ConvTranspose2d share: arguments, parameters, init, printing. */
abstract class ConvNd extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | "same" | "valid";
  readonly dilation: number[];
  readonly outputPadding: number[];
  readonly groups: number;
  readonly paddingMode: PaddingMode;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: IntOrTuple,
    dims: number,
    transposed: boolean,
    opts: ConvModuleOptions & { outputPadding?: IntOrTuple },
  ) {
    super();
    const name = this.constructor.name;
    for (const [what, v] of [
      ["inChannels", inChannels],
      ["outChannels", outChannels],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`${name}: ${what} must be a positive integer, got ${v}`);
    }
    this.groups = opts.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups < 1)
      throw new Error(`${name}: groups must be a positive integer, got ${this.groups}`);
    if (inChannels % this.groups !== 0)
      throw new Error(`${name}: inChannels ${inChannels} must be divisible by groups ${this.groups}`);
    if (outChannels % this.groups !== 0)
      throw new Error(`${name}: outChannels ${outChannels} must be divisible by groups ${this.groups}`);
    this.kernelSize = tupleOf(kernelSize, dims, "kernelSize", name, 1);
    this.stride = tupleOf(opts.stride ?? 1, dims, "stride", name, 1);
    this.dilation = tupleOf(opts.dilation ?? 1, dims, "dilation", name, 1);
    this.outputPadding = tupleOf(opts.outputPadding ?? 0, dims, "outputPadding", name, 0);
    const p = opts.padding ?? 0;
    if (p === "same" && this.stride.some((s) => s !== 1)) {
      throw new Error(
        `${name}: padding "same" is not supported for strided convolutions (stride ${fmt(this.stride)}); give the padding as numbers`,
      );
    }
    this.padding = p === "same" || p === "valid" ? p : tupleOf(p, dims, "padding", name, 0);
    this.paddingMode = opts.paddingMode ?? "zeros";
    if (this.paddingMode !== "zeros") {
      throw new Error(
        `${name}: paddingMode "${this.paddingMode}" is not supported yet, only "zeros" — pad the input yourself ` +
          `(F.pad(x, pads, "${this.paddingMode === "circular" ? "circular" : this.paddingMode}")) and use padding 0`,
      );
    }
    // Transposed: [C_in, C_out/groups, ...k]; otherwise [C_out, C_in/groups, ...k].
    const wShape = transposed
      ? [inChannels, outChannels / this.groups, ...this.kernelSize]
      : [outChannels, inChannels / this.groups, ...this.kernelSize];
    this.weight = new Parameter(empty(wShape));
    this.bias = opts.bias === false ? null : new Parameter(empty([outChannels]));
    this.resetParameters();
  }

  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const fanIn = this.weight.shape.slice(1).reduce((a, b) => a * b, 1);
      const b = 1 / Math.sqrt(fanIn);
      uniform_(this.bias, -b, b);
    }
  }

  /** `Conv2d(1→6, k=5)`: how errors name the layer. */
  protected get label(): string {
    const k = this.kernelSize.every((v) => v === this.kernelSize[0])
      ? `${this.kernelSize[0]}`
      : this.kernelSize.join("×");
    return `${this.constructor.name}(${this.inChannels}→${this.outChannels}, k=${k})`;
  }

  /**
   * Input of `dims` spatial dims, batched or not, with the layer's channel count: anything else is
   * an error that says what the layer expects and, where it can tell, how to reshape.
   */
  protected checkInput(x: Tensor, dims: number): void {
    const c = this.inChannels;
    const expects = dims === 1 ? `[N, ${c}, L]` : `[N, ${c}, H, W]`;
    if (x.ndim === dims + 2 || x.ndim === dims + 1) {
      const got = x.shape[x.ndim - dims - 1];
      if (got === c) return;
      const last = x.shape[x.ndim - 1];
      const hint =
        x.ndim === dims + 1 && c === 1
          ? ` — for a batch of 1-channel inputs use x.unsqueeze(1)`
          : dims === 2 && x.ndim === 4 && last === c
            ? ` — it looks channels-last: use x.permute(0, 3, 1, 2)`
            : "";
      throw new Error(
        `${this.label} got input ${fmt(x.shape)} with ${got} channel${got === 1 ? "" : "s"} in dim ${x.ndim - dims - 1}, ` +
          `but it has ${c} input channel${c === 1 ? "" : "s"}: it expects ${expects}${hint}`,
      );
    }
    let hint = "";
    const features = x.shape[x.ndim - 1];
    if (dims === 2 && x.ndim === 2 && features % c === 0 && Number.isInteger(Math.sqrt(features / c))) {
      const s = Math.sqrt(features / c);
      hint = ` — reshape with x.view(-1, ${c}, ${s}, ${s})`;
    } else if (dims === 1 && x.ndim === 1 && c === 1) {
      hint = ` — reshape with x.view(1, 1, -1)`;
    }
    throw new Error(`${this.label} got input ${fmt(x.shape)}: it expects ${expects}${hint}`);
  }

  override extraRepr(): string {
    const list = (a: readonly number[]): string => `[${a.join(", ")}]`;
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${list(this.kernelSize)}, stride=${list(this.stride)}`;
    if (typeof this.padding === "string") s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${list(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${list(this.dilation)}`;
    if (this.outputPadding.some((p) => p !== 0)) s += `, outputPadding=${list(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ", bias=false";
    return s;
  }

  protected get convOptions(): { stride: number[]; padding: ConvPadding; dilation: number[]; groups: number } {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }
}

/**
 * Applies a 1-D convolution over an input signal of several channels:
 * out(N_i, C_out_j) = bias(C_out_j) + Σ_k weight(C_out_j, k) ⋆ input(N_i, k).
 *
 * Input: (N, C_in, L_in) or (C_in, L_in). Output: (N, C_out, L_out),
 * L_out = ⌊(L_in + 2·padding − dilation·(kernelSize − 1) − 1) / stride⌋ + 1.
 * Weight: (C_out, C_in/groups, kernelSize); bias: (C_out).
 *
 * @example
 * new nn.Conv1d(16, 33, 3, { stride: 2 })(randn([20, 16, 50])).shape // [20, 33, 24]
 */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvModuleOptions = {}) {
    super(inChannels, outChannels, kernelSize, 1, false, opts);
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x, 1);
    return conv1d(x, this.weight, this.bias, this.convOptions, this.label);
  }
}

/**
 * Applies a 2-D convolution over an input image of several channels (a cross-correlation, as PyTorch):
 * out(N_i, C_out_j) = bias(C_out_j) + Σ_k weight(C_out_j, k) ⋆ input(N_i, k).
 *
 * Input: (N, C_in, H_in, W_in) or (C_in, H_in, W_in). Output: (N, C_out, H_out, W_out),
 * H_out = ⌊(H_in + 2·padding[0] − dilation[0]·(kernelSize[0] − 1) − 1) / stride[0]⌋ + 1, W_out likewise.
 * Weight: (C_out, C_in/groups, kH, kW); bias: (C_out). groups = C_in = C_out is a depthwise convolution.
 *
 * @example
 * new nn.Conv2d(1, 6, 5, { padding: 2 })(randn([64, 1, 28, 28])).shape // [64, 6, 28, 28]
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvModuleOptions = {}) {
    super(inChannels, outChannels, kernelSize, 2, false, opts);
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x, 2);
    return conv2d(x, this.weight, this.bias, this.convOptions, this.label);
  }

  /** @internal relu(forward(x)) in one kernel call (the relu applied as the output is written). */
  forwardRelu(x: Tensor): Tensor {
    this.checkInput(x, 2);
    return conv2dRelu(x, this.weight, this.bias, this.convOptions, this.label);
  }
}

/**
 * Applies a 2-D transposed convolution (the gradient of Conv2d with respect to its input; sometimes
 * called a fractionally-strided convolution or "deconvolution"), e.g. to upsample a feature map.
 *
 * Input: (N, C_in, H_in, W_in) or (C_in, H_in, W_in). Output: (N, C_out, H_out, W_out),
 * H_out = (H_in − 1)·stride[0] − 2·padding[0] + dilation[0]·(kernelSize[0] − 1) + outputPadding[0] + 1.
 * Weight: (C_in, C_out/groups, kH, kW); bias: (C_out).
 *
 * @example
 * new nn.ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1, outputPadding: 1 })(randn([1, 16, 12, 12])).shape // [1, 8, 24, 24]
 */
export class ConvTranspose2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvTransposeModuleOptions = {}) {
    if (typeof opts.padding === "string") {
      throw new Error(
        `ConvTranspose2d: padding must be numbers, got "${opts.padding as string}" (there is no "same" for a transposed convolution)`,
      );
    }
    super(inChannels, outChannels, kernelSize, 2, true, opts);
  }

  /**
   * `outputSize` ([H, W], or the whole output shape) picks the output padding that gives that
   * size, as PyTorch's `forward(input, output_size)`.
   */
  override forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    this.checkInput(x, 2);
    const padding = this.padding as number[];
    let outputPadding = this.outputPadding;
    if (outputSize) {
      const want = outputSize.slice(-2);
      const inSize = x.shape.slice(-2);
      outputPadding = want.map((s, i) => {
        const least =
          (inSize[i] - 1) * this.stride[i] - 2 * padding[i] + this.dilation[i] * (this.kernelSize[i] - 1) + 1;
        const extra = s - least;
        if (!(extra >= 0 && extra < Math.max(this.stride[i], this.dilation[i]))) {
          throw new Error(
            `${this.label}: outputSize ${fmt(outputSize)} cannot come from input ${fmt(x.shape)}: ` +
              `dim ${i} can be ${least} to ${least + Math.max(this.stride[i], this.dilation[i]) - 1}`,
          );
        }
        return extra;
      });
    }
    return convTranspose2d(
      x,
      this.weight,
      this.bias,
      { stride: this.stride, padding, outputPadding, groups: this.groups, dilation: this.dilation },
      this.label,
    );
  }
}
