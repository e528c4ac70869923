/** Pieces every training worker uses. */
import { nn, optim, type Tensor, type TypedArray } from "gradlab";
import type { LayerWeights, OptimizerName } from "../protocol/common.ts";

export type Optimizer = optim.SGD | optim.Adam;

/** SGD is the lecture's (momentum 0.9); Adam for pages that need a quick, forgiving start. */
export function makeOptimizer(kind: OptimizerName, params: nn.Parameter[], lr: number): Optimizer {
  return kind === "sgd" ? new optim.SGD(params, { lr, momentum: 0.9 }) : new optim.Adam(params, { lr });
}

export function setLr(opt: Optimizer, lr: number): void {
  for (const g of opt.paramGroups) g.lr = lr;
}

/**
 * Reads every tensor's values at once: on WebGPU each read is a wait for the GPU, so a report
 * gathers its tensors and awaits them together (on the CPU backends this settles at once and the
 * arrays are the tensors' own storage, as `dataSync()` gives).
 */
export const readAll = (ts: readonly Tensor[]): Promise<TypedArray[]> => Promise.all(ts.map((t) => t.data()));

/** Fraction of rows whose predicted class (`pred`, from `logits.argmax(1)`) is the label. */
export function accuracyOf(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return y.length ? ok / y.length : NaN;
}

/** Fraction of rows whose largest logit is at the label. */
export async function accuracy(logits: Tensor, y: ArrayLike<number>): Promise<number> {
  return accuracyOf(await logits.argmax(1).data(), y);
}

/** Copies of every Linear layer's weights in `model`, in order (for network diagrams), read in one wait. */
export async function linearWeights(model: nn.Module): Promise<LayerWeights[]> {
  const layers = [...model.modules()].filter((m): m is nn.Linear => m instanceof nn.Linear);
  const vals = await readAll(layers.flatMap((m) => (m.bias ? [m.weight, m.bias] : [m.weight])));
  let k = 0;
  return layers.map((m) => ({
    weight: Float32Array.from(vals[k++]),
    bias: m.bias ? Float32Array.from(vals[k++]) : null,
    inputs: m.inFeatures,
    outputs: m.outFeatures,
  }));
}

/** Number of scalars in the model's parameters. */
export const parameterCount = (model: nn.Module): number => model.parameters().reduce((s, p) => s + p.numel(), 0);
