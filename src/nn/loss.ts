/**
 * Loss modules: `criterion(input, target)` returns a scalar (or per-element losses with
 * `reduction: "none"`). Each wraps the function of the same name in `F`.
 *
 * CrossEntropyLoss — Input: (N, C) raw logits (no softmax before it!). Target: (N) int32 class indices
 * or (N, C) probabilities. It applies log-softmax itself.
 */
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  type CrossEntropyOptions,
  mseLoss,
  nllLoss,
  type Reduction,
} from "../ops/loss.js";
import { checkOptions } from "../tensor/pytorch_habits.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";

abstract class Loss extends Module {
  readonly reduction: Reduction;
  /** @param extra - The subclass's options besides `reduction`; any other key is a slip (`label_smoothing`). */
  constructor(opts: { reduction?: Reduction } = {}, extra: readonly string[] = []) {
    super();
    checkOptions(new.target.name, opts, ["reduction", ...extra], `new nn.${new.target.name}({ reduction: "sum" })`);
    this.reduction = opts.reduction ?? "mean";
  }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
  override extraRepr(): string {
    return this.reduction === "mean" ? "" : `reduction='${this.reduction}'`;
  }
}

export class CrossEntropyLoss extends Loss {
  readonly labelSmoothing: number;
  readonly ignoreIndex: number;
  constructor(opts: CrossEntropyOptions = {}) {
    super(opts, ["labelSmoothing", "ignoreIndex"]);
    this.labelSmoothing = opts.labelSmoothing ?? 0;
    this.ignoreIndex = opts.ignoreIndex ?? -100;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
      ignoreIndex: this.ignoreIndex,
    });
  }
}

export class NLLLoss extends Loss {
  readonly ignoreIndex: number;
  constructor(opts: { reduction?: Reduction; ignoreIndex?: number } = {}) {
    super(opts, ["ignoreIndex"]);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { reduction: this.reduction, ignoreIndex: this.ignoreIndex });
  }
}

export class MSELoss extends Loss {
  override forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/** BCE on probabilities (after a sigmoid). Prefer BCEWithLogitsLoss on raw logits: it is stable. */
export class BCELoss extends Loss {
  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { reduction: this.reduction });
  }
}

export class BCEWithLogitsLoss extends Loss {
  readonly posWeight?: Tensor;
  constructor(opts: { reduction?: Reduction; posWeight?: Tensor } = {}) {
    super(opts, ["posWeight"]);
    this.posWeight = opts.posWeight;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { reduction: this.reduction, posWeight: this.posWeight });
  }
}
