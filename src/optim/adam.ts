/**
 * Adam and AdamW, PyTorch's formulation (bias-corrected moments):
 *
 *   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²
 *   θ ← θ − lr · (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε)
 *
 * Adam adds weightDecay·θ to g; AdamW instead decays θ ← θ·(1 − lr·weightDecay) (decoupled).
 */
import { K } from "../backend/registry.js";
import type { FloatArray } from "../tensor/dtype.js";
import { checkOptions } from "../tensor/pytorch_habits.js";
import { Tensor } from "../tensor/tensor.js";
import { Optimizer, type ParamGroup, type ParamsArg } from "./optimizer.js";

export interface AdamOptions { lr: number; betas: [number, number]; eps: number; weightDecay: number; maximize: boolean }

const ADAM_OPTIONS = ["lr", "betas", "eps", "weightDecay", "maximize"] as const;
const checkAdamOptions = <T>(name: string, opts: T): T =>
  checkOptions(name, opts, ADAM_OPTIONS, `new optim.${name}(model.parameters(), { lr: 0.001, betas: [0.9, 0.999] })`);

export class Adam extends Optimizer<AdamOptions> {
  protected readonly decoupled: boolean = false;

  constructor(params: ParamsArg<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    const defaults: AdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false };
    super(params, { ...defaults, ...checkAdamOptions("Adam", opts) });
  }

  protected override validate(g: ParamGroup<AdamOptions>): void {
    super.validate(g);
    if (!Array.isArray(g.betas) || g.betas.length !== 2) {
      throw new Error(`${this.constructor.name}: betas must be a pair [beta1, beta2], e.g. [0.9, 0.999]`);
    }
    const [b1, b2] = g.betas;
    if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1)) throw new Error(`${this.constructor.name}: invalid betas [${b1}, ${b2}] (each must be in [0, 1))`);
    if (!(g.eps >= 0)) throw new Error(`${this.constructor.name}: invalid eps ${g.eps}`);
  }

  step(): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p.grad) continue;
        let st = this.state.get(p);
        if (!st) {
          const z = () => new Tensor(K.alloc(p.dtype, p.numel(), true), p.shape);
          st = { step: 0, exp_avg: z(), exp_avg_sq: z() };
          this.state.set(p, st);
        }
        st.step = (st.step as number) + 1;
        K.adamStep({
          param: p.data as FloatArray, grad: p.grad.data as FloatArray,
          expAvg: (st.exp_avg as Tensor).data as FloatArray, expAvgSq: (st.exp_avg_sq as Tensor).data as FloatArray,
          lr: g.lr, beta1: g.betas[0], beta2: g.betas[1], eps: g.eps, weightDecay: g.weightDecay,
          decoupled: this.decoupled, step: st.step, maximize: g.maximize,
        });
      }
    }
  }
}

/** Adam with decoupled weight decay (default weightDecay 0.01, as PyTorch). */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;
  constructor(params: ParamsArg<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, { weightDecay: 0.01, ...checkAdamOptions("AdamW", opts) });
  }
}
