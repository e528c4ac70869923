import { nn, noGrad, sigmoid, tensor } from "gradlab";
import { button, controls, slider } from "../lib/controls.ts";
import { fmtNum } from "../lib/format.ts";
import { modelExport, plainStateDict } from "../lib/model_io.ts";
import { NetDiagram } from "../lib/netdiagram.ts";
import { clear, drawAxes, drawField, drawLine, drawPoints, fromPx, type View } from "../lib/plot.ts";
import { canvas, h, metric, metrics, note, panel, pointerAt, row } from "../lib/ui.ts";
import type { NumberParam } from "../lib/url.ts";
import type { Demo } from "./types.ts";

const weight = (key: string, value: number): NumberParam => ({ key, min: -5, max: 5, step: 0.05, value });
const input = (key: string, value: number): NumberParam => ({ key, min: -3, max: 3, step: 0.05, value });
const P = { w1: weight("w1", 1), w2: weight("w2", -1), b: weight("b", 0.5), x1: input("x1", 1), x2: input("x2", 0.5) };

export const neuron: Demo = {
  id: "neuron",
  title: "One neuron",
  blurb:
    "Two inputs, a weight each, a bias and a sigmoid: a = σ(w₁x₁ + w₂x₂ + b). The colour of the plane is the " +
    "neuron's output at every input; the dashed line is where it is exactly 0.5.",
  stage: "foundations",
  lecture: "Lecture 1",
  tryThis: [
    "Drag w₁ and w₂ and watch the line turn; drag b and watch it slide.",
    "Click the plane (or use the x₁, x₂ sliders) to move the input point.",
  ],
  notice: [
    "The line is always perpendicular to the weight vector (w₁, w₂).",
    "Doubling both weights and the bias keeps the line but makes the colour change more sharply: a more confident " +
      "neuron.",
  ],
  mount(root, st) {
    const s = { w1: st.num(P.w1), w2: st.num(P.w2), b: st.num(P.b), x1: st.num(P.x1), x2: st.num(P.x2) };
    const layer = new nn.Linear(2, 1);
    const view: View = { x0: -3, x1: 3, y0: -3, y1: 3 };
    const cv = canvas(
      380,
      380,
      "Plane of inputs coloured by the neuron's output; the dashed line is the decision boundary",
      { "data-plot": "plane", tabindex: 0 },
    );
    const mz = metric("z", "pre-activation z = w·x + b"),
      ma = metric("a", "activation a = σ(z)"),
      mc = metric("class", "class (a ≥ 0.5)");
    const formula = h("p", { class: "note formula", "data-metric": "formula" });
    const diagram = new NetDiagram({
      label: "The neuron: two inputs, one output",
      names: { inputs: ["x₁", "x₂"], outputs: ["a"] },
      width: 220,
      height: 120,
    });

    const update = () => {
      noGrad(() => {
        layer.weight.dataSync().set([s.w1, s.w2]);
        layer.bias!.dataSync().set([s.b]);
      });
      const z = noGrad(() => layer(tensor([[s.x1, s.x2]]))).item();
      const a = sigmoid(tensor([z])).item();
      mz.set(z);
      ma.set(a);
      mc.set(a >= 0.5 ? "1" : "0");
      formula.textContent =
        `z = ${fmtNum(s.w1)}·${fmtNum(s.x1)} + ${fmtNum(s.w2)}·${fmtNum(s.x2)} + ${fmtNum(s.b)} = ${fmtNum(z)};  ` +
        `a = 1 / (1 + e^(−z)) = ${fmtNum(a)}`;
      clear(cv);
      drawField(cv, view, (x, y) => 1 / (1 + Math.exp(-(s.w1 * x + s.w2 * y + s.b))));
      drawAxes(cv, view);
      drawLine(cv, view, s.w1, s.w2, s.b);
      drawPoints(cv, view, [s.x1, s.x2], [a >= 0.5 ? 1 : 0], 7);
      diagram.update([{ weight: [s.w1, s.w2], bias: [s.b], inputs: 2, outputs: 1 }]);
      st.patch(s);
    };
    const sl = (k: keyof typeof P, label: string) =>
      slider({
        ...P[k],
        current: s[k],
        label,
        onInput: (v) => {
          s[k] = v;
          update();
        },
      });
    const ctl = {
      w1: sl("w1", "weight w₁"),
      w2: sl("w2", "weight w₂"),
      b: sl("b", "bias b"),
      x1: sl("x1", "input x₁"),
      x2: sl("x2", "input x₂"),
    };
    cv.addEventListener("click", (e) => {
      const [x, y] = fromPx(cv, view, ...pointerAt(cv, e));
      s.x1 = +x.toFixed(2);
      s.x2 = +y.toFixed(2);
      ctl.x1.set(s.x1);
      ctl.x2.set(s.x2);
      update();
    });
    root.append(
      row(
        panel(
          "Input plane",
          cv,
          note("Colour: σ(z), blue near 0, orange near 1. The dashed line is z = 0, where σ = 0.5."),
        ),
        panel(
          "Neuron",
          diagram.el,
          controls(ctl.w1, ctl.w2, ctl.b, ctl.x1, ctl.x2),
          metrics(mz, ma, mc),
          formula,
          controls(
            button(
              "reset",
              "Back to the start",
              () => {
                for (const k of Object.keys(P) as (keyof typeof P)[]) {
                  s[k] = P[k].value;
                  ctl[k].set(s[k]);
                }
                update();
              },
              { icon: "reset" },
            ),
          ),
          h("h2", { text: "Model" }),
          modelExport("neuron.safetensors", () => ({
            sd: plainStateDict(layer.stateDict()),
            code:
              `import torch\nfrom torch import nn\n\nneuron = nn.Linear(2, 1)\nwith torch.no_grad():\n` +
              `    neuron.weight.copy_(torch.tensor([[${s.w1}, ${s.w2}]]))\n    ` +
              `neuron.bias.copy_(torch.tensor([${s.b}]))\n\n` +
              `x = torch.tensor([[${s.x1}, ${s.x2}]])\nz = neuron(x)          # pre-activation\na = ` +
              `torch.sigmoid(z)   # activation\n`,
          })),
        ),
      ),
    );
    update();
  },
};
