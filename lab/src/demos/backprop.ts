import { tensor, type Tensor } from "gradlab";
import { button, buttons, controls, numberInput } from "../lib/controls.ts";
import { fmtNum } from "../lib/format.ts";
import { modelExport } from "../lib/model_io.ts";
import { h, metric, metrics, panel, row } from "../lib/ui.ts";
import type { NumberParam } from "../lib/url.ts";
import type { Demo } from "./types.ts";

const sig = (z: number) => 1 / (1 + Math.exp(-z));
const KEYS = ["x1", "x2", "y", "w1", "w2", "b1", "w3", "b2", "lr"] as const;
type Params = Record<(typeof KEYS)[number], number>;
const DEFAULTS: Params = { x1: 1, x2: 2, y: 1, w1: 0.5, w2: -0.3, b1: 0.1, w3: 0.8, b2: -0.2, lr: 0.5 };
const LABELS: Record<(typeof KEYS)[number], string> = {
  x1: "x₁",
  x2: "x₂",
  y: "target y",
  w1: "w₁",
  w2: "w₂",
  b1: "b₁",
  w3: "w₂′ (output weight)",
  b2: "b₂",
  lr: "learning rate η",
};
/** Each number's range: a target is a probability; inputs and weights stay where σ is not flat to the last digit. */
const PARAMS = Object.fromEntries(
  KEYS.map((k) => [
    k,
    {
      key: k,
      value: DEFAULTS[k],
      step: 1e-6,
      min: k === "y" || k === "lr" ? 0 : -10,
      max: k === "y" ? 1 : 10,
    } satisfies NumberParam,
  ]),
) as Record<(typeof KEYS)[number], NumberParam>;
const LAST = 12;

/** Every forward value and gradient of the 2-1-1 network, by the chain rule. */
export function handBackprop(p: Params) {
  const z1 = p.w1 * p.x1 + p.w2 * p.x2 + p.b1,
    hh = sig(z1),
    z2 = p.w3 * hh + p.b2,
    yh = sig(z2),
    L = 0.5 * (yh - p.y) ** 2;
  const dyh = yh - p.y,
    dz2 = dyh * yh * (1 - yh),
    dw3 = dz2 * hh,
    db2 = dz2,
    dh = dz2 * p.w3,
    dz1 = dh * hh * (1 - hh);
  const dw1 = dz1 * p.x1,
    dw2 = dz1 * p.x2,
    db1 = dz1,
    dx1 = dz1 * p.w1,
    dx2 = dz1 * p.w2;
  return { z1, h: hh, z2, yh, L, dyh, dz2, dw3, db2, dh, dz1, dw1, dw2, db1, dx1, dx2 };
}

/** The same with gradlab's autograd (retainGrad on the intermediates). */
function autogradBackprop(p: Params) {
  const s = (v: number, g = true) => tensor([v], { requiresGrad: g });
  const [x1, x2, w1, w2, b1, w3, b2] = [s(p.x1), s(p.x2), s(p.w1), s(p.w2), s(p.b1), s(p.w3), s(p.b2)];
  const z1 = w1.mul(x1).add(w2.mul(x2)).add(b1).retainGrad();
  const hh = z1.sigmoid().retainGrad();
  const z2 = w3.mul(hh).add(b2).retainGrad();
  const yh = z2.sigmoid().retainGrad();
  const L = yh.sub(p.y).square().mul(0.5).sum();
  L.backward();
  const g = (t: Tensor) => t.grad!.dataSync()[0];
  return {
    L: L.item(),
    dyh: g(yh),
    dz2: g(z2),
    dw3: g(w3),
    db2: g(b2),
    dh: g(hh),
    dz1: g(z1),
    dw1: g(w1),
    dw2: g(w2),
    db1: g(b1),
  };
}

interface Node {
  id: string;
  label: string;
  x: number;
  y: number;
  fwd: number;
  bwd: number;
  val: (r: ReturnType<typeof handBackprop>, p: Params) => number;
  grad?: (r: ReturnType<typeof handBackprop>) => number;
}
const NODES: Node[] = [
  { id: "x1", label: "x₁", x: 10, y: 4, fwd: 0, bwd: 11, val: (_, p) => p.x1, grad: (r) => r.dx1 },
  { id: "w1", label: "w₁", x: 10, y: 58, fwd: 0, bwd: 11, val: (_, p) => p.w1, grad: (r) => r.dw1 },
  { id: "x2", label: "x₂", x: 10, y: 112, fwd: 0, bwd: 11, val: (_, p) => p.x2, grad: (r) => r.dx2 },
  { id: "w2", label: "w₂", x: 10, y: 166, fwd: 0, bwd: 11, val: (_, p) => p.w2, grad: (r) => r.dw2 },
  { id: "b1", label: "b₁", x: 10, y: 220, fwd: 0, bwd: 11, val: (_, p) => p.b1, grad: (r) => r.db1 },
  { id: "z1", label: "z₁ = Σ", x: 160, y: 114, fwd: 1, bwd: 10, val: (r) => r.z1, grad: (r) => r.dz1 },
  { id: "h", label: "h = σ(z₁)", x: 300, y: 114, fwd: 2, bwd: 9, val: (r) => r.h, grad: (r) => r.dh },
  { id: "w3", label: "w₂′", x: 300, y: 20, fwd: 0, bwd: 8, val: (_, p) => p.w3, grad: (r) => r.dw3 },
  { id: "b2", label: "b₂", x: 300, y: 208, fwd: 0, bwd: 8, val: (_, p) => p.b2, grad: (r) => r.db2 },
  { id: "z2", label: "z₂", x: 440, y: 114, fwd: 3, bwd: 7, val: (r) => r.z2, grad: (r) => r.dz2 },
  { id: "yh", label: "ŷ = σ(z₂)", x: 580, y: 114, fwd: 4, bwd: 6, val: (r) => r.yh, grad: (r) => r.dyh },
  { id: "y", label: "target y", x: 580, y: 20, fwd: 0, bwd: 99, val: (_, p) => p.y },
  { id: "L", label: "L = ½(ŷ−y)²", x: 720, y: 114, fwd: 5, bwd: 6, val: (r) => r.L, grad: () => 1 },
];
const EDGES: [string, string][] = [
  ["x1", "z1"],
  ["w1", "z1"],
  ["x2", "z1"],
  ["w2", "z1"],
  ["b1", "z1"],
  ["z1", "h"],
  ["h", "z2"],
  ["w3", "z2"],
  ["b2", "z2"],
  ["z2", "yh"],
  ["yh", "L"],
  ["y", "L"],
];
const W = 110,
  H = 46;

export const backprop: Demo = {
  id: "backprop-by-hand",
  title: "Backprop by hand",
  stage: "foundations",
  lecture: "Lecture 1",
  tryThis: [
    "Press Next step and follow the forward values, then the gradients flowing back.",
    "Apply the update, then step through again: the loss is lower.",
    "Make w₂′ large and watch ∂L/∂w₁ change.",
  ],
  notice: [
    "Every gradient is a local derivative times the gradient arriving from the right: the chain rule, one node at " +
      "a time.",
    "gradlab's autograd computes the same numbers (the difference is at rounding level).",
    "A saturated sigmoid (|z| large) passes back almost nothing: σ′(z) = σ(1 − σ) is tiny there.",
  ],
  blurb:
    "The lecture's 2-1-1 sigmoid network: z₁ = w₁x₁ + w₂x₂ + b₁, h = σ(z₁), z₂ = w₂′h + b₂, ŷ = σ(z₂), L = ½(ŷ − " +
    "y)². Step through the forward values, the loss, every local gradient and the SGD update; gradlab's autograd " +
    "checks every number.",
  mount(root, st) {
    const p = Object.fromEntries(KEYS.map((k) => [k, st.num(PARAMS[k])])) as Params;
    let step = st.num({ key: "step", min: 0, max: LAST, step: 1, value: 0 });
    const svgNS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(svgNS, "svg");
    svg.setAttribute("viewBox", "0 0 840 272");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "Computational graph with each node's value and gradient");
    const stepsList = h("ol", { "aria-live": "polite" });
    const mStep = metric("step", "step"),
      mL = metric("loss", "loss L"),
      mYh = metric("yhat", "ŷ"),
      mDw1 = metric("grad-w1", "∂L/∂w₁"),
      mDw3 = metric("grad-w3", "∂L/∂w₂′"),
      mCheck = metric("autograd-diff", "max |by hand − autograd|"),
      mAfter = metric("loss-after", "loss after the update");
    const inputs = KEYS.map((k) =>
      numberInput({
        ...PARAMS[k],
        current: p[k],
        label: LABELS[k],
        onInput: (v) => {
          p[k] = v;
          update();
        },
      }),
    );

    const update = () => {
      const r = handBackprop(p),
        a = autogradBackprop(p);
      const diff = Math.max(
        ...(["L", "dyh", "dz2", "dw3", "db2", "dh", "dz1", "dw1", "dw2", "db1"] as const).map((k) =>
          Math.abs(r[k] - a[k]),
        ),
      );
      const upd = {
        ...p,
        w1: p.w1 - p.lr * r.dw1,
        w2: p.w2 - p.lr * r.dw2,
        b1: p.b1 - p.lr * r.db1,
        w3: p.w3 - p.lr * r.dw3,
        b2: p.b2 - p.lr * r.db2,
      };
      const after = handBackprop(upd).L;
      const f = (v: number) => fmtNum(v);
      const lines: [string, string][] = [
        [
          "inputs and weights",
          `x = (${f(p.x1)}, ${f(p.x2)}), y = ${f(p.y)}; w₁ = ${f(p.w1)}, w₂ = ${f(p.w2)}, b₁ = ${f(p.b1)}, w₂′ = ` +
            `${f(p.w3)}, b₂ = ${f(p.b2)}`,
        ],
        ["forward: z₁", `z₁ = w₁x₁ + w₂x₂ + b₁ = ${f(r.z1)}`],
        ["forward: h", `h = σ(z₁) = ${f(r.h)}`],
        ["forward: z₂", `z₂ = w₂′h + b₂ = ${f(r.z2)}`],
        ["forward: ŷ", `ŷ = σ(z₂) = ${f(r.yh)}`],
        ["loss", `L = ½(ŷ − y)² = ${f(r.L)}`],
        ["backward: ∂L/∂ŷ", `∂L/∂ŷ = ŷ − y = ${f(r.dyh)}`],
        ["backward: ∂L/∂z₂", `∂L/∂z₂ = ∂L/∂ŷ · σ′(z₂) = ∂L/∂ŷ · ŷ(1 − ŷ) = ${f(r.dz2)}`],
        ["backward: output weights", `∂L/∂w₂′ = ∂L/∂z₂ · h = ${f(r.dw3)};  ∂L/∂b₂ = ∂L/∂z₂ = ${f(r.db2)}`],
        ["backward: ∂L/∂h", `∂L/∂h = ∂L/∂z₂ · w₂′ = ${f(r.dh)}`],
        ["backward: ∂L/∂z₁", `∂L/∂z₁ = ∂L/∂h · h(1 − h) = ${f(r.dz1)}`],
        [
          "backward: first-layer weights",
          `∂L/∂w₁ = ∂L/∂z₁ · x₁ = ${f(r.dw1)};  ∂L/∂w₂ = ∂L/∂z₁ · x₂ = ${f(r.dw2)};  ∂L/∂b₁ = ${f(r.db1)}`,
        ],
        [
          "update (SGD)",
          `w ← w − η·∂L/∂w: w₁ = ${f(upd.w1)}, w₂ = ${f(upd.w2)}, b₁ = ${f(upd.b1)}, w₂′ = ${f(upd.w3)}, b₂ = ` +
            `${f(upd.b2)} → new loss ${f(after)}`,
        ],
      ];
      stepsList.replaceChildren(
        ...lines.map(([t, d], i) =>
          h(
            "li",
            { class: i === step ? "cur" : "", hidden: i > step, "data-step": i },
            h("strong", { text: `${t}: ` }),
            d,
          ),
        ),
      );
      // graph
      svg.replaceChildren();
      const pos = new Map(NODES.map((n) => [n.id, n]));
      for (const [a, b] of EDGES) {
        const na = pos.get(a)!,
          nb = pos.get(b)!;
        const line = document.createElementNS(svgNS, "line");
        line.setAttribute("x1", String(na.x + W));
        line.setAttribute("y1", String(na.y + H / 2));
        line.setAttribute("x2", String(nb.x));
        line.setAttribute("y2", String(nb.y + H / 2));
        line.setAttribute("stroke", "#8c959f");
        svg.append(line);
      }
      for (const n of NODES) {
        const g = document.createElementNS(svgNS, "g");
        const on = step >= n.fwd,
          cur = step === n.fwd || step === n.bwd;
        g.setAttribute("class", `node${on ? " on" : ""}${cur ? " cur" : ""}`);
        g.setAttribute("data-node", n.id);
        const rect = document.createElementNS(svgNS, "rect");
        rect.setAttribute("x", String(n.x));
        rect.setAttribute("y", String(n.y));
        rect.setAttribute("width", String(W));
        rect.setAttribute("height", String(H));
        rect.setAttribute("rx", "6");
        g.append(rect);
        const t = (y: number, s: string, fill = "#1b1f24") => {
          const e = document.createElementNS(svgNS, "text");
          e.setAttribute("x", String(n.x + 6));
          e.setAttribute("y", String(n.y + y));
          e.setAttribute("fill", fill);
          e.textContent = s;
          g.append(e);
        };
        t(14, n.label);
        t(28, on ? `val ${fmtNum(n.val(r, p), 4)}` : "val ?");
        if (n.grad) t(42, step >= n.bwd ? `grad ${fmtNum(n.grad(r), 4)}` : "grad ?", "#cf222e");
        svg.append(g);
      }
      mStep.set(`${step} / ${LAST}`);
      mL.set(r.L);
      mYh.set(r.yh);
      mDw1.set(r.dw1);
      mDw3.set(r.dw3);
      mCheck.set(diff);
      mAfter.set(after);
      st.patch({ ...p, step });
      return upd;
    };
    const go = (d: number) => () => {
      step = Math.max(0, Math.min(LAST, step + d));
      update();
    };
    root.append(
      row(
        panel(
          "Inputs and weights (editable)",
          controls(...inputs),
          buttons(
            button("prev", "Back", go(-1), { icon: "prev" }),
            button("next", "Next step", go(1), { icon: "next", primary: true }),
            button(
              "show-all",
              "Show all",
              () => {
                step = LAST;
                update();
              },
              { icon: "end" },
            ),
            button(
              "reset",
              "Start over",
              () => {
                step = 0;
                update();
              },
              { icon: "reset" },
            ),
            button(
              "apply-update",
              "Apply the update (one SGD step)",
              () => {
                const u = update();
                // rounded to the inputs' 6 decimals, so the link reproduces exactly these weights
                for (const k of KEYS) {
                  p[k] = +u[k].toFixed(6);
                  inputs[KEYS.indexOf(k)].set(p[k]);
                }
                step = 0;
                update();
              },
              { icon: "check" },
            ),
          ),
          metrics(mStep, mYh, mL, mDw3, mDw1, mAfter, mCheck),
        ),
      ),
      panel("Computational graph", h("div", { class: "graph" }, svg)),
      panel("Steps", h("div", { class: "steps" }, stepsList)),
      panel(
        "Model",
        modelExport("two-one-one.safetensors", () => ({
          sd: {
            "0.weight": { shape: [1, 2], dtype: "float32", data: Float32Array.of(p.w1, p.w2) },
            "0.bias": { shape: [1], dtype: "float32", data: Float32Array.of(p.b1) },
            "2.weight": { shape: [1, 1], dtype: "float32", data: Float32Array.of(p.w3) },
            "2.bias": { shape: [1], dtype: "float32", data: Float32Array.of(p.b2) },
          },
          code: [
            "import torch",
            "from torch import nn",
            "",
            "model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid(), nn.Linear(1, 1), nn.Sigmoid())",
            "with torch.no_grad():",
            `    model[0].weight.copy_(torch.tensor([[${p.w1}, ${p.w2}]])); model[0].bias.fill_(${p.b1})`,
            `    model[2].weight.fill_(${p.w3}); model[2].bias.fill_(${p.b2})`,
            `x, y = torch.tensor([[${p.x1}, ${p.x2}]]), torch.tensor([[${p.y}]])`,
            "loss = 0.5 * (model(x) - y).pow(2).sum()",
            "loss.backward()",
            "print(model[0].weight.grad, model[2].weight.grad)",
            "with torch.no_grad():",
            `    for q in model.parameters(): q -= ${p.lr} * q.grad`,
            "",
          ].join("\n"),
        })),
      ),
    );
    update();
  },
};
