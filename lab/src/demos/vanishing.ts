import { F, manualSeed, nn, randint, randn, type Tensor } from "gradlab";
import { activationModule, initLinear, type Activation, type Init, INITS } from "../lib/mlp.ts";
import { button, checkbox, controls, fmtNum, h, metric, metrics, panel, row, select, slider } from "../lib/ui.ts";
import { LineChart } from "../lib/plot.ts";
import type { Demo } from "./types.ts";

const ACTS = ["sigmoid", "tanh", "relu", "gelu"] as const;

class DeepNet extends nn.Module {
  layers: nn.ModuleList; norms: nn.ModuleList; acts: nn.ModuleList; head: nn.Linear;
  constructor(readonly width: number, readonly depth: number, act: Activation, init: Init, readonly residual: boolean, readonly norm: boolean) {
    super();
    this.layers = new nn.ModuleList(Array.from({ length: depth }, () => { const l = new nn.Linear(width, width); initLinear(l, init, act); return l; }));
    this.norms = new nn.ModuleList(norm ? Array.from({ length: depth }, () => new nn.BatchNorm1d(width)) : []);
    this.acts = new nn.ModuleList(Array.from({ length: depth }, () => activationModule(act)));
    this.head = new nn.Linear(width, 10);
  }
  override forward(x: Tensor): Tensor {
    for (let i = 0; i < this.depth; i++) {
      let h = this.layers[i](x);
      if (this.norm) h = this.norms[i](h);
      h = this.acts[i](h);
      x = this.residual ? x.add(h) : h;
    }
    return this.head(x);
  }
}

export const vanishing: Demo = {
  id: "vanishing-gradients",
  title: "Vanishing (and exploding) gradients",
  blurb: "A deep stack of Linear layers: pick the depth, activation, init, residual connections and normalisation, run one backward pass, and read each layer's weight-gradient norm on a log scale, next to the 0.25^L bound (σ′ ≤ 1/4) from the slide.",
  mount(root, st) {
    const s = { depth: st.num("depth", 20), width: st.num("width", 64), act: st.str("act", "sigmoid", ACTS), init: st.str("init", "default", INITS), res: st.bool("res", false), norm: st.bool("norm", false), seed: st.num("seed", 0) };
    const chart = new LineChart({ title: "log₁₀ ‖∂L/∂W‖ per layer", series: [{ label: "log₁₀ gradient norm", stroke: "#0b62d6" }, { label: "log₁₀ (0.25^(L−l) × last layer)", stroke: "#999", dash: [5, 5] }], yLabel: "log₁₀ ‖grad‖", xLabel: "layer l (1 = nearest the input)", metric: "grad-norms", height: 280 });
    const mFirst = metric("grad-first", "‖grad‖ layer 1"), mLast = metric("grad-last", "‖grad‖ layer L"), mRatio = metric("ratio", "layer 1 / layer L"),
      mBound = metric("bound", "0.25^(L−1)"), mLoss = metric("loss", "loss");
    const table = h("details", {}, h("summary", { text: "Per-layer numbers" }));
    const update = () => {
      manualSeed(s.seed);
      const net = new DeepNet(s.width, s.depth, s.act, s.init, s.res, s.norm);
      const x = randn([128, s.width]), y = randint(0, 10, [128]);
      const loss = F.crossEntropy(net(x), y);
      loss.backward();
      const norms = Array.from({ length: s.depth }, (_, i) => {
        const g = (net.layers[i] as nn.Linear).weight.grad;
        let sq = 0; if (g) for (const v of g.data) sq += v * v;
        return Math.sqrt(sq);
      });
      const last = norms[s.depth - 1];
      const lg = (v: number) => (v > 0 && Number.isFinite(v) ? Math.log10(v) : null);
      chart.setData(norms.map((_, i) => i + 1), [norms.map(lg), norms.map((_, i) => lg(last * 0.25 ** (s.depth - 1 - i)))]);
      mFirst.set(norms[0]); mLast.set(last); mRatio.set(norms[0] / last); mBound.set(0.25 ** (s.depth - 1)); mLoss.set(loss.item());
      const tb = h("table", { class: "mat" }, h("tr", {}, h("th", { text: "layer" }), h("th", { text: "‖∂L/∂W‖" })), ...norms.map((v, i) => h("tr", {}, h("td", { text: String(i + 1) }), h("td", { text: fmtNum(v) }))));
      table.replaceChildren(table.firstChild!, tb);
      st.patch(s);
    };
    root.append(row(
      panel("Network", controls(
        slider({ name: "depth", label: "depth L", min: 1, max: 40, step: 1, value: s.depth, onInput: (v) => { s.depth = v; update(); } }),
        slider({ name: "width", label: "width", min: 8, max: 128, step: 8, value: s.width, onInput: (v) => { s.width = v; update(); } }),
        select({ name: "act", label: "activation", options: ACTS, value: s.act, onChange: (v) => { s.act = v; update(); } }),
        select({ name: "init", label: "init", options: [["default", "default (PyTorch)"], ["xavier", "Xavier"], ["he", "He (Kaiming)"], ["tiny", "tiny N(0, 0.01²)"], ["huge", "huge N(0, 2²)"]] as const, value: s.init, onChange: (v) => { s.init = v; update(); } }),
        checkbox({ name: "res", label: "residual connections x + f(x)", value: s.res, onChange: (v) => { s.res = v; update(); } }),
        checkbox({ name: "norm", label: "BatchNorm before each activation", value: s.norm, onChange: (v) => { s.norm = v; update(); } }),
        button("resample", "New random weights", () => { s.seed++; update(); })),
        metrics(mLoss, mFirst, mLast, mRatio, mBound),
        h("p", { class: "note", text: "Backprop multiplies one Jacobian per layer: with sigmoid each contributes σ′ ≤ 0.25 times a weight matrix, so the gradient reaching layer 1 shrinks geometrically with depth. He init + ReLU, normalisation, or residual connections keep it flat; 'huge' init explodes it." })),
      panel("Gradient norms after one backward pass", chart.el, table),
    ));
    update();
    return () => chart.destroy();
  },
};
