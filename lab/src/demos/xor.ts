import { F, manualSeed, nn, noGrad, optim, tensor } from "gradlab";
import { xor as xorData } from "gradlab/data/synthetic.ts";
import { modelExport } from "../lib/model_io.ts";
import { mlpPytorch, type MlpConfig } from "../lib/mlp.ts";
import { button, canvas, controls, fmtNum, h, metric, metrics, panel, row, select, slider } from "../lib/ui.ts";
import { clear, drawAxes, drawField, drawLine, drawPoints, drawRegions, type View } from "../lib/plot.ts";
import { Trainer } from "../lib/worker_client.ts";
import type { PlainStateDict } from "../lib/model_io.ts";
import type { Demo } from "./types.ts";

const view: View = { x0: -0.5, x1: 1.5, y0: -0.5, y1: 1.5 };
const { x: XS, y: YS } = xorData();

export const xor: Demo = {
  id: "xor",
  title: "XOR: why we need hidden layers",
  blurb: "Four points no straight line separates. Three linear attempts fail; the lecture's hand-picked 2-2-1 ReLU network, h = ReLU(Wx + c), y = w·h + b, gets all four; then train one and watch the region form.",
  mount(root, st) {
    const X = tensor(XS, { shape: [4, 2] });
    // --- three linear attempts
    const attempts = h("div", { class: "row" });
    const lin = (name: string, w1: number, w2: number, b: number, metricName: string, note: string) => {
      const cv = canvas(180, 180, `${name}: decision line on the XOR points`);
      let ok = 0;
      for (let i = 0; i < 4; i++) if ((w1 * XS[2 * i] + w2 * XS[2 * i + 1] + b > 0 ? 1 : 0) === YS[i]) ok++;
      clear(cv); drawField(cv, view, (x, y) => (w1 * x + w2 * y + b > 0 ? 0.85 : 0.15), 40); drawLine(cv, view, w1, w2, b); drawPoints(cv, view, XS, YS, 6);
      const m = metric(metricName, `${name}: correct`); m.set(`${ok}/4`);
      attempts.append(h("div", { class: "attempt" }, h("h3", { text: name }), cv, metrics(m), h("p", { class: "note", text: note })));
      return ok;
    };
    lin("x₁ + x₂ > 0.5 (OR)", 1, 1, -0.5, "linear-1-acc", "Gets (1,1) wrong.");
    lin("x₁ + x₂ > 1.5 (AND)", 1, 1, -1.5, "linear-2-acc", "Gets (0,1) and (1,0) wrong.");
    // third attempt: a logistic regression trained with gradlab
    manualSeed(0);
    const logreg = new nn.Linear(2, 1);
    const opt = new optim.SGD(logreg.parameters(), { lr: 0.5 });
    const yF = tensor(Float32Array.from(YS), { shape: [4, 1] });
    for (let s = 0; s < 500; s++) { opt.zeroGrad(); F.binaryCrossEntropyWithLogits(logreg(X), yF).backward(); opt.step(); }
    const [lw1, lw2] = logreg.weight.data, lb = logreg.bias!.data[0];
    lin("trained logistic regression", lw1, lw2, lb, "linear-3-acc", `500 SGD steps of a gradlab nn.Linear(2, 1): w = (${fmtNum(lw1, 2)}, ${fmtNum(lw2, 2)}), b = ${fmtNum(lb, 2)} — the loss is stuck at ln 2 and it can do no better than chance.`);

    // --- the hand-picked network
    const hand = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Linear(2, 1));
    noGrad(() => {
      (hand[0] as nn.Linear).weight.data.set([1, 1, 1, 1]); (hand[0] as nn.Linear).bias!.data.set([0, -1]);
      (hand[2] as nn.Linear).weight.data.set([1, -2]); (hand[2] as nn.Linear).bias!.data.set([0]);
    });
    const pre = noGrad(() => hand[0](X)), hid = noGrad(() => hand[1](pre)), out = noGrad(() => hand(X));
    const tb = h("table", { class: "mat", "data-metric": "hand-table" }, h("tr", {}, ...["x", "Wx + c", "h = ReLU(·)", "y = w·h + b", "target"].map((t) => h("th", { text: t }))));
    let handOk = 0;
    for (let i = 0; i < 4; i++) {
      const yv = out.data[i];
      if ((yv > 0.5 ? 1 : 0) === YS[i]) handOk++;
      tb.append(h("tr", {}, h("td", { text: `(${XS[2 * i]}, ${XS[2 * i + 1]})` }), h("td", { text: `(${pre.data[2 * i]}, ${pre.data[2 * i + 1]})` }),
        h("td", { text: `(${hid.data[2 * i]}, ${hid.data[2 * i + 1]})` }), h("td", { "data-metric": `hand-y-${i}`, text: fmtNum(yv) }), h("td", { text: String(YS[i]) })));
    }
    const mHand = metric("hand-acc", "hand-picked net: correct"); mHand.set(`${handOk}/4`);
    const hcv = canvas(240, 240, "Region of the hand-picked network (orange: y > 0.5)");
    clear(hcv); drawField(hcv, view, (x, y) => { const yy = Math.max(0, x + y) - 2 * Math.max(0, x + y - 1); return 1 / (1 + Math.exp(-8 * (yy - 0.5))); }, 80);
    drawAxes(hcv, view); drawPoints(hcv, view, XS, YS, 6);

    // --- training one
    const s = { hidden: st.num("hidden", 4), lr: st.num("lr", 0.05), act: st.str("act", "relu", ["relu", "tanh", "sigmoid"] as const), seed: st.num("seed", 0) };
    const tcv = canvas(300, 300, "Decision region of the network being trained on the four XOR points", { "data-plot": "train-region" });
    const mStep = metric("step", "step"), mLoss = metric("loss", "loss"), mAcc = metric("train-acc", "train accuracy");
    const trainer = new Trainer();
    let lastMlp: MlpConfig | null = null;
    trainer.on("progress", (m) => {
      clear(tcv); drawRegions(tcv, m.probs, 48, 2); drawAxes(tcv, view); drawPoints(tcv, view, XS, YS, 7);
      mStep.set(m.step); mLoss.set(m.trainLoss); mAcc.set(m.trainAcc);
    });
    trainer.on("error", (m) => console.error("worker:", m.message));
    const train = () => {
      lastMlp = { inputs: 2, hidden: [s.hidden], outputs: 2, activation: s.act, init: "default", dropout: 0, batchnorm: false };
      trainer.send({ type: "start", task: "mlp2d", config: { dataset: "xor", n: 4, noise: 0, turns: 1, classes: 2, seed: s.seed, mlp: lastMlp, optimizer: "adam", lr: s.lr, batch: 4, grid: 48, testFrac: 0, evalMode: "eval", maxSteps: 600 } });
    };
    root.append(
      panel("1. Three straight lines, all wrong", attempts, h("p", { class: "note", text: "XOR is not linearly separable: any line leaves at least one point on the wrong side." })),
      row(panel("2. The hand-picked 2-2-1 ReLU network", h("p", { class: "note", text: "h = ReLU(Wx + c) with W = [[1, 1], [1, 1]], c = [0, −1]; y = w·h + b with w = [1, −2], b = 0. The hidden layer folds the plane so (0,1) and (1,0) land on the same point." }), tb, metrics(mHand), hcv)),
      row(panel("3. Train it", controls(
        slider({ name: "hidden", label: "hidden units", min: 2, max: 16, step: 1, value: s.hidden, onInput: (v) => { s.hidden = v; st.set("hidden", v); } }),
        slider({ name: "lr", label: "learning rate (Adam)", min: 0.005, max: 0.2, step: 0.005, value: s.lr, onInput: (v) => { s.lr = v; st.set("lr", v); trainer.send({ type: "set", patch: { lr: v } }); } }),
        select({ name: "act", label: "activation", options: ["relu", "tanh", "sigmoid"] as const, value: s.act, onChange: (v) => { s.act = v; st.set("act", v); } }),
        slider({ name: "seed", label: "seed", min: 0, max: 20, step: 1, value: s.seed, onInput: (v) => { s.seed = v; st.set("seed", v); } }),
        button("train", "Train (600 steps)", train, { "data-primary": true })),
        tcv, metrics(mStep, mLoss, mAcc),
        h("h2", { text: "Model" }),
        modelExport("xor.safetensors", async () => ({ sd: await trainer.request<PlainStateDict>("stateDict"), code: mlpPytorch(lastMlp ?? { inputs: 2, hidden: [s.hidden], outputs: 2, activation: s.act, init: "default", dropout: 0, batchnorm: false }, "xor.safetensors", { optimizer: "adam", lr: s.lr }) })))),
    );
    train();
    return () => trainer.terminate();
  },
};
