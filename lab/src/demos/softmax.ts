import { F, tensor } from "gradlab";
import { button, controls, fmtNum, h, metric, metrics, panel, row, select, slider, textInput } from "../lib/ui.ts";
import type { Demo } from "./types.ts";

export function parseLogits(s: string): number[] | null {
  const v = s.split(/[,\s]+/).filter(Boolean).map(Number);
  return v.length >= 2 && v.length <= 10 && v.every(Number.isFinite) ? v : null;
}

export const softmaxDemo: Demo = {
  id: "softmax-temperature",
  title: "Softmax and temperature",
  blurb: "Edit the logits, slide the temperature T, and watch p = softmax(z / T), its entropy, and the cross-entropy −log p[true class]. Low T sharpens towards argmax; high T flattens towards uniform. Compare a calibrated prediction with a confident wrong one.",
  mount(root, st) {
    const s = { logits: st.str<string>("z", "2, 1, 0.1"), T: st.num("T", 1), y: st.num("y", 0) };
    const bars = h("div", { class: "bars", role: "list", "aria-label": "class probabilities" });
    const mH = metric("entropy", "entropy H(p) [nats]"), mHb = metric("entropy-bits", "entropy [bits]"), mHmax = metric("max-entropy", "max entropy ln C"),
      mCE = metric("cross-entropy", "cross-entropy −log p[true]"), mArg = metric("argmax", "predicted class"), mErr = metric("status", "input");
    let ySel = select({ name: "true-class", label: "true class", options: ["0", "1", "2"], value: String(s.y), onChange: (v) => { s.y = +v; update(); } });
    const ySlot = h("div");
    const rebuildYSel = (c: number) => {
      const opts = Array.from({ length: c }, (_, i) => String(i));
      if (s.y >= c) s.y = 0;
      ySel = select({ name: "true-class", label: "true class", options: opts, value: String(s.y), onChange: (v) => { s.y = +v; update(); } });
      ySlot.replaceChildren(ySel.el);
    };
    let lastC = -1;
    const update = () => {
      const z = parseLogits(s.logits);
      if (!z) { mErr.set("enter 2–10 numbers separated by commas"); return; }
      mErr.set("ok");
      if (z.length !== lastC) { lastC = z.length; rebuildYSel(z.length); }
      const logits = tensor([z]);
      const p = F.softmax(logits, -1, { temperature: s.T }).data;
      const ce = F.crossEntropy(logits.div(s.T), tensor([s.y], { dtype: "int32" })).item();
      let H = 0, arg = 0;
      p.forEach((v, i) => { if (v > 0) H -= v * Math.log(v); if (v > p[arg]) arg = i; });
      bars.replaceChildren(...Array.from(p, (v, i) => h("div", { class: `bar${i === s.y ? " true" : ""}`, role: "listitem" },
        h("span", { text: `class ${i}${i === s.y ? " ✓" : ""}` }),
        h("div", { class: "track", role: "meter", "aria-valuemin": 0, "aria-valuemax": 1, "aria-valuenow": v.toFixed(4), "aria-label": `p(class ${i})` }, h("div", { class: "fill", style: `width:${(100 * v).toFixed(2)}%` })),
        h("span", { "data-metric": `prob-${i}`, text: v.toFixed(4) }))));
      mH.set(H); mHb.set(H / Math.LN2); mHmax.set(Math.log(z.length)); mCE.set(ce); mArg.set(String(arg));
      code.textContent = `import torch\nimport torch.nn.functional as F\n\nz = torch.tensor([[${z.join(", ")}]])\nT = ${s.T}\np = F.softmax(z / T, dim=-1)          # ${Array.from(p, (v) => fmtNum(v)).join(", ")}\nloss = F.cross_entropy(z / T, torch.tensor([${s.y}]))  # ${fmtNum(ce)}\n`;
      st.patch({ z: s.logits, T: s.T, y: s.y });
    };
    const zIn = textInput({ name: "logits", label: "logits z (comma-separated)", value: s.logits, onInput: (v) => { s.logits = v; update(); } });
    const tIn = slider({ name: "temperature", label: "temperature T", min: 0.05, max: 10, step: 0.05, value: s.T, onInput: (v) => { s.T = v; update(); } });
    const preset = (z: string, y: number, T = 1) => () => { s.logits = z; s.y = y; s.T = T; zIn.set(z); tIn.set(T); lastC = -1; update(); };
    const code = h("pre", { class: "code", tabindex: 0, "data-metric": "pytorch-code" });
    root.append(row(
      panel("Logits", controls(zIn, tIn, ySlot),
        h("div", { class: "buttons" },
          button("preset-calibrated", "Calibrated (right, unsure)", preset("1.2, 0.4, -0.3", 0)),
          button("preset-confident-wrong", "Confident and wrong", preset("8, 0.5, -1", 1)),
          button("preset-uniform", "All equal", preset("1, 1, 1", 0))),
        metrics(mErr)),
      panel("Probabilities", bars, metrics(mArg, mH, mHb, mHmax, mCE),
        h("p", { class: "note", text: "A confident wrong prediction costs a lot: cross-entropy grows like the logit gap, while a hedged right answer costs little. Raising T on the confident-wrong logits is exactly temperature scaling (calibration)." }),
        h("details", {}, h("summary", { text: "PyTorch" }), code)),
    ));
    update();
  },
};
