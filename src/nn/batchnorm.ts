/**
 * nn.BatchNorm1d: normalises each feature over the batch, then scales and shifts (γ, β).
 *
 * Input: (N, C) or (N, C, L). Output: same shape.
 * Train mode uses the batch's mean and (biased) variance and updates `running_mean`/`running_var`
 * (unbiased) with `momentum`; eval mode uses the running statistics.
 */
import { batchNorm } from "../ops/normalization.js";
import { full } from "../ops/creation.js";
import { checkOptions, describeValue } from "../tensor/pytorch_habits.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

/** `new nn.BatchNorm1d(numFeatures, opts)`'s options (the functional `batchNorm` takes BatchNormOptions). */
export interface BatchNorm1dOptions { eps?: number; momentum?: number; affine?: boolean; trackRunningStats?: boolean }

export class BatchNorm1d extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(readonly numFeatures: number, opts: BatchNorm1dOptions = {}) {
    super();
    const usage = `new nn.BatchNorm1d(${numFeatures}, { eps: 1e-5, momentum: 0.1 })`;
    checkOptions("BatchNorm1d", opts, ["eps", "momentum", "affine", "trackRunningStats"], usage);
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) {
      throw new Error(`BatchNorm1d: numFeatures must be a positive integer, got ${describeValue(numFeatures)}`);
    }
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    const affine = this.affine = opts.affine ?? true;
    this.weight = affine ? new Parameter(full([numFeatures], 1)) : null;
    this.bias = affine ? new Parameter(full([numFeatures], 0)) : null;
    const track = this.trackRunningStats = opts.trackRunningStats ?? true;
    // Buffer names are PyTorch's, so state_dict keys match (`1.running_mean`, ...).
    this.registerBuffer("running_mean", track ? full([numFeatures], 0) : null);
    this.registerBuffer("running_var", track ? full([numFeatures], 1) : null);
    this.registerBuffer("num_batches_tracked", track ? full([], 0, { dtype: "int32" }) : null);
  }

  override forward(x: Tensor): Tensor {
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[1] !== this.numFeatures) {
      throw new Error(`BatchNorm1d(${this.numFeatures}) got input ${fmt(x.shape)}: expected (N, ${this.numFeatures}) or (N, ${this.numFeatures}, L)`);
    }
    const useBatchStats = this.training || !this.running_mean;
    if (this.training && this.num_batches_tracked) this.num_batches_tracked.data[0] += 1;
    return batchNorm(x, {
      runningMean: this.running_mean,
      runningVar: this.running_var,
      weight: this.weight, bias: this.bias,
      training: useBatchStats, momentum: this.momentum, eps: this.eps,
    });
  }

  override extraRepr(): string {
    const { numFeatures, eps, momentum, affine, trackRunningStats } = this;
    return `${numFeatures}, eps=${eps}, momentum=${momentum}, affine=${affine}, trackRunningStats=${trackRunningStats}`;
  }
}
