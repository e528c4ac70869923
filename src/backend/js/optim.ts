/** Optimizer updates, reference: one SGD or Adam step of a parameter, in place. */
import type { FloatArray } from "../../tensor/dtype.js";
import type { FloatStorage } from "../../tensor/storage.js";

export interface SgdArgs<F = FloatStorage> {
  param: F;
  grad: F;
  momentumBuffer: F | null;
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  maximize: boolean;
  /** true on the step that creates the momentum buffer (PyTorch copies the gradient into it). */
  firstStep: boolean;
}

export interface AdamArgs<F = FloatStorage> {
  param: F;
  grad: F;
  expAvg: F;
  expAvgSq: F;
  /** AMSGrad: the running maximum of expAvgSq, used in its place in the denominator (null: plain Adam). */
  maxExpAvgSq?: F | null;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** AdamW: decay the weights directly instead of adding weightDecay·p to the gradient. */
  decoupled: boolean;
  step: number;
  maximize: boolean;
}

declare module "../kernels.js" {
  interface Kernels {
    /** One SGD update of each parameter in the list (a backend may share the lot across threads). */
    sgdSteps(list: readonly SgdArgs[]): void;
    /** One Adam/AdamW update of each parameter in the list, likewise. */
    adamSteps(list: readonly AdamArgs[]): void;
  }
}

export const optimKernels = {
  sgdSteps(list: readonly SgdArgs<FloatArray>[]): void {
    for (const {
      param,
      grad,
      momentumBuffer: buf,
      lr,
      momentum,
      dampening,
      nesterov,
      weightDecay,
      maximize,
      firstStep,
    } of list) {
      for (let i = 0; i < param.length; i++) {
        let g = maximize ? -grad[i] : grad[i];
        if (weightDecay !== 0) g += weightDecay * param[i];
        if (momentum !== 0 && buf) {
          buf[i] = firstStep ? g : momentum * buf[i] + (1 - dampening) * g;
          g = nesterov ? g + momentum * buf[i] : buf[i];
        }
        param[i] -= lr * g;
      }
    }
  },
  adamSteps(list: readonly AdamArgs<FloatArray>[]): void {
    for (const a of list) adamStep(a);
  },
};

function adamStep({
  param,
  grad,
  expAvg,
  expAvgSq,
  maxExpAvgSq,
  lr,
  beta1,
  beta2,
  eps,
  weightDecay,
  decoupled,
  step,
  maximize,
}: AdamArgs<FloatArray>): void {
  const bc1 = 1 - Math.pow(beta1, step);
  const bc2 = 1 - Math.pow(beta2, step);
  const stepSize = lr / bc1;
  const bc2Sqrt = Math.sqrt(bc2);
  for (let i = 0; i < param.length; i++) {
    let g = maximize ? -grad[i] : grad[i];
    if (decoupled) param[i] *= 1 - lr * weightDecay;
    else if (weightDecay !== 0) g += weightDecay * param[i];
    expAvg[i] = beta1 * expAvg[i] + (1 - beta1) * g;
    expAvgSq[i] = beta2 * expAvgSq[i] + (1 - beta2) * g * g;
    let v = expAvgSq[i];
    if (maxExpAvgSq) v = maxExpAvgSq[i] = Math.max(maxExpAvgSq[i], v);
    const denom = Math.sqrt(v) / bc2Sqrt + eps;
    param[i] -= stepSize * (expAvg[i] / denom);
  }
}
