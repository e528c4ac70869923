import { F, tensor } from "gradlab";
import { classColor } from "../lib/colors.ts";
import { button, buttons, controls, select, slider, textInput } from "../lib/controls.ts";
import { fmtNum } from "../lib/format.ts";
import { h, metric, metrics, note, panel, row } from "../lib/ui.ts";
import type { NumberParam } from "../lib/url.ts";
import type { Demo } from "./types.ts";

const MAX_LOGITS = 10,
  LOGIT_LIMIT = 100;
const T: NumberParam = { key: "T", min: 0.05, max: 10, step: 0.05, value: 1 };
const DEFAULT_Z = "2, 1, 0.1";

/** 2–10 finite numbers, each within ±100 (beyond that every softmax is one-hot anyway). */
export function parseLogits(s: string): number[] | null {
  const v = s
    .split(/[,\s]+/)
    .filter(Boolean)
    .map(Number);
  return v.length >= 2 && v.length <= MAX_LOGITS && v.every((x) => Number.isFinite(x) && Math.abs(x) <= LOGIT_LIMIT)
    ? v
    : null;
}

/** The logits in a link: kept if valid, else trimmed and clamped with a note, else the default. */
function logitsFromLink(raw: string): { value: string; note?: string } {
  if (parseLogits(raw)) return { value: raw };
  const nums = raw
    .split(/[,\s]+/)
    .filter(Boolean)
    .map(Number)
    .filter(Number.isFinite)
    .slice(0, MAX_LOGITS)
    .map((x) => Math.max(-LOGIT_LIMIT, Math.min(LOGIT_LIMIT, x)));
  if (nums.length >= 2)
    return {
      value: nums.join(", "),
      note: `the logits were trimmed to at most ${MAX_LOGITS} numbers within ±${LOGIT_LIMIT}: ${nums.join(", ")}.`,
    };
  return {
    value: DEFAULT_Z,
    note: `"${raw.slice(0, 24)}" is not 2 to ${MAX_LOGITS} numbers, so the page uses ${DEFAULT_Z}.`,
  };
}

export const softmaxDemo: Demo = {
  id: "softmax-temperature",
  title: "Softmax and temperature",
  blurb:
    "Edit the logits, slide the temperature T, and watch p = softmax(z / T), its entropy, and the cross-entropy " +
    "−log p[true class]. Compare a calibrated prediction with a confident wrong one.",
  stage: "foundations",
  lecture: "Lecture 1",
  tryThis: [
    "Slide T towards 0.05, then towards 10.",
    'Press "Confident and wrong" and read the cross-entropy.',
    "Add 5 to every logit.",
  ],
  notice: [
    "Low T sharpens towards the argmax, high T flattens towards uniform; the ranking never changes.",
    "A confident wrong answer costs far more than a hedged right one: cross-entropy punishes false confidence.",
    "Adding the same number to every logit changes nothing: softmax only sees differences.",
  ],
  mount(root, st) {
    const s = {
      logits: st.text("z", DEFAULT_Z, logitsFromLink),
      T: st.num(T),
      y: st.num({ key: "y", min: 0, max: MAX_LOGITS - 1, step: 1, value: 0 }),
    };
    const classesInLink = parseLogits(s.logits)?.length ?? 0;
    if (s.y >= classesInLink) {
      st.notes.push(`y = ${s.y} names a class the ${classesInLink} logits do not have, so the page uses class 0.`);
      s.y = 0;
    }
    const bars = h("div", { class: "bars", role: "list", "aria-label": "class probabilities" });
    const mH = metric("entropy", "entropy H(p) [nats]"),
      mHb = metric("entropy-bits", "entropy [bits]"),
      mHmax = metric("max-entropy", "max entropy ln C"),
      mCE = metric("cross-entropy", "cross-entropy −log p[true]"),
      mArg = metric("argmax", "predicted class"),
      mErr = metric("status", "input");
    const ySlot = h("div");
    let lastC = -1;
    const rebuildYSel = (c: number) => {
      if (s.y >= c) s.y = 0;
      ySlot.replaceChildren(
        select({
          name: "true-class",
          label: "true class",
          options: Array.from({ length: c }, (_, i) => String(i)),
          value: String(s.y),
          onChange: (v) => {
            s.y = +v;
            update();
          },
        }).el,
      );
    };
    const code = h("pre", { class: "code", tabindex: 0, "data-metric": "pytorch-code" });
    const update = () => {
      const z = parseLogits(s.logits);
      if (!z) {
        mErr.set(`enter 2 to ${MAX_LOGITS} numbers within ±${LOGIT_LIMIT}, separated by commas`);
        return;
      }
      mErr.set("ok");
      if (z.length !== lastC) {
        lastC = z.length;
        rebuildYSel(z.length);
      }
      const logits = tensor([z]);
      const p = F.softmax(logits, -1, { temperature: s.T }).dataSync();
      const ce = F.crossEntropy(logits.div(s.T), tensor([s.y], { dtype: "int32" })).item();
      let H = 0,
        arg = 0;
      p.forEach((v, i) => {
        if (v > 0) H -= v * Math.log(v);
        if (v > p[arg]) arg = i;
      });
      bars.replaceChildren(
        ...Array.from(p, (v, i) =>
          h(
            "div",
            { class: `bar${i === s.y ? " true" : ""}`, role: "listitem" },
            h("span", { text: `class ${i}${i === s.y ? " (true)" : ""}` }),
            h(
              "div",
              {
                class: "track",
                role: "meter",
                "aria-valuemin": 0,
                "aria-valuemax": 1,
                "aria-valuenow": v.toFixed(4),
                "aria-label": `p(class ${i})`,
              },
              h("div", { class: "fill", style: `width:${(100 * v).toFixed(2)}%;background:${classColor(i)}` }),
            ),
            h("span", { "data-metric": `prob-${i}`, text: v.toFixed(4) }),
          ),
        ),
      );
      mH.set(H);
      mHb.set(H / Math.LN2);
      mHmax.set(Math.log(z.length));
      mCE.set(ce);
      mArg.set(String(arg));
      code.textContent =
        `import torch\nimport torch.nn.functional as F\n\nz = torch.tensor([[${z.join(", ")}]])\nT = ${s.T}\n` +
        `p = F.softmax(z / T, dim=-1)          # ${Array.from(p, (v) => fmtNum(v)).join(", ")}\n` +
        `loss = F.cross_entropy(z / T, torch.tensor([${s.y}]))  # ${fmtNum(ce)}\n`;
      st.patch({ z: s.logits, T: s.T, y: s.y });
    };
    const zIn = textInput({
      name: "logits",
      label: "logits z (comma-separated)",
      value: s.logits,
      onInput: (v) => {
        s.logits = v;
        update();
      },
    });
    const tIn = slider({
      ...T,
      current: s.T,
      label: "temperature T",
      onInput: (v) => {
        s.T = v;
        update();
      },
    });
    const preset =
      (z: string, y: number, t = 1) =>
      () => {
        s.logits = z;
        s.y = y;
        s.T = t;
        zIn.set(z);
        tIn.set(t);
        lastC = -1;
        update();
      };
    root.append(
      row(
        panel(
          "Logits",
          controls(zIn, tIn, ySlot),
          buttons(
            button("preset-calibrated", "Calibrated (right, unsure)", preset("1.2, 0.4, -0.3", 0)),
            button("preset-confident-wrong", "Confident and wrong", preset("8, 0.5, -1", 1)),
            button("preset-uniform", "All equal", preset("1, 1, 1", 0)),
          ),
          metrics(mErr),
        ),
        panel(
          "Probabilities",
          bars,
          metrics(mArg, mH, mHb, mHmax, mCE),
          note(
            "Raising T on the confident-wrong logits is exactly temperature scaling, the usual fix for an " +
              "over-confident model.",
          ),
          h("details", {}, h("summary", { text: "PyTorch" }), code),
        ),
      ),
    );
    update();
  },
};
