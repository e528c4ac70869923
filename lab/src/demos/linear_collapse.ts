import { manualSeed, nn, noGrad, tensor, type Tensor } from "gradlab";
import { modelExport, plainStateDict, pyList } from "../lib/model_io.ts";
import { button, canvas, checkbox, controls, fmtNum, h, metric, metrics, panel, row, slider } from "../lib/ui.ts";
import { clear, drawAxes, drawLine, drawRegions, type View } from "../lib/plot.ts";
import type { Demo } from "./types.ts";

export function matTable(t: Tensor, name: string, metricName?: string): HTMLElement {
  const [r, c] = t.ndim === 2 ? t.shape : [1, t.shape[0]];
  const tb = h("table", { class: "mat", "aria-label": name, ...(metricName ? { "data-metric": metricName } : {}) });
  for (let i = 0; i < r; i++) {
    const tr = h("tr");
    for (let j = 0; j < c; j++) tr.append(h("td", { text: fmtNum(t.data[i * c + j], 3) }));
    tb.append(tr);
  }
  return h("div", { class: "matwrap" }, h("div", { class: "note", text: name }), tb);
}

export const linearCollapse: Demo = {
  id: "linear-collapse",
  title: "Two linear layers are one linear layer",
  blurb: "Stack Linear(2→H) and Linear(H→1) with no non-linearity in between: the composition is a single Linear layer with W = W₂W₁ and b = W₂b₁ + b₂, so the decision boundary is still a straight line. Tick ReLU and it bends.",
  mount(root, st) {
    const s = { hidden: st.num("hidden", 6), seed: st.num("seed", 1), relu: st.bool("relu", false) };
    const view: View = { x0: -3, x1: 3, y0: -3, y1: 3 };
    const G = 90;
    const cv = canvas(380, 380, "Decision regions of the two-layer model; dashed: the single equivalent layer's line", { "data-plot": "regions" });
    const mats = h("div", { class: "row" });
    const mDiff = metric("max-diff", "max |f(x) − (Wx + b)| on the plane"), mB = metric("boundary", "boundary");
    let model: nn.Sequential;
    const build = () => {
      manualSeed(s.seed);
      model = new nn.Sequential(new nn.Linear(2, s.hidden), s.relu ? new nn.ReLU() : new nn.Identity(), new nn.Linear(s.hidden, 1));
    };
    const update = () => {
      const l1 = model[0] as nn.Linear, l2 = model[2] as nn.Linear;
      const W = noGrad(() => l2.weight.matmul(l1.weight));                      // (1, 2)
      const b = noGrad(() => l2.weight.matmul(l1.bias!.unsqueeze(1)).reshape([1]).add(l2.bias!)); // (1)
      const pts = new Float32Array(G * G * 2);
      for (let r = 0; r < G; r++) for (let q = 0; q < G; q++) {
        pts[(r * G + q) * 2] = view.x0 + ((q + 0.5) / G) * (view.x1 - view.x0);
        pts[(r * G + q) * 2 + 1] = view.y1 - ((r + 0.5) / G) * (view.y1 - view.y0);
      }
      const X = tensor(pts, { shape: [G * G, 2] });
      const f = noGrad(() => model(X)).data;
      const lin = noGrad(() => X.matmul(W.t()).add(b)).data;
      let diff = 0;
      const probs = new Float32Array(G * G * 2);
      for (let i = 0; i < G * G; i++) {
        diff = Math.max(diff, Math.abs(f[i] - lin[i]));
        const p = 1 / (1 + Math.exp(-3 * f[i]));
        probs[2 * i] = 1 - p; probs[2 * i + 1] = p;
      }
      mDiff.set(diff);
      mB.set(diff < 1e-4 ? "a straight line" : "bent (piecewise linear)");
      clear(cv); drawRegions(cv, probs, G, 2); drawAxes(cv, view);
      drawLine(cv, view, W.data[0], W.data[1], b.data[0], s.relu ? "rgba(0,0,0,0.45)" : "#111");
      mats.replaceChildren(
        matTable(l1.weight.detach(), `W₁ (${s.hidden}×2)`), matTable(l1.bias!.detach().unsqueeze(1), `b₁ (${s.hidden})`),
        matTable(l2.weight.detach(), `W₂ (1×${s.hidden})`), matTable(l2.bias!.detach(), "b₂"),
        matTable(W, "W = W₂W₁ (1×2)", "equiv-W"), matTable(b, "b = W₂b₁ + b₂", "equiv-b"));
      st.patch(s);
    };
    const rebuild = () => { build(); update(); };
    root.append(row(
      panel("Decision regions", cv, h("p", { class: "note", text: "Orange: f(x) > 0. The dashed line is where the single equivalent layer Wx + b = 0. Without ReLU the boundary lies exactly on it." })),
      panel("Layers",
        controls(
          slider({ name: "hidden", label: "hidden width H", min: 1, max: 12, step: 1, value: s.hidden, onInput: (v) => { s.hidden = v; rebuild(); } }),
          checkbox({ name: "relu", label: "ReLU between the layers", value: s.relu, onChange: (v) => { s.relu = v; rebuild(); } }),
          button("reseed", "New random weights", () => { s.seed++; rebuild(); })),
        metrics(mDiff, mB), mats,
        h("h2", { text: "Model" }),
        modelExport("two-layers.safetensors", () => {
          const l1 = model[0] as nn.Linear, l2 = model[2] as nn.Linear;
          return {
            sd: plainStateDict(model.stateDict()),
            code: `import torch\nfrom torch import nn\n\nmodel = nn.Sequential(nn.Linear(2, ${s.hidden}), ${s.relu ? "nn.ReLU()" : "nn.Identity()"}, nn.Linear(${s.hidden}, 1))\n` +
              `# load the downloaded weights: model.load_state_dict(safetensors.torch.load_file("two-layers.safetensors"))\n` +
              `W1, b1 = model[0].weight, model[0].bias\nW2, b2 = model[2].weight, model[2].bias\n` +
              `W = W2 @ W1          # ${pyList(noGrad(() => l2.weight.matmul(l1.weight)).data, [1, 2])}\nb = W2 @ b1 + b2     # the single equivalent nn.Linear(2, 1)\n`,
          };
        })),
    ));
    rebuild();
  },
};
