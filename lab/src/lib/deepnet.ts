/**
 * A deep stack of equal-width layers with the lecture's three tools for depth as switches: the
 * init, residual connections x + f(x), and BatchNorm before each activation. Used by the
 * vanishing-gradients and depth-tools pages (inside their workers).
 */
import { nn, type Tensor } from "gradlab";
import { activationModule } from "gradlab/nn/mlp.ts";
import { initLayer, type Activation, type Init } from "./mlp.ts";

export interface DeepNetConfig {
  /** Input features; a first Linear maps them to `width` when they differ. */
  inputs: number;
  width: number;
  /** Hidden width × width layers, the ones whose gradients the pages plot. */
  depth: number;
  outputs: number;
  activation: Activation;
  init: Init;
  residual: boolean;
  norm: boolean;
}

export class DeepNet extends nn.Module {
  stem: nn.Linear | null;
  layers: nn.ModuleList;
  norms: nn.ModuleList;
  acts: nn.ModuleList;
  head: nn.Linear;

  constructor(readonly c: DeepNetConfig) {
    super();
    this.stem = c.inputs === c.width ? null : new nn.Linear(c.inputs, c.width);
    if (this.stem) initLayer(this.stem, c.init, c.activation);
    this.layers = new nn.ModuleList(
      Array.from({ length: c.depth }, () => {
        const l = new nn.Linear(c.width, c.width);
        initLayer(l, c.init, c.activation);
        return l;
      }),
    );
    this.norms = new nn.ModuleList(c.norm ? Array.from({ length: c.depth }, () => new nn.BatchNorm1d(c.width)) : []);
    this.acts = new nn.ModuleList(Array.from({ length: c.depth + 1 }, () => activationModule(c.activation)));
    this.head = new nn.Linear(c.width, c.outputs);
  }

  override forward(x: Tensor): Tensor {
    if (this.stem) x = this.acts[this.c.depth](this.stem(x));
    for (let i = 0; i < this.c.depth; i++) {
      let h = this.layers[i](x);
      if (this.c.norm) h = this.norms[i](h);
      h = this.acts[i](h);
      x = this.c.residual ? x.add(h) : h;
    }
    return this.head(x);
  }

  /** The hidden layers' weight gradients (null before a backward pass), layer 1 first. */
  weightGrads(): (Tensor | null)[] {
    return [...this.layers].map((l) => (l as nn.Linear).weight.grad);
  }

  /** ‖∂L/∂W‖ of each hidden layer after a backward pass (layer 1 = nearest the input), read in one wait. */
  async gradNorms(): Promise<number[]> {
    return (await Promise.all(this.weightGrads().map((g) => (g ? g.data() : null)))).map(l2norm);
  }
}

/** ‖g‖₂ accumulated in float64 (0 for a missing gradient). */
export function l2norm(g: ArrayLike<number> | null): number {
  let sq = 0;
  if (g) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
  return Math.sqrt(sq);
}
