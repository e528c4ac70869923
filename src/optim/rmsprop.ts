/**
 * RMSprop, PyTorch's formulation (alpha = 0.99, eps = 1e-8 by default):
 *
 *   v ← α·v + (1 − α)·g²                        (state square_avg)
 *   ḡ ← α·ḡ + (1 − α)·g,  v̂ = v − ḡ²            (centered; state grad_avg)
 *   b ← μ·b + g / (√v̂ + ε),  θ ← θ − lr·b       (momentum μ; state momentum_buffer)
 *   θ ← θ − lr·g / (√v̂ + ε)                     (no momentum)
 *
 * Weight decay adds λθ to g first; maximize negates g.
 */
import { noGrad } from "../autograd/grad_mode.js";
import { add, div, mul, sqrt, sub } from "../ops/elementwise.js";
import type { Parameter } from "../nn/parameter.js";
import { checkOptions } from "../tensor/pytorch_habits.js";
import type { Tensor } from "../tensor/tensor.js";
import { Optimizer, type ParamGroup, type ParamsArg } from "./optimizer.js";

export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: ParamsArg<RMSpropOptions>, opts: Partial<RMSpropOptions> = {}) {
    const defaults: RMSpropOptions = {
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      maximize: false,
    };
    checkOptions(
      "RMSprop",
      opts,
      Object.keys(defaults),
      "new optim.RMSprop(model.parameters(), { lr: 0.01, alpha: 0.99 })",
    );
    super(params, { ...defaults, ...opts });
  }

  protected override validate(g: ParamGroup<RMSpropOptions>): void {
    super.validate(g);
    if (!(g.alpha >= 0)) throw new Error(`RMSprop: invalid alpha ${g.alpha} (must be ≥ 0)`);
    if (!(g.eps >= 0)) throw new Error(`RMSprop: invalid eps ${g.eps} (must be ≥ 0)`);
    if (!(g.momentum >= 0)) throw new Error(`RMSprop: invalid momentum ${g.momentum} (must be ≥ 0)`);
    if (!(g.weightDecay >= 0)) throw new Error(`RMSprop: invalid weightDecay ${g.weightDecay} (must be ≥ 0)`);
  }

  step(): void {
    noGrad(() => {
      for (const g of this.paramGroups) {
        for (const p of g.params) {
          let grad = p.peekGrad();
          if (!grad) continue;
          const st = this.stateOf(p, g);
          st.step = (st.step as number) + 1;
          if (g.maximize) grad = mul(grad, -1);
          if (g.weightDecay !== 0) grad = add(grad, mul(p, g.weightDecay));
          const sq = st.square_avg as Tensor;
          sq.copy_(add(mul(sq, g.alpha), mul(mul(grad, grad), 1 - g.alpha)));
          let avg: Tensor;
          if (g.centered) {
            const ga = st.grad_avg as Tensor;
            ga.copy_(add(ga, mul(sub(grad, ga), 1 - g.alpha))); // lerp, as PyTorch
            avg = add(sqrt(sub(sq, mul(ga, ga))), g.eps);
          } else {
            avg = add(sqrt(sq), g.eps);
          }
          if (g.momentum > 0) {
            const buf = st.momentum_buffer as Tensor;
            buf.copy_(add(mul(buf, g.momentum), div(grad, avg)));
            p.copy_(sub(p, mul(buf, g.lr)));
          } else {
            p.copy_(sub(p, mul(div(grad, avg), g.lr)));
          }
        }
      }
    });
  }

  /** The parameter's state, created on its first step with PyTorch's keys. */
  private stateOf(p: Parameter, g: ParamGroup<RMSpropOptions>): Record<string, Tensor | number> {
    let st = this.state.get(p);
    const zeros = (): Tensor => this.stateTensor(p);
    if (!st) {
      st = { step: 0, square_avg: zeros() };
      this.state.set(p, st);
    }
    if (g.momentum > 0 && !st.momentum_buffer) st.momentum_buffer = zeros();
    if (g.centered && !st.grad_avg) st.grad_avg = zeros();
    return st;
  }
}
