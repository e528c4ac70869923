/**
 * Pooling layers: the functional ops of src/ops/pool.ts as modules (no parameters).
 *
 * Input: (N, C, H, W) or (C, H, W); 1-D: (N, C, L) or (C, L).
 * Output: (N, C, H_out, W_out) with H_out = ⌊(H + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1
 * (⌈…⌉ with ceilMode, dropping a last window that would start in the right padding).
 *
 * @example
 * const pool = new nn.MaxPool2d(2);
 * pool(randn([64, 6, 28, 28])).shape // [64, 6, 14, 14]
 */
import {
  adaptiveAvgPool2d,
  type AdaptiveSize,
  avgPool1d,
  avgPool2d,
  type AvgPool1dOptions,
  type AvgPool2dOptions,
  type IntPair,
  maxPool1d,
  maxPool2d,
  type MaxPool1dOptions,
  type MaxPool2dOptions,
} from "../ops/pool.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";

const show = (v: IntPair | null | undefined): string =>
  v === null || v === undefined ? "None" : typeof v === "number" ? `${v}` : `(${v[0]}, ${v[1]})`;

/** Max over each kernelSize window; `forwardWithIndices(x)` also returns the argmax indices (`return_indices=True`). */
export class MaxPool2d extends Module {
  readonly stride: IntPair;
  constructor(
    readonly kernelSize: IntPair,
    readonly opts: Omit<MaxPool2dOptions, "returnIndices"> = {},
  ) {
    super();
    this.stride = opts.stride ?? kernelSize;
  }
  private get label(): string {
    return `MaxPool2d(kernelSize=${show(this.kernelSize)})`;
  }
  override forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, { ...this.opts, returnIndices: false }, this.label);
  }
  /** [output, int32 indices], as PyTorch's `return_indices=True`. */
  forwardWithIndices(x: Tensor): [Tensor, Tensor] {
    return maxPool2d(x, this.kernelSize, { ...this.opts, returnIndices: true }, this.label);
  }
  override extraRepr(): string {
    const o = this.opts;
    return (
      `kernelSize=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(o.padding ?? 0)}, ` +
      `dilation=${show(o.dilation ?? 1)}, ceilMode=${o.ceilMode ?? false}`
    );
  }
}

/** 1-D max pooling over the last dim. */
export class MaxPool1d extends Module {
  readonly stride: number;
  constructor(
    readonly kernelSize: number,
    readonly opts: Omit<MaxPool1dOptions, "returnIndices"> = {},
  ) {
    super();
    this.stride = opts.stride ?? kernelSize;
  }
  private get label(): string {
    return `MaxPool1d(kernelSize=${this.kernelSize})`;
  }
  override forward(x: Tensor): Tensor {
    return maxPool1d(x, this.kernelSize, { ...this.opts, returnIndices: false }, this.label);
  }
  /** [output, int32 indices within L]. */
  forwardWithIndices(x: Tensor): [Tensor, Tensor] {
    return maxPool1d(x, this.kernelSize, { ...this.opts, returnIndices: true }, this.label);
  }
  override extraRepr(): string {
    const o = this.opts;
    return (
      `kernelSize=${this.kernelSize}, stride=${this.stride}, padding=${o.padding ?? 0}, ` +
      `dilation=${o.dilation ?? 1}, ceilMode=${o.ceilMode ?? false}`
    );
  }
}

/** Mean over each window; countIncludePad (default true) counts the padding zeros in the divisor. */
export class AvgPool2d extends Module {
  readonly stride: IntPair;
  constructor(
    readonly kernelSize: IntPair,
    readonly opts: AvgPool2dOptions = {},
  ) {
    super();
    this.stride = opts.stride ?? kernelSize;
  }
  override forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.opts, `AvgPool2d(kernelSize=${show(this.kernelSize)})`);
  }
  override extraRepr(): string {
    return `kernelSize=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.opts.padding ?? 0)}`;
  }
}

/** 1-D average pooling over the last dim. */
export class AvgPool1d extends Module {
  readonly stride: number;
  constructor(
    readonly kernelSize: number,
    readonly opts: AvgPool1dOptions = {},
  ) {
    super();
    this.stride = opts.stride ?? kernelSize;
  }
  override forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernelSize, this.opts, `AvgPool1d(kernelSize=${this.kernelSize})`);
  }
  override extraRepr(): string {
    return `kernelSize=${this.kernelSize}, stride=${this.stride}, padding=${this.opts.padding ?? 0}`;
  }
}

/**
 * Average pooling to a fixed output size (H_out, W_out) whatever the input size; `new
 * nn.AdaptiveAvgPool2d(1)` is global average pooling. A null in the pair keeps that input dim.
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize, `AdaptiveAvgPool2d(outputSize=${JSON.stringify(this.outputSize)})`);
  }
  override extraRepr(): string {
    const o = this.outputSize;
    return `outputSize=${typeof o === "number" ? o : `(${o.map((v) => v ?? "None").join(", ")})`}`;
  }
}
