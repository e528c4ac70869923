import { manualSeed, nn, noGrad, tensor, type Tensor } from "gradlab";
import { button, checkbox, controls, slider } from "../lib/controls.ts";
import { fmtNum } from "../lib/format.ts";
import { modelExport, plainStateDict, pyList } from "../lib/model_io.ts";
import { NetDiagram } from "../lib/netdiagram.ts";
import { clear, drawAxes, drawLine, drawRegions, gridPoints, type View } from "../lib/plot.ts";
import { canvas, h, metric, metrics, note, panel, row } from "../lib/ui.ts";
import type { NumberParam } from "../lib/url.ts";
import type { Demo } from "./types.ts";

export function matTable(t: Tensor, name: string, metricName?: string): HTMLElement {
  const [r, c] = t.ndim === 2 ? t.shape : [1, t.shape[0]];
  const tb = h("table", { class: "mat", "aria-label": name, ...(metricName ? { "data-metric": metricName } : {}) });
  for (let i = 0; i < r; i++) {
    const tr = h("tr");
    for (let j = 0; j < c; j++) tr.append(h("td", { text: fmtNum(t.dataSync()[i * c + j], 3) }));
    tb.append(tr);
  }
  return h("div", { class: "matwrap" }, h("div", { class: "note", text: name }), tb);
}

const HIDDEN: NumberParam = { key: "hidden", min: 1, max: 12, step: 1, value: 6 };
const SEED: NumberParam = { key: "seed", min: 0, max: 1000, step: 1, value: 1 };
const G = 90;

export const linearCollapse: Demo = {
  id: "linear-collapse",
  title: "Two linear layers are one linear layer",
  blurb:
    "Stack Linear(2→H) and Linear(H→1) with no non-linearity in between: the composition is a single Linear " +
    "layer with W = W₂W₁ and b = W₂b₁ + b₂, so the decision boundary is still a straight line. Tick ReLU and it bends.",
  stage: "foundations",
  lecture: "Lecture 1",
  tryThis: [
    "Change the hidden width H and draw new random weights: the boundary stays a straight line.",
    'Tick "ReLU between the layers".',
  ],
  notice: [
    "Without ReLU the difference between the two-layer net and W = W₂W₁, b = W₂b₁ + b₂ is zero up to rounding: " +
      "depth bought nothing.",
    "With ReLU the boundary bends and the single equivalent layer no longer exists.",
  ],
  mount(root, st) {
    const s = { hidden: st.num(HIDDEN), seed: st.num(SEED), relu: st.bool("relu", false) };
    const view: View = { x0: -3, x1: 3, y0: -3, y1: 3 };
    const cv = canvas(380, 380, "Decision regions of the two-layer model; dashed: the single equivalent layer's line", {
      "data-plot": "regions",
    });
    const mats = h("div", { class: "row" });
    const mDiff = metric("max-diff", "max |f(x) − (Wx + b)| on the plane"),
      mB = metric("boundary", "boundary");
    const deep = new NetDiagram({
      label: "The two-layer network",
      names: { inputs: ["x₁", "x₂"], outputs: ["f"] },
      width: 260,
      height: 160,
    });
    const single = new NetDiagram({
      label: "The single equivalent layer",
      names: { inputs: ["x₁", "x₂"], outputs: ["f"] },
      width: 160,
      height: 160,
    });
    let model: nn.Sequential;
    const build = () => {
      manualSeed(s.seed);
      model = new nn.Sequential(
        new nn.Linear(2, s.hidden),
        s.relu ? new nn.ReLU() : new nn.Identity(),
        new nn.Linear(s.hidden, 1),
      );
    };
    const layers = () => [model[0] as nn.Linear, model[2] as nn.Linear] as const;
    const update = () => {
      const [l1, l2] = layers();
      const W = noGrad(() => l2.weight.matmul(l1.weight)); // (1, 2)
      const b = noGrad(() => l2.weight.matmul(l1.bias!.unsqueeze(1)).reshape([1]).add(l2.bias!)); // (1)
      const X = tensor(gridPoints(view, G), { shape: [G * G, 2] });
      const f = noGrad(() => model(X)).dataSync();
      const lin = noGrad(() => X.matmul(W.t()).add(b)).dataSync();
      let diff = 0;
      const probs = new Float32Array(G * G * 2);
      for (let i = 0; i < G * G; i++) {
        diff = Math.max(diff, Math.abs(f[i] - lin[i]));
        const p = 1 / (1 + Math.exp(-3 * f[i]));
        probs[2 * i] = 1 - p;
        probs[2 * i + 1] = p;
      }
      mDiff.set(diff);
      mB.set(diff < 1e-4 ? "a straight line" : "bent (piecewise linear)");
      clear(cv);
      drawRegions(cv, probs, G, 2);
      drawAxes(cv, view);
      drawLine(cv, view, W.dataSync()[0], W.dataSync()[1], b.dataSync()[0], s.relu ? "rgba(0,0,0,0.45)" : "#111");
      const lw = (l: nn.Linear) => ({
        weight: l.weight.dataSync(),
        bias: l.bias!.dataSync(),
        inputs: l.inFeatures,
        outputs: l.outFeatures,
      });
      deep.update([lw(l1), lw(l2)]);
      single.update([{ weight: W.dataSync(), bias: b.dataSync(), inputs: 2, outputs: 1 }]);
      mats.replaceChildren(
        matTable(l1.weight.detach(), `W₁ (${s.hidden}×2)`),
        matTable(l1.bias!.detach().unsqueeze(1), `b₁ (${s.hidden})`),
        matTable(l2.weight.detach(), `W₂ (1×${s.hidden})`),
        matTable(l2.bias!.detach(), "b₂"),
        matTable(W, "W = W₂W₁ (1×2)", "equiv-W"),
        matTable(b, "b = W₂b₁ + b₂", "equiv-b"),
      );
      st.patch(s);
    };
    const rebuild = () => {
      build();
      update();
    };
    root.append(
      row(
        panel(
          "Decision regions",
          cv,
          note(
            "Orange: f(x) > 0. The dashed line is where the single equivalent layer Wx + b = 0. " +
              "Without ReLU the boundary lies exactly on it.",
          ),
        ),
        panel(
          "Layers",
          controls(
            slider({
              ...HIDDEN,
              current: s.hidden,
              label: "hidden width H",
              onInput: (v) => {
                s.hidden = v;
                rebuild();
              },
            }),
            checkbox({
              name: "relu",
              label: "ReLU between the layers",
              value: s.relu,
              onChange: (v) => {
                s.relu = v;
                rebuild();
              },
            }),
            button(
              "reseed",
              "New random weights",
              () => {
                s.seed = (s.seed + 1) % (SEED.max + 1);
                rebuild();
              },
              { icon: "dice" },
            ),
          ),
          metrics(mDiff, mB),
          h("div", { class: "row diagrams" }, deep.el, single.el),
          mats,
          h("h2", { text: "Model" }),
          modelExport("two-layers.safetensors", () => {
            const [l1, l2] = layers();
            return {
              sd: plainStateDict(model.stateDict()),
              code:
                `import torch\nfrom torch import nn\n\nmodel = nn.Sequential(nn.Linear(2, ${s.hidden}), ` +
                `${s.relu ? "nn.ReLU()" : "nn.Identity()"}, ` +
                `nn.Linear(${s.hidden}, 1))\n` +
                `# load the downloaded weights: ` +
                `model.load_state_dict(safetensors.torch.load_file("two-layers.safetensors"))\n` +
                `W1, b1 = model[0].weight, model[0].bias\nW2, b2 = model[2].weight, model[2].bias\n` +
                `W = W2 @ W1          # ${pyList(noGrad(() => l2.weight.matmul(l1.weight)).dataSync(), [1, 2])}\n` +
                `b = W2 @ b1 + b2     # the single equivalent nn.Linear(2, 1)\n`,
            };
          }),
        ),
      ),
    );
    rebuild();
  },
};
