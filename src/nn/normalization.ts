/**
 * nn.LayerNorm and nn.GroupNorm: normalisation per sample (no batch statistics, so train and
 * eval mode compute the same thing).
 */
import { full } from "../ops/creation.js";
import { groupNorm, layerNorm } from "../ops/normalization.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

export interface LayerNormOptions {
  eps?: number;
  /** Learn γ (and β): default true. */
  elementwiseAffine?: boolean;
  /** Learn β too (with elementwiseAffine): default true. */
  bias?: boolean;
}

/**
 * y = (x − E[x]) / √(Var[x] + ε) · γ + β, mean and (biased) variance over the last
 * `normalizedShape` dims of each sample.
 *
 * Input: (*, ...normalizedShape). Output: same shape. γ (`weight`) = 1 and β (`bias`) = 0 of
 * shape normalizedShape.
 *
 * @example
 * const ln = new nn.LayerNorm(256);
 * ln(randn([64, 256])).shape // [64, 256]
 */
export class LayerNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.length === 0 || !this.normalizedShape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new Error(`LayerNorm: normalizedShape must be positive integers, got ${JSON.stringify(normalizedShape)}`);
    }
    this.eps = opts.eps ?? 1e-5;
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? new Parameter(full(this.normalizedShape, 1)) : null;
    this.bias = this.elementwiseAffine && (opts.bias ?? true) ? new Parameter(full(this.normalizedShape, 0)) : null;
  }

  override forward(x: Tensor): Tensor {
    return layerNorm(
      x,
      this.normalizedShape,
      this.weight,
      this.bias,
      this.eps,
      `LayerNorm(${fmt(this.normalizedShape)})`,
    );
  }

  override extraRepr(): string {
    return `${fmt(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

export interface GroupNormOptions {
  eps?: number;
  affine?: boolean;
}

/**
 * Splits the C channels into numGroups groups and normalises each group of each sample over its
 * channels and spatial dims, then scales and shifts per channel (γ = 1, β = 0 of length C).
 * GroupNorm(1, C) normalises each sample over all of it; GroupNorm(C, C) is InstanceNorm with affine.
 *
 * Input: (N, C, *). Output: same shape.
 */
export class GroupNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly eps: number;
  readonly affine: boolean;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    opts: GroupNormOptions = {},
  ) {
    super();
    if (!(Number.isInteger(numGroups) && numGroups > 0 && Number.isInteger(numChannels) && numChannels > 0)) {
      throw new Error(
        `GroupNorm: numGroups and numChannels must be positive integers, got ${numGroups} and ` + `${numChannels}`,
      );
    }
    if (numChannels % numGroups !== 0) {
      throw new Error(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    }
    this.eps = opts.eps ?? 1e-5;
    this.affine = opts.affine ?? true;
    this.weight = this.affine ? new Parameter(full([numChannels], 1)) : null;
    this.bias = this.affine ? new Parameter(full([numChannels], 0)) : null;
  }

  override forward(x: Tensor): Tensor {
    const who = `GroupNorm(${this.numGroups}, ${this.numChannels})`;
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      const C = this.numChannels;
      throw new Error(`${who} got input ${fmt(x.shape)}: expected (N, ${C}, *) — ${C} channels in dim 1`);
    }
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps, who);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}
