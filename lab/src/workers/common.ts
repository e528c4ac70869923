/** Pieces every training worker uses. */
import { nn, optim, type Tensor } from "gradlab";
import type { LayerWeights, OptimizerName } from "../protocol/common.ts";

export type Optimizer = optim.SGD | optim.Adam;

/** SGD is the lecture's (momentum 0.9); Adam for pages that need a quick, forgiving start. */
export function makeOptimizer(kind: OptimizerName, params: nn.Parameter[], lr: number): Optimizer {
  return kind === "sgd" ? new optim.SGD(params, { lr, momentum: 0.9 }) : new optim.Adam(params, { lr });
}

export function setLr(opt: Optimizer, lr: number): void {
  for (const g of opt.paramGroups) g.lr = lr;
}

/** Fraction of rows whose largest logit is at the label. */
export function accuracy(logits: Tensor, y: ArrayLike<number>): number {
  const pred = logits.argmax(1).dataSync();
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return y.length ? ok / y.length : NaN;
}

/** Copies of every Linear layer's weights in `model`, in order (for network diagrams). */
export function linearWeights(model: nn.Module): LayerWeights[] {
  const out: LayerWeights[] = [];
  for (const m of model.modules()) {
    if (!(m instanceof nn.Linear)) continue;
    out.push({
      weight: Float32Array.from(m.weight.dataSync()),
      bias: m.bias ? Float32Array.from(m.bias.dataSync()) : null,
      inputs: m.inFeatures,
      outputs: m.outFeatures,
    });
  }
  return out;
}

/** Number of scalars in the model's parameters. */
export const parameterCount = (model: nn.Module): number => model.parameters().reduce((s, p) => s + p.numel(), 0);
