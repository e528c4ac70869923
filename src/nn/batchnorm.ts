/**
 * nn.BatchNorm1d / BatchNorm2d / BatchNorm3d: normalise each channel over the batch (and every
 * dim after the channel), then scale and shift: y = (x − E[x]) / √(Var[x] + ε) · γ + β.
 *
 * Input: BatchNorm1d (N, C) or (N, C, L); BatchNorm2d (N, C, H, W); BatchNorm3d (N, C, D, H, W).
 * Output: same shape. γ (`weight`) starts at 1, β (`bias`) at 0.
 * Train mode uses the batch's mean and (biased) variance and updates `running_mean`/`running_var`
 * (unbiased) with `momentum` — or, with `momentum: null`, their cumulative average over the
 * batches seen (`num_batches_tracked`); eval mode uses the running statistics.
 */
import { noGrad } from "../autograd/grad_mode.js";
import { add } from "../ops/elementwise.js";
import { batchNorm } from "../ops/normalization.js";
import { full } from "../ops/creation.js";
import { checkOptions, describeValue } from "../tensor/pytorch_habits.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

/** Options of `new nn.BatchNorm1d/2d/3d(numFeatures, opts)` (the functional `batchNorm` takes BatchNormFunctionalOptions). */
export interface BatchNorm1dOptions {
  eps?: number;
  /** Weight of the newest batch in the running statistics; null averages all batches equally. Default 0.1. */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/** What BatchNorm1d/2d/3d share; each subclass only names its input layout. */
abstract class BatchNormBase extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(
    readonly numFeatures: number,
    opts: BatchNorm1dOptions = {},
  ) {
    super();
    const usage = `new nn.${new.target.name}(${numFeatures}, { eps: 1e-5, momentum: 0.1 })`;
    checkOptions(new.target.name, opts, ["eps", "momentum", "affine", "trackRunningStats"], usage);
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) {
      throw new Error(`${new.target.name}: numFeatures must be a positive integer, got ${describeValue(numFeatures)}`);
    }
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    const affine = (this.affine = opts.affine ?? true);
    this.weight = affine ? new Parameter(full([numFeatures], 1)) : null;
    this.bias = affine ? new Parameter(full([numFeatures], 0)) : null;
    const track = (this.trackRunningStats = opts.trackRunningStats ?? true);
    // Buffer names are PyTorch's, so state_dict keys match (`1.running_mean`, ...).
    this.registerBuffer("running_mean", track ? full([numFeatures], 0) : null);
    this.registerBuffer("running_var", track ? full([numFeatures], 1) : null);
    this.registerBuffer("num_batches_tracked", track ? full([], 0, { dtype: "int32" }) : null);
  }

  /** Input ranks this layer takes, and how to write its layout with C filled in. */
  protected abstract readonly ranks: readonly number[];
  protected abstract layout(c: number): string;

  override forward(x: Tensor): Tensor {
    const C = this.numFeatures,
      who = `${this.constructor.name}(${C})`;
    if (!this.ranks.includes(x.ndim)) {
      const hint =
        x.ndim === 4 && this.ranks.includes(2)
          ? " — for images use BatchNorm2d"
          : x.ndim === 2 && !this.ranks.includes(2)
            ? " — for (N, C) features use BatchNorm1d"
            : "";
      throw new Error(`${who} got input ${fmt(x.shape)}: expected ${this.layout(C)}${hint}`);
    }
    if (x.shape[1] !== C) {
      throw new Error(
        `${who} got ${fmt(x.shape)}: expected ${C} channels (dim 1 of ${this.layout(C)}), ` +
          `got ${x.shape[1]} — use ${this.constructor.name}(${x.shape[1]}) or make the previous layer output ` +
          `${C} channels`,
      );
    }
    let factor = this.momentum ?? 0;
    const tracked = this.num_batches_tracked;
    if (this.training && tracked) {
      noGrad(() => tracked.copy_(add(tracked, 1)));
      // The cumulative average needs the count on the host (not available synchronously on a GPU).
      if (this.momentum === null) {
        if (tracked.device !== "cpu") {
          throw new Error(
            `${who}: momentum: null (a cumulative average) needs num_batches_tracked on the host, and reads on ` +
              `${tracked.device} are asynchronous — give a momentum (e.g. 0.1) to train on ${tracked.device}, or train this ` +
              "module on a CPU backend",
          );
        }
        factor = 1 / tracked.item();
      }
    }
    return batchNorm(
      x,
      {
        runningMean: this.running_mean,
        runningVar: this.running_var,
        weight: this.weight,
        bias: this.bias,
        // Without running statistics, eval mode normalises with the batch's too (as PyTorch).
        training: this.training || !this.running_mean,
        momentum: factor,
        eps: this.eps,
      },
      who,
    );
  }

  override extraRepr(): string {
    const { numFeatures, eps, momentum, affine, trackRunningStats } = this;
    return `${numFeatures}, eps=${eps}, momentum=${momentum}, affine=${affine}, trackRunningStats=${trackRunningStats}`;
  }
}

/** Batch normalisation of (N, C) features or (N, C, L) sequences. */
export class BatchNorm1d extends BatchNormBase {
  protected readonly ranks = [2, 3];
  protected layout(c: number): string {
    return `(N, ${c}) or (N, ${c}, L)`;
  }
}

/** Batch normalisation of (N, C, H, W) images, per channel over N, H and W. */
export class BatchNorm2d extends BatchNormBase {
  protected readonly ranks = [4];
  protected layout(c: number): string {
    return `(N, ${c}, H, W)`;
  }
}

/** Batch normalisation of (N, C, D, H, W) volumes, per channel over N, D, H and W. */
export class BatchNorm3d extends BatchNormBase {
  protected readonly ranks = [5];
  protected layout(c: number): string {
    return `(N, ${c}, D, H, W)`;
  }
}
