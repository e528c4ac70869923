import { backendBar } from "../lib/backend.ts";
import { NEGATIVE, POSITIVE, rgb, SERIES_COLORS } from "../lib/colors.ts";
import { button, buttons, controls, select, slider } from "../lib/controls.ts";
import { count, fmtNum } from "../lib/format.ts";
import { modelExport, requireModel } from "../lib/model_io.ts";
import { NetDiagram } from "../lib/netdiagram.ts";
import { TaskClient } from "../lib/task_client.ts";
import {
  deepNarrowParams,
  DRAWN_POINTS,
  gridX,
  TARGET_LABELS,
  targetValues,
  TARGETS,
  wideUnitsForBudget,
  wideUnitsNeeded,
  type TargetName,
} from "../lib/targets.ts";
import { canvas, cssSize, h, metric, metrics, note, panel, pointerAt, row } from "../lib/ui.ts";
import type { NumberParam } from "../lib/url.ts";
import type { ApproxTask, FitProgress, RaceProgress } from "../protocol/approx.ts";
import type { Demo } from "./types.ts";

const P = {
  units: { key: "units", min: 1, max: 50, step: 1, value: 8 },
  steps: { key: "steps", min: 100, max: 5000, step: 100, value: 1500 },
  lr: { key: "lr", min: 0.001, max: 0.1, step: 0.001, value: 0.02 },
  seed: { key: "seed", min: 0, max: 1000, step: 1, value: 0 },
  layers: { key: "layers", min: 2, max: 7, step: 1, value: 4 },
  raceSteps: { key: "raceSteps", min: 200, max: 5000, step: 100, value: 2000 },
} satisfies Record<string, NumberParam>;

/** Drawn control points from a link: DRAWN_POINTS numbers within ±1.5. */
function parseDrawn(raw: string): { value: number[]; note?: string } {
  const v = raw.split(",").map(Number);
  if (v.length === DRAWN_POINTS && v.every((x) => Number.isFinite(x) && Math.abs(x) <= 1.5)) return { value: v };
  return {
    value: new Array<number>(DRAWN_POINTS).fill(0),
    note: `a drawing is ${DRAWN_POINTS} numbers within ±1.5; this one was not, so it starts flat.`,
  };
}

/** Lines y(x) on a canvas whose view is [x0, x1] × [y0, y1]. */
function plotter(cv: HTMLCanvasElement, x0: number, x1: number, y0: number, y1: number) {
  const [w, hh] = cssSize(cv);
  const ctx = cv.getContext("2d")!;
  const px = (x: number) => ((x - x0) / (x1 - x0)) * w,
    py = (y: number) => (1 - (y - y0) / (y1 - y0)) * hh;
  return {
    px,
    py,
    ctx,
    clear() {
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, w, hh);
      ctx.strokeStyle = "rgba(0,0,0,0.2)";
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(0, py(0));
      ctx.lineTo(w, py(0));
      ctx.stroke();
    },
    line(xs: ArrayLike<number>, ys: ArrayLike<number>, color: string, width: number, dash: number[] = []) {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.setLineDash(dash);
      ctx.beginPath();
      for (let i = 0; i < xs.length; i++) i ? ctx.lineTo(px(xs[i]), py(ys[i])) : ctx.moveTo(px(xs[i]), py(ys[i]));
      ctx.stroke();
      ctx.setLineDash([]);
    },
    dots(xs: ArrayLike<number>, ys: ArrayLike<number>, color: string) {
      ctx.fillStyle = color;
      for (let i = 0; i < xs.length; i++) {
        ctx.beginPath();
        ctx.arc(px(xs[i]), py(ys[i]), 2, 0, 2 * Math.PI);
        ctx.fill();
      }
    },
  };
}

export const universalApproximation: Demo = {
  id: "universal-approximation",
  title: "Universal approximation, and why more than one layer",
  blurb:
    "A teaser for Lecture 2: one hidden layer of N ReLU units can approximate any continuous function. Each unit " +
    "adds one bent line vᵢ·ReLU(wᵢx + bᵢ); their sum is the fit. Then the lecture's question: if one layer is " +
    "enough, " +
    "why use more?",
  stage: "foundations",
  lecture: "Lecture 1 → 2",
  tryThis: [
    "Pick a target and slide the number of units from 1 to 50.",
    'Choose "your drawing" and draw a curve on the plot.',
    "In the second panel, raise the number of layers and compare the losses.",
  ],
  notice: [
    "Every unit contributes one straight piece that starts at its kink; the fit is their sum plus a bias.",
    "More units, more kinks, a closer fit: that is the universal approximation theorem at work.",
    "The deep narrow network draws 2^L pieces with 6L + 1 weights; one wide layer with the same budget has only 2L " +
      "kinks to spend.",
  ],
  mount(root, st) {
    const s = {
      target: st.choice<TargetName>("target", "sine", TARGETS),
      units: st.num(P.units),
      steps: st.num(P.steps),
      lr: st.num(P.lr),
      seed: st.num(P.seed),
      layers: st.num(P.layers),
      raceSteps: st.num(P.raceSteps),
      drawn: st.text("drawn", new Array<number>(DRAWN_POINTS).fill(0), parseDrawn),
    };
    const task = new TaskClient<ApproxTask>(
      new Worker(new URL("../workers/approx.ts", import.meta.url), { type: "module" }),
    );
    root.append(backendBar(st, task));
    // --- part 1: fit a target with one hidden layer
    const fitCv = canvas(
      520,
      320,
      "The target (grey dots), each unit's piece (thin lines: orange adds, blue subtracts) and their sum, the fit " +
        "(black)",
      { "data-plot": "fit", tabindex: 0 },
    );
    fitCv.style.touchAction = "none";
    const mStep = metric("fit-step", "step"),
      mLoss = metric("fit-loss", "mean squared error"),
      mParams = metric("fit-params", "parameters"),
      mKinks = metric("kinks-inside", "units bending inside [−1, 1]"),
      mSum = metric("sum-check", "max |Σ pieces + b − fit|");
    const diagram = new NetDiagram({
      label: "One input, N hidden ReLU units, one output",
      names: { inputs: ["x"], outputs: ["y"] },
      maxUnits: 10,
      width: 260,
      height: 170,
    });
    const xs = gridX(200);
    let last: FitProgress | null = null;
    const drawFit = () => {
      const pl = plotter(fitCv, -1.05, 1.05, -1.6, 1.6);
      pl.clear();
      const target = targetValues(s.target, s.drawn);
      pl.dots(xs, target, "rgba(90,90,90,0.55)");
      if (s.target === "drawn") {
        const cx = gridX(DRAWN_POINTS);
        for (let i = 0; i < DRAWN_POINTS; i++) {
          pl.ctx.strokeStyle = "#888";
          pl.ctx.strokeRect(pl.px(cx[i]) - 3, pl.py(s.drawn[i]) - 3, 6, 6);
        }
      }
      if (!last) return;
      const n = xs.length,
        units = last.pieces.length / n;
      for (let i = 0; i < units; i++) {
        const piece = last.pieces.subarray(i * n, (i + 1) * n);
        let peak = 0;
        for (const v of piece) if (Math.abs(v) > Math.abs(peak)) peak = v;
        pl.line(xs, piece, rgb(peak >= 0 ? POSITIVE : NEGATIVE, 0.7), 1.2);
      }
      pl.line(xs, last.fit, "#111", 2.6);
      pl.ctx.fillStyle = "#111";
      for (const k of last.kinks) if (k >= -1 && k <= 1) pl.ctx.fillRect(pl.px(k) - 1, cssSize(fitCv)[1] - 10, 2, 10);
    };
    task.on("fit", (m) => {
      last = m;
      mStep.set(m.step);
      mLoss.set(m.loss);
      mParams.set(3 * s.units + 1);
      mKinks.set(Array.from(m.kinks).filter((k) => k >= -1 && k <= 1).length);
      let worst = 0;
      const n = xs.length;
      for (let j = 0; j < n; j++) {
        let sum = m.bias;
        for (let i = 0; i < m.pieces.length / n; i++) sum += m.pieces[i * n + j];
        worst = Math.max(worst, Math.abs(sum - m.fit[j]));
      }
      mSum.set(worst);
      diagram.update(m.layers);
      fitPanel.dataset.state = m.done ? "done" : "fitting";
      requestAnimationFrame(drawFit);
    });
    const refit = () => {
      last = null;
      fitPanel.dataset.state = "fitting";
      st.patch({
        target: s.target,
        units: s.units,
        steps: s.steps,
        lr: s.lr,
        seed: s.seed,
        ...(s.target === "drawn" ? { drawn: s.drawn.join(",") } : {}),
      });
      task.send({
        type: "fit",
        config: { target: targetValues(s.target, s.drawn), units: s.units, steps: s.steps, lr: s.lr, seed: s.seed },
      });
      drawFit();
    };
    // Drawing: dragging sets the control point under the pointer (only for "your drawing").
    let drawing = false;
    const drawAt = (e: PointerEvent) => {
      const [x, y] = pointerAt(fitCv, e),
        [w, hh] = cssSize(fitCv);
      const i = Math.round((((x / w) * 2.1 - 1.05 + 1) / 2) * (DRAWN_POINTS - 1));
      if (i < 0 || i >= DRAWN_POINTS) return;
      s.drawn[i] = +Math.max(-1.5, Math.min(1.5, 1.6 - (y / hh) * 3.2)).toFixed(2);
      drawFit();
    };
    fitCv.addEventListener("pointerdown", (e) => {
      if (s.target !== "drawn") {
        s.target = "drawn";
        targetSel.set("drawn");
      }
      drawing = true;
      fitCv.setPointerCapture(e.pointerId);
      drawAt(e);
    });
    fitCv.addEventListener("pointermove", (e) => {
      if (drawing) drawAt(e);
    });
    fitCv.addEventListener("pointerup", () => {
      if (drawing) {
        drawing = false;
        refit();
      }
    });
    const targetSel = select({
      name: "target",
      label: "target",
      options: TARGETS.map((t) => [t, TARGET_LABELS[t]] as const),
      value: s.target,
      onChange: (v) => {
        s.target = v;
        refit();
      },
    });
    const sl = (p: (typeof P)[keyof typeof P], label: string, then: () => void) =>
      slider({
        ...p,
        current: s[p.key as keyof typeof P],
        label,
        onInput: (v) => {
          s[p.key as keyof typeof P] = v;
          then();
        },
      });
    const fitPanel = panel(
      "1. One hidden layer of N units",
      controls(
        targetSel,
        sl(P.units, "hidden units N", refit),
        sl(P.steps, "steps", refit),
        sl(P.lr, "learning rate (Adam)", refit),
        sl(P.seed, "seed", refit),
      ),
      buttons(button("fit", "Fit again", refit, { icon: "reset", primary: true })),
      h("div", { class: "row" }, fitCv, diagram.el),
      metrics(mStep, mLoss, mParams, mKinks, mSum),
      note(
        'Drag on the plot to draw your own target (the page switches to "your drawing"); with a keyboard, pick a ' +
          "preset target.",
      ),
      modelExport("one-hidden-layer.safetensors", async () => ({
        sd: requireModel(await task.request("stateDict", { which: "fit" })),
        code:
          `import torch\nfrom torch import nn\nfrom safetensors.torch import load_file\n\nmodel = ` +
          `nn.Sequential(nn.Linear(1, ${s.units}), nn.ReLU(), ` +
          `nn.Linear(${s.units}, 1))\nmodel.load_state_dict(load_file("one-hidden-layer.safetensors"))\n`,
      })),
    );
    // --- part 2: the same budget, one wide layer versus several narrow ones
    const raceCv = canvas(
      520,
      260,
      "The sawtooth target, the hand-built deep network, and the trained deep and wide networks",
      { "data-plot": "race" },
    );
    const mTeeth = metric("teeth", "teeth in the target"),
      mDeepP = metric("deep-params", "deep: L layers × 2 units, parameters"),
      mWideP = metric("wide-params", "wide: one layer, same budget"),
      mNeed = metric("wide-needed", "one layer needs at least"),
      mHand = metric("hand-loss", "deep, weights set by hand: loss"),
      mDeep = metric("deep-loss", "deep, trained: loss"),
      mWide = metric("wide-loss", "wide, trained: loss"),
      mRaceStep = metric("race-step", "step");
    const raceSummary = h("p", { class: "diagnosis", "data-metric": "race-summary", text: "Press Race." });
    const drawRace = (m: RaceProgress) => {
      const rx = gridX(m.target.length, 0, 1);
      const pl = plotter(raceCv, -0.02, 1.02, -0.15, 1.15);
      pl.clear();
      pl.line(rx, m.target, "rgba(90,90,90,0.45)", 6);
      pl.line(rx, m.hand, "#111", 1.5, [5, 4]);
      pl.line(rx, m.deep, SERIES_COLORS[0], 2);
      pl.line(rx, m.wide, SERIES_COLORS[1], 2);
    };
    task.on("race", (m) => {
      drawRace(m);
      mRaceStep.set(m.step);
      mHand.set(m.handLoss);
      mDeep.set(m.deepLoss);
      mWide.set(m.wideLoss);
      racePanel.dataset.state = m.done ? "done" : "racing";
      if (!m.done) return;
      const L = s.layers;
      raceSummary.textContent =
        `With ${count(m.params.deep)} parameters each: hand-set, ${L} narrow layers draw all ${2 ** (L - 1)} teeth ` +
        `(loss ${fmtNum(m.handLoss)}); one wide layer of ${wideUnitsForBudget(L)} units, trained, reaches ` +
        `${fmtNum(m.wideLoss)}; the same ` +
        `deep network trained from a random start reaches ${fmtNum(m.deepLoss)}. ` +
        (m.deepLoss < m.wideLoss
          ? "Here training found much of depth's advantage. "
          : "Here gradient descent did not find the deep solution that exists: " +
            "making deep networks train is Lecture 2's subject. ") +
        `One layer would need ${wideUnitsNeeded(L)} units (${count(3 * wideUnitsNeeded(L) + 1)} parameters) just ` +
        `to have enough kinks.`;
    });
    const startRace = () => {
      st.patch({ layers: s.layers, raceSteps: s.raceSteps });
      const L = s.layers;
      mTeeth.set(2 ** (L - 1));
      mDeepP.set(deepNarrowParams(L));
      mWideP.set(`${wideUnitsForBudget(L)} units, ${3 * wideUnitsForBudget(L) + 1} parameters`);
      mNeed.set(`${wideUnitsNeeded(L)} units, ${3 * wideUnitsNeeded(L) + 1} parameters`);
      raceSummary.textContent = "Racing…";
      racePanel.dataset.state = "racing";
      task.send({ type: "race", config: { layers: L, steps: s.raceSteps, lr: s.lr, seed: s.seed } });
    };
    const legend = h(
      "p",
      { class: "legend" },
      h(
        "span",
        { class: "chip" },
        h("span", { class: "swatch-line", style: "background:rgba(90,90,90,0.45);height:6px" }),
        "target",
      ),
      h(
        "span",
        { class: "chip" },
        h("span", { class: "swatch-line", style: "background:#111" }),
        "deep, set by hand (dashed)",
      ),
      h(
        "span",
        { class: "chip" },
        h("span", { class: "swatch-line", style: `background:${SERIES_COLORS[0]}` }),
        "deep, trained",
      ),
      h(
        "span",
        { class: "chip" },
        h("span", { class: "swatch-line", style: `background:${SERIES_COLORS[1]}` }),
        "wide, trained",
      ),
    );
    const racePanel = panel(
      "2. Why more than one layer? The same budget, wide or deep",
      note(
        "The target is a sawtooth: the tent map t(x) = 2·ReLU(x) − 4·ReLU(x − ½) applied L times. Each layer of 2 " +
          "ReLU units " +
          "applies it once more and doubles the number of teeth; a single layer can only add kinks one unit at a time.",
      ),
      controls(sl(P.layers, "layers L", startRace), sl(P.raceSteps, "training steps", startRace)),
      buttons(button("race", "Race", startRace, { icon: "play", primary: true })),
      raceCv,
      legend,
      metrics(mTeeth, mDeepP, mWideP, mNeed, mHand, mDeep, mWide, mRaceStep),
      raceSummary,
      modelExport("deep-narrow.safetensors", async () => ({
        sd: requireModel(await task.request("stateDict", { which: "deep" })),
        code: `import torch\nfrom torch import nn\n\n# ${s.layers} layers of 2 ReLU units, trained on the sawtooth\n`,
      })),
    );
    fitPanel.dataset.part = "fit";
    racePanel.dataset.part = "race";
    root.append(row(fitPanel), row(racePanel));
    refit();
    startRace();
    return () => task.terminate();
  },
};
