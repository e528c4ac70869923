import { F, manualSeed, nn, noGrad, optim, tensor } from "gradlab";
import { xor as xorData } from "gradlab/data/synthetic.ts";
import { button, buttons, controls, select, slider } from "../lib/controls.ts";
import { fixed, fmtNum, listAnd } from "../lib/format.ts";
import { mlpPytorch, type Activation, type MlpConfig } from "../lib/mlp.ts";
import { modelExport, requireModel } from "../lib/model_io.ts";
import { NetDiagram } from "../lib/netdiagram.ts";
import { clear, drawAxes, drawField, drawLine, drawPoints, RegionView, type View } from "../lib/plot.ts";
import { TaskClient } from "../lib/task_client.ts";
import { canvas, h, metric, metrics, note, panel, row } from "../lib/ui.ts";
import type { NumberParam } from "../lib/url.ts";
import type { Mlp2dTask } from "../protocol/mlp2d.ts";
import type { Demo } from "./types.ts";
import { explainXorRun } from "./xor_diagnosis.ts";

const view: View = { x0: -0.5, x1: 1.5, y0: -0.5, y1: 1.5 };
const { x: XS, y: YS } = xorData();
const pointName = (i: number) => `(${XS[2 * i]},${XS[2 * i + 1]})`;
const GRID = 48;
const STEPS = 600;

const HIDDEN: NumberParam = { key: "hidden", min: 2, max: 16, step: 1, value: 2 };
const LR: NumberParam = { key: "lr", min: 0.005, max: 0.2, step: 0.005, value: 0.05 };
// Seed 2 starts the lecture's 2-2 network where it can solve XOR; seed 0 shows both units dying.
const SEED: NumberParam = { key: "seed", min: 0, max: 999, step: 1, value: 2 };
const XOR_ACTS = ["relu", "tanh", "sigmoid"] as const satisfies readonly Activation[];

/** Which of the four points the rule `w1·x1 + w2·x2 + b > 0 → class 1` gets wrong, by name. */
function wrongPoints(w1: number, w2: number, b: number): number[] {
  const wrong: number[] = [];
  for (let i = 0; i < 4; i++) if ((w1 * XS[2 * i] + w2 * XS[2 * i + 1] + b > 0 ? 1 : 0) !== YS[i]) wrong.push(i);
  return wrong;
}

export const xor: Demo = {
  id: "xor",
  title: "XOR: why we need hidden layers",
  blurb:
    "Four points no straight line separates. Three linear attempts fail; the lecture's hand-picked 2-2-1 ReLU " +
    "network, h = ReLU(Wx + c), y = w·h + b, gets all four; then train one and watch the region form.",
  stage: "foundations",
  lecture: "Lecture 1",
  tryThis: [
    "Read each straight line's mistakes, then the hand-picked network's table row by row.",
    "Train the lecture's 2-2-1 network, then set the seed to 0 and train again: read why it gets stuck, and press " +
      '"Try another seed".',
    "Give it more hidden units, or tanh, and train again.",
  ],
  notice: [
    "Every straight line gets at least one point wrong: XOR is not linearly separable.",
    "The hidden layer folds the plane so (0,1) and (1,0) land on the same point; then one line is enough.",
    "With only two ReLU units a bad random start can kill a unit for good: the loss then stalls at ln 2 = 0.6931.",
  ],
  mount(root, st) {
    const X = tensor(XS, { shape: [4, 2] });
    // 1. three linear attempts
    const attempts = h("div", { class: "row" });
    const attempt = (name: string, w1: number, w2: number, b: number, key: string, detail = "") => {
      const cv = canvas(180, 180, `${name}: decision line on the XOR points`);
      clear(cv);
      drawField(cv, view, (x, y) => (w1 * x + w2 * y + b > 0 ? 0.85 : 0.15), 40);
      drawLine(cv, view, w1, w2, b);
      drawPoints(cv, view, XS, YS, 6);
      const wrong = wrongPoints(w1, w2, b);
      const m = metric(`${key}-acc`, `${name}: correct`);
      m.set(`${4 - wrong.length}/4`);
      const says = wrong.length ? `Gets ${listAnd(wrong.map(pointName))} wrong.` : "Gets all four right.";
      attempts.append(
        h(
          "div",
          { class: "attempt" },
          h("h3", { text: name }),
          cv,
          metrics(m),
          note(says + (detail ? ` ${detail}` : ""), { "data-metric": `${key}-caption` }),
        ),
      );
    };
    attempt("x₁ + x₂ > 0.5 (OR)", 1, 1, -0.5, "linear-1");
    attempt("x₁ + x₂ > 1.5 (AND)", 1, 1, -1.5, "linear-2");
    // the third attempt: a logistic regression trained with gradlab (4 points, 500 steps: instant)
    manualSeed(0);
    const logreg = new nn.Linear(2, 1);
    const opt = new optim.SGD(logreg.parameters(), { lr: 0.5 });
    const yF = tensor(Float32Array.from(YS), { shape: [4, 1] });
    let lrLoss = 0;
    for (let s = 0; s < 500; s++) {
      opt.zeroGrad();
      const l = F.binaryCrossEntropyWithLogits(logreg(X), yF);
      l.backward();
      opt.step();
      lrLoss = l.item();
    }
    const [lw1, lw2] = logreg.weight.dataSync(),
      lb = logreg.bias!.dataSync()[0];
    attempt(
      "trained logistic regression",
      lw1,
      lw2,
      lb,
      "linear-3",
      `500 SGD steps of nn.Linear(2, 1) end at w = (${fmtNum(lw1, 2)}, ${fmtNum(lw2, 2)}), b = ${fmtNum(lb, 2)}, ` +
        `loss ${fixed(lrLoss, 4)} ` +
        `(ln 2 = 0.6931): it can do no better than chance.`,
    );

    // 2. the hand-picked network
    const hand = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Linear(2, 1));
    const [h1, h2] = [hand[0] as nn.Linear, hand[2] as nn.Linear];
    noGrad(() => {
      h1.weight.dataSync().set([1, 1, 1, 1]);
      h1.bias!.dataSync().set([0, -1]);
      h2.weight.dataSync().set([1, -2]);
      h2.bias!.dataSync().set([0]);
    });
    const pre = noGrad(() => h1(X)),
      hid = noGrad(() => hand[1](pre)),
      out = noGrad(() => hand(X));
    const tb = h(
      "table",
      { class: "mat", "data-metric": "hand-table" },
      h("tr", {}, ...["x", "Wx + c", "h = ReLU(·)", "y = w·h + b", "target"].map((t) => h("th", { text: t }))),
    );
    let handOk = 0;
    const pair = (a: ArrayLike<number>, i: number) => `(${fmtNum(a[2 * i])}, ${fmtNum(a[2 * i + 1])})`;
    for (let i = 0; i < 4; i++) {
      const yv = out.dataSync()[i];
      if ((yv > 0.5 ? 1 : 0) === YS[i]) handOk++;
      tb.append(
        h(
          "tr",
          { "data-row": i },
          h("td", { text: pointName(i) }),
          h("td", { "data-metric": `hand-pre-${i}`, text: pair(pre.dataSync(), i) }),
          h("td", { "data-metric": `hand-h-${i}`, text: pair(hid.dataSync(), i) }),
          h("td", { "data-metric": `hand-y-${i}`, text: fmtNum(yv) }),
          h("td", { text: String(YS[i]) }),
        ),
      );
    }
    const mHand = metric("hand-acc", "hand-picked net: correct");
    mHand.set(`${handOk}/4`);
    const hcv = canvas(220, 220, "Region of the hand-picked network (orange: y > 0.5)");
    clear(hcv);
    drawField(
      hcv,
      view,
      (x, y) => {
        const yy = Math.max(0, x + y) - 2 * Math.max(0, x + y - 1);
        return 1 / (1 + Math.exp(-8 * (yy - 0.5)));
      },
      80,
    );
    drawAxes(hcv, view);
    drawPoints(hcv, view, XS, YS, 6);
    const handDiagram = new NetDiagram({
      label: "The hand-picked 2-2-1 network",
      names: { inputs: ["x₁", "x₂"], outputs: ["y"] },
      width: 240,
      height: 140,
    });
    handDiagram.update(
      [h1, h2].map((l) => ({
        weight: l.weight.dataSync(),
        bias: l.bias!.dataSync(),
        inputs: l.inFeatures,
        outputs: l.outFeatures,
      })),
    );
    handDiagram.el.dataset.diagram = "hand";

    // 3. training one, in the worker
    const s = { hidden: st.num(HIDDEN), lr: st.num(LR), act: st.choice("act", "relu", XOR_ACTS), seed: st.num(SEED) };
    const tcv = canvas(260, 260, "Decision region of the network being trained on the four XOR points", {
      "data-plot": "train-region",
    });
    const regions = new RegionView(tcv, GRID, 2, () => {
      drawAxes(tcv, view);
      drawPoints(tcv, view, XS, YS, 7);
    });
    const mStep = metric("step", "step"),
      mLoss = metric("loss", "loss"),
      mAcc = metric("train-acc", "train accuracy"),
      mDead = metric("dead-units", "dead units (off on all 4 points)"),
      mLinear = metric("linear-units", "units on for all 4 points");
    const diagnosis = h("p", {
      class: "diagnosis",
      "data-metric": "diagnosis",
      "aria-live": "polite",
      text: "Training…",
    });
    const trained = new NetDiagram({
      label: "The network being trained",
      names: { inputs: ["x₁", "x₂"], outputs: ["class 0", "class 1"] },
      width: 260,
      height: 150,
    });
    const task = new TaskClient<Mlp2dTask>(
      new Worker(new URL("../workers/mlp2d.ts", import.meta.url), { type: "module" }),
    );
    let last = { loss: NaN, acc: NaN, dead: null as number | null, linear: null as number | null };
    const mlp = (): MlpConfig => ({
      inputs: 2,
      hidden: [s.hidden],
      outputs: 2,
      activation: s.act,
      init: "default",
      dropout: 0,
      batchnorm: false,
    });
    task.on("progress", (m) => {
      regions.update(m.probs);
      trained.update(m.layers);
      mStep.set(m.step);
      mLoss.set(m.trainLoss);
      mAcc.set(m.trainAcc);
      mDead.set(m.units ? `${m.units.dead[0]} of ${s.hidden}` : "– (ReLU only)");
      mLinear.set(m.units ? `${m.units.linear[0]} of ${s.hidden}` : "– (ReLU only)");
      last = { loss: m.trainLoss, acc: m.trainAcc, dead: m.units?.dead[0] ?? null, linear: m.units?.linear[0] ?? null };
    });
    task.on("done", () => {
      diagnosis.textContent = explainXorRun({ ...last, hidden: s.hidden, activation: s.act, seed: s.seed });
      diagnosis.classList.toggle("stuck", last.acc < 1);
      reseed.hidden = last.acc >= 1;
    });
    const train = () => {
      diagnosis.textContent = "Training…";
      diagnosis.classList.remove("stuck");
      st.patch(s);
      task.send({
        type: "start",
        autostart: true,
        config: {
          dataset: "xor",
          n: 4,
          noise: 0,
          turns: 1,
          classes: 2,
          seed: s.seed,
          mlp: mlp(),
          optimizer: "adam",
          lr: s.lr,
          batch: 4,
          grid: GRID,
          testFrac: 0,
          evalMode: "eval",
          maxSteps: STEPS,
        },
      });
    };
    const seedSlider = slider({
      ...SEED,
      current: s.seed,
      label: "seed (the random start)",
      onInput: (v) => {
        s.seed = v;
        st.set("seed", v);
      },
    });
    const reseed = button(
      "reseed",
      "Try another seed",
      () => {
        s.seed = (s.seed + 1) % (SEED.max + 1);
        seedSlider.set(s.seed);
        train();
      },
      { icon: "dice" },
    );
    reseed.hidden = true;
    root.append(
      panel(
        "1. Three straight lines, all wrong",
        attempts,
        note("XOR is not linearly separable: any line leaves at least one point on the wrong side."),
      ),
      row(
        panel(
          "2. The hand-picked 2-2-1 ReLU network",
          note(
            "h = ReLU(Wx + c) with W = [[1, 1], [1, 1]], c = [0, −1]; y = w·h + b with w = [1, −2], b = 0. " +
              "The hidden layer folds the plane so (0,1) and (1,0) land on the same point.",
          ),
          h("div", { class: "row" }, h("div", {}, tb, metrics(mHand)), handDiagram.el, hcv),
        ),
      ),
      row(
        panel(
          "3. Train it",
          controls(
            slider({
              ...HIDDEN,
              current: s.hidden,
              label: "hidden units",
              onInput: (v) => {
                s.hidden = v;
                st.set("hidden", v);
              },
            }),
            slider({
              ...LR,
              current: s.lr,
              label: "learning rate (Adam)",
              onInput: (v) => {
                s.lr = v;
                st.set("lr", v);
                task.send({ type: "set", lr: v });
              },
            }),
            select({
              name: "act",
              label: "activation",
              options: XOR_ACTS,
              value: s.act,
              onChange: (v) => {
                s.act = v;
                st.set("act", v);
              },
            }),
            seedSlider,
          ),
          buttons(button("train", `Train (${STEPS} steps)`, train, { icon: "play", primary: true }), reseed),
          h("div", { class: "row" }, tcv, trained.el),
          metrics(mStep, mLoss, mAcc, mDead, mLinear),
          diagnosis,
          note(
            "The network has two output logits and a softmax, which is the same as one sigmoid output on their " +
              "difference.",
          ),
          h("h2", { text: "Model" }),
          modelExport("xor.safetensors", async () => ({
            sd: requireModel(await task.request("stateDict", null)),
            code: mlpPytorch(mlp(), "xor.safetensors", { optimizer: "adam", lr: s.lr }),
          })),
        ),
      ),
    );
    train();
    return () => task.terminate();
  },
};
