/**
 * Adam and AdamW, PyTorch's formulation (bias-corrected moments):
 *
 *   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²
 *   θ ← θ − lr · (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε)
 *
 * Adam adds weightDecay·θ to g; AdamW instead decays θ ← θ·(1 − lr·weightDecay) (decoupled).
 * With `amsgrad`, the denominator uses the running maximum of v (state `max_exp_avg_sq`, PyTorch's name).
 */
import { kernels } from "../backend/registry.js";
import type { AdamArgs } from "../backend/kernels.js";
import { checkOptions } from "../tensor/pytorch_habits.js";
import { Tensor } from "../tensor/tensor.js";
import { Optimizer, type ParamGroup, type ParamsArg } from "./optimizer.js";
import type { FloatStorage } from "../tensor/storage.js";

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
  /** AMSGrad (Reddi et al.): divide by the running maximum of the second moment. */
  amsgrad: boolean;
}

const ADAM_OPTIONS = ["lr", "betas", "eps", "weightDecay", "maximize", "amsgrad"] as const;
const checkAdamOptions = <T>(name: string, opts: T): T =>
  checkOptions(name, opts, ADAM_OPTIONS, `new optim.${name}(model.parameters(), { lr: 0.001, betas: [0.9, 0.999] })`);

export class Adam extends Optimizer<AdamOptions> {
  protected readonly decoupled: boolean = false;

  constructor(params: ParamsArg<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    const defaults: AdamOptions = {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      maximize: false,
      amsgrad: false,
    };
    super(params, { ...defaults, ...checkAdamOptions("Adam", opts) });
  }

  protected override validate(g: ParamGroup<AdamOptions>): void {
    super.validate(g);
    if (!Array.isArray(g.betas) || g.betas.length !== 2) {
      throw new Error(`${this.constructor.name}: betas must be a pair [beta1, beta2], e.g. [0.9, 0.999]`);
    }
    const [b1, b2] = g.betas;
    if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1))
      throw new Error(`${this.constructor.name}: invalid betas [${b1}, ${b2}] (each must be in [0, 1))`);
    if (!(g.eps >= 0)) throw new Error(`${this.constructor.name}: invalid eps ${g.eps}`);
  }

  step(): void {
    for (const g of this.paramGroups) {
      // One kernel call per group: the backend may run all its parameters as one job.
      const updates: AdamArgs[] = [];
      for (const p of g.params) {
        const grad = p.peekGrad();
        if (!grad) continue;
        const z = (): Tensor => this.stateTensor(p);
        let st = this.state.get(p);
        if (!st) {
          st = { step: 0, exp_avg: z(), exp_avg_sq: z() };
          this.state.set(p, st);
        }
        if (g.amsgrad && !st.max_exp_avg_sq) st.max_exp_avg_sq = z();
        st.step = (st.step as number) + 1;
        const data = (key: string): FloatStorage => (st[key] as Tensor).storage as FloatStorage;
        updates.push({
          param: p.storage as FloatStorage,
          grad: grad.storage as FloatStorage,
          expAvg: data("exp_avg"),
          expAvgSq: data("exp_avg_sq"),
          maxExpAvgSq: g.amsgrad ? data("max_exp_avg_sq") : null,
          lr: g.lr,
          beta1: g.betas[0],
          beta2: g.betas[1],
          eps: g.eps,
          weightDecay: g.weightDecay,
          decoupled: this.decoupled,
          step: st.step,
          maximize: g.maximize,
        });
      }
      if (updates.length) kernels.adamSteps(updates);
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
