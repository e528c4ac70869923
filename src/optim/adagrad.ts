/**
 * Adagrad, PyTorch's formulation (lr 1e-2, eps 1e-10 by default):
 *
 *   s ← s + g²                            (state sum, starting at initialAccumulatorValue)
 *   θ ← θ − lr_t · g / (√s + ε),          lr_t = lr / (1 + (t − 1)·lrDecay)
 *
 * Weight decay adds λθ to g first; maximize negates g.
 */
import { noGrad } from "../autograd/grad_mode.js";
import { add, div, mul, sqrt, sub } from "../ops/elementwise.js";
import { checkOptions } from "../tensor/pytorch_habits.js";
import type { Tensor } from "../tensor/tensor.js";
import { Optimizer, type ParamGroup, type ParamsArg } from "./optimizer.js";

export interface AdagradOptions {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: ParamsArg<AdagradOptions>, opts: Partial<AdagradOptions> = {}) {
    const defaults: AdagradOptions = {
      lr: 1e-2,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
      maximize: false,
    };
    checkOptions("Adagrad", opts, Object.keys(defaults), "new optim.Adagrad(model.parameters(), { lr: 0.01 })");
    super(params, { ...defaults, ...opts });
  }

  protected override validate(g: ParamGroup<AdagradOptions>): void {
    super.validate(g);
    if (!(g.lrDecay >= 0)) throw new Error(`Adagrad: invalid lrDecay ${g.lrDecay} (must be ≥ 0)`);
    if (!(g.initialAccumulatorValue >= 0))
      throw new Error(`Adagrad: invalid initialAccumulatorValue ${g.initialAccumulatorValue}`);
    if (!(g.eps >= 0)) throw new Error(`Adagrad: invalid eps ${g.eps} (must be ≥ 0)`);
  }

  step(): void {
    noGrad(() => {
      for (const g of this.paramGroups) {
        for (const p of g.params) {
          let grad = p.peekGrad();
          if (!grad) continue;
          let st = this.state.get(p);
          if (!st) {
            st = { step: 0, sum: this.stateTensor(p, g.initialAccumulatorValue) };
            this.state.set(p, st);
          }
          st.step = (st.step as number) + 1;
          if (g.maximize) grad = mul(grad, -1);
          if (g.weightDecay !== 0) grad = add(grad, mul(p, g.weightDecay));
          const clr = g.lr / (1 + ((st.step as number) - 1) * g.lrDecay);
          const sum = st.sum as Tensor;
          sum.copy_(add(sum, mul(grad, grad)));
          p.copy_(sub(p, mul(div(grad, add(sqrt(sum), g.eps)), clr)));
        }
      }
    });
  }
}
