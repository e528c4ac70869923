/**
 * Stochastic gradient descent with momentum, PyTorch's formulation:
 *
 *   g ← ∇θ + λθ                       (weight decay λ)
 *   b ← μ·b + (1 − τ)·g               (momentum μ, dampening τ; b = g on the first step)
 *   g ← g + μ·b  (Nesterov)  or  g ← b
 *   θ ← θ − lr·g
 *
 * @example
 * const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
import type { SgdArgs } from "../backend/kernels.js";
import { kernels } from "../backend/registry.js";
import { checkOptions } from "../tensor/pytorch_habits.js";
import { Tensor } from "../tensor/tensor.js";
import { Optimizer, type ParamGroup, type ParamsArg } from "./optimizer.js";
import type { FloatStorage } from "../tensor/storage.js";

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  maximize: boolean;
}

const SGD_OPTIONS = ["lr", "momentum", "dampening", "nesterov", "weightDecay", "maximize"] as const;

export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsArg<SGDOptions>, opts: Partial<SGDOptions> & { lr: number }) {
    checkOptions("SGD", opts, SGD_OPTIONS, "new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 })");
    super(params, { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false, ...opts });
  }

  protected override validate(g: ParamGroup<SGDOptions>): void {
    super.validate(g);
    if (g.momentum < 0) throw new Error(`SGD: invalid momentum ${g.momentum} (must be ≥ 0)`);
    if (g.weightDecay < 0) throw new Error(`SGD: invalid weightDecay ${g.weightDecay} (must be ≥ 0)`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0))
      throw new Error("SGD: Nesterov momentum requires a momentum > 0 and zero dampening");
  }

  step(): void {
    for (const g of this.paramGroups) {
      // One kernel call per group: the backend may run all its parameters as one job.
      const updates: SgdArgs[] = [];
      for (const p of g.params) {
        const grad = p.peekGrad();
        if (!grad) continue;
        let st = this.state.get(p);
        if (!st) {
          st = {};
          this.state.set(p, st);
        }
        // PyTorch starts the buffer from the gradient whenever there is none yet (also when
        // momentum is switched on later, or a state without one was loaded).
        const firstStep = !st.momentum_buffer;
        let buf: Tensor | null = null;
        if (g.momentum !== 0) {
          if (!st.momentum_buffer) st.momentum_buffer = new Tensor(kernels.alloc(p.dtype, p.numel(), true), p.shape);
          buf = st.momentum_buffer as Tensor;
        }
        updates.push({
          param: p.storage as FloatStorage,
          grad: grad.storage as FloatStorage,
          momentumBuffer: buf ? (buf.storage as FloatStorage) : null,
          lr: g.lr,
          momentum: g.momentum,
          dampening: g.dampening,
          nesterov: g.nesterov,
          weightDecay: g.weightDecay,
          maximize: g.maximize,
          firstStep,
        });
      }
      kernels.sgdSteps(updates);
    }
  }
}
