/** Optimizer updates on WebGPU: one dispatch per parameter, hyperparameters as uniforms (float32 math, like PyTorch). */
import type { AdamArgs, SgdArgs } from "../../js/optim.js";
import { type Bind, FLAT, grid, type GpuContext } from "../context.js";
import type { GpuStorage } from "../storage.js";
import { header } from "./common.js";

const SGD_FIELDS =
  "n: u32, lr: f32, momentum: f32, dampening: f32, weightDecay: f32, nesterov: u32, maximize: u32, firstStep: u32";
const sgdSource = (withBuffer: boolean) => ({
  key: `sgd:buf${+withBuffer}`,
  code: () => `${header(
    SGD_FIELDS,
    withBuffer
      ? [
          ["param", "read_write"],
          ["grad", "read"],
          ["buf", "read_write"],
        ]
      : [
          ["param", "read_write"],
          ["grad", "read"],
        ],
  )}
${FLAT()}
  if (i >= p.n) { return; }
  var g = select(grad[i], -grad[i], p.maximize != 0u);
  if (p.weightDecay != 0.0) { g = g + p.weightDecay * param[i]; }
  ${
    withBuffer
      ? `let b = select(p.momentum * buf[i] + (1.0 - p.dampening) * g, g, p.firstStep != 0u);
  buf[i] = b;
  g = select(b, g + p.momentum * b, p.nesterov != 0u);`
      : ""
  }
  param[i] = param[i] - p.lr * g;
}`,
});
const SGD = sgdSource(false),
  SGD_BUF = sgdSource(true);

/** Adam/AdamW; with AMSGrad the denominator uses the running maximum of v (a fifth buffer). */
const adamSource = (amsgrad: boolean) => ({
  key: `adam:ams${+amsgrad}`,
  code: () => `${header(
    "n: u32, lr: f32, beta1: f32, beta2: f32, eps: f32, weightDecay: f32, stepSize: f32, bc2Sqrt: f32, " +
      "decoupled: u32, maximize: u32",
    [
      ["param", "read_write"],
      ["grad", "read"],
      ["ma", "read_write"],
      ["va", "read_write"],
      ...(amsgrad ? [["vmax", "read_write"] as const] : []),
    ],
  )}
${FLAT()}
  if (i >= p.n) { return; }
  var g = select(grad[i], -grad[i], p.maximize != 0u);
  var w = param[i];
  if (p.decoupled != 0u) { w = w * (1.0 - p.lr * p.weightDecay); }
  else if (p.weightDecay != 0.0) { g = g + p.weightDecay * w; }
  let m = p.beta1 * ma[i] + (1.0 - p.beta1) * g;
  var v = p.beta2 * va[i] + (1.0 - p.beta2) * g * g;
  ma[i] = m; va[i] = v;
  ${amsgrad ? "v = max(vmax[i], v); vmax[i] = v;" : ""}
  let denom = sqrt(v) / p.bc2Sqrt + p.eps;
  param[i] = w - p.stepSize * (m / denom);
}`,
});
const ADAM = adamSource(false),
  ADAM_AMS = adamSource(true);

export function optimKernels(ctx: GpuContext) {
  return {
    sgdSteps(list: readonly SgdArgs<GpuStorage>[]): void {
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
        if (!param.length) continue;
        const withBuf = momentum !== 0 && !!buf;
        ctx.dispatch(
          withBuf ? SGD_BUF : SGD,
          "uffffuuu",
          [param.length, lr, momentum, dampening, weightDecay, +nesterov, +maximize, +firstStep],
          withBuf ? [{ s: param, w: true }, grad, { s: buf!, w: true }] : [{ s: param, w: true }, grad],
          grid(param.length),
        );
      }
    },
    adamSteps(list: readonly AdamArgs<GpuStorage>[]): void {
      for (const {
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
      } of list) {
        if (!param.length) continue;
        const bc1 = 1 - Math.pow(beta1, step),
          bc2 = 1 - Math.pow(beta2, step);
        const bufs: Bind[] = [{ s: param, w: true }, grad, { s: expAvg, w: true }, { s: expAvgSq, w: true }];
        if (maxExpAvgSq) bufs.push({ s: maxExpAvgSq, w: true });
        ctx.dispatch(
          maxExpAvgSq ? ADAM_AMS : ADAM,
          "ufffffffuu",
          [param.length, lr, beta1, beta2, eps, weightDecay, lr / bc1, Math.sqrt(bc2), +decoupled, +maximize],
          bufs,
          grid(param.length),
        );
      }
    },
  };
}
