import { nn, noGrad, sigmoid, tensor } from "gradlab";
import { modelExport, plainStateDict } from "../lib/model_io.ts";
import { canvas, controls, fmtNum, h, metric, metrics, panel, row, slider } from "../lib/ui.ts";
import { clear, drawAxes, drawField, drawLine, drawPoints, fromPx, type View } from "../lib/plot.ts";
import type { Demo } from "./types.ts";

export const neuron: Demo = {
  id: "neuron",
  title: "One neuron",
  blurb: "Two inputs, a weight each, a bias and a sigmoid: a = σ(w₁x₁ + w₂x₂ + b). Drag the weights and bias and watch the decision line σ = 0.5 (z = 0) move; click the plane to move the input point.",
  mount(root, st) {
    const s = { w1: st.num("w1", 1), w2: st.num("w2", -1), b: st.num("b", 0.5), x1: st.num("x1", 1), x2: st.num("x2", 0.5) };
    const layer = new nn.Linear(2, 1);
    const view: View = { x0: -3, x1: 3, y0: -3, y1: 3 };
    const cv = canvas(380, 380, "Plane of inputs coloured by the neuron's output; dashed line is the decision boundary", { "data-plot": "plane", tabindex: 0 });
    const mz = metric("z", "pre-activation z = w·x + b"), ma = metric("a", "activation a = σ(z)"), mc = metric("class", "class (a ≥ 0.5)");
    const formula = h("p", { class: "note", "data-metric": "formula" });

    const update = () => {
      noGrad(() => { layer.weight.data.set([s.w1, s.w2]); layer.bias!.data.set([s.b]); });
      const z = noGrad(() => layer(tensor([[s.x1, s.x2]])));
      const a = sigmoid(z);
      mz.set(z.item()); ma.set(a.item()); mc.set(a.item() >= 0.5 ? "1" : "0");
      formula.textContent = `z = ${fmtNum(s.w1)}·${fmtNum(s.x1)} + ${fmtNum(s.w2)}·${fmtNum(s.x2)} + ${fmtNum(s.b)} = ${fmtNum(z.item())};  a = 1 / (1 + e^(−z)) = ${fmtNum(a.item())}`;
      clear(cv);
      drawField(cv, view, (x, y) => 1 / (1 + Math.exp(-(s.w1 * x + s.w2 * y + s.b))));
      drawAxes(cv, view);
      drawLine(cv, view, s.w1, s.w2, s.b);
      drawPoints(cv, view, [s.x1, s.x2], [a.item() >= 0.5 ? 1 : 0], 7);
      st.patch(s);
    };
    const sl = (k: keyof typeof s, label: string, min = -5, max = 5) => slider({ name: k, label, min, max, step: 0.05, value: s[k], onInput: (v) => { s[k] = v; update(); } });
    const ctl = { w1: sl("w1", "weight w₁"), w2: sl("w2", "weight w₂"), b: sl("b", "bias b"), x1: sl("x1", "input x₁", -3, 3), x2: sl("x2", "input x₂", -3, 3) };
    cv.addEventListener("click", (e) => {
      const r = cv.getBoundingClientRect();
      const [x, y] = fromPx(cv, view, ((e.clientX - r.left) / r.width) * 380, ((e.clientY - r.top) / r.height) * 380);
      s.x1 = +x.toFixed(2); s.x2 = +y.toFixed(2); ctl.x1.set(s.x1); ctl.x2.set(s.x2); update();
    });
    root.append(row(
      panel("Input plane", cv, h("p", { class: "note", text: "Colour: σ(z) (blue → 0, orange → 1). The dashed line is z = 0, where σ = 0.5. The weight vector (w₁, w₂) is perpendicular to it; the bias shifts it." })),
      panel("Neuron", controls(ctl.w1, ctl.w2, ctl.b, ctl.x1, ctl.x2), metrics(mz, ma, mc), formula,
        h("h2", { text: "Model" }),
        modelExport("neuron.safetensors", () => ({
          sd: plainStateDict(layer.stateDict()),
          code: `import torch\nfrom torch import nn\n\nneuron = nn.Linear(2, 1)\nwith torch.no_grad():\n    neuron.weight.copy_(torch.tensor([[${s.w1}, ${s.w2}]]))\n    neuron.bias.copy_(torch.tensor([${s.b}]))\n\nx = torch.tensor([[${s.x1}, ${s.x2}]])\nz = neuron(x)          # pre-activation\na = torch.sigmoid(z)   # activation\n`,
        }))),
    ));
    update();
  },
};
