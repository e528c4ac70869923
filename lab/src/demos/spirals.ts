import { modelExport, type PlainStateDict } from "../lib/model_io.ts";
import { ACTIVATIONS, INITS, mlpPytorch, type MlpConfig } from "../lib/mlp.ts";
import { button, canvas, checkbox, controls, cssSize, h, metric, metrics, numberInput, panel, row, select, slider } from "../lib/ui.ts";
import { CLASS_COLORS, clear, drawAxes, drawPoints, drawRegions, fromPx, LineChart, rgb, type View } from "../lib/plot.ts";
import { Trainer } from "../lib/worker_client.ts";
import type { Demo } from "./types.ts";

const DATASETS = ["spirals", "moons", "circles", "xorcloud", "blobs"] as const;
const G = 64;

export const spiralsDemo: Demo = {
  id: "spirals",
  title: "Spirals: train an MLP live",
  blurb: "Two (or more) interlocking spirals. Pick the depth, width, activation, init, optimizer, learning rate, batch size, Dropout and BatchNorm, and train in a Web Worker while you watch the decision region, the train/test loss, and the data as the last hidden layer sees it. Click the plane to add your own points.",
  mount(root, st) {
    const s = {
      dataset: st.str("data", "spirals", DATASETS), classes: st.num("classes", 2), n: st.num("n", 300), noise: st.num("noise", 0.04), turns: st.num("turns", 1),
      depth: st.num("depth", 3), width: st.num("width", 32), act: st.str("act", "relu", ACTIVATIONS), init: st.str("init", "default", INITS),
      opt: st.str("opt", "adam", ["adam", "sgd"] as const), lr: st.num("lr", 0.01), batch: st.num("batch", 32),
      dropout: st.num("dropout", 0), bn: st.bool("bn", false), bottleneck: st.bool("bottleneck", false), evalMode: st.str("mode", "eval", ["eval", "train"] as const),
      seed: st.num("seed", 0), clickClass: 0,
    };
    let extra: { x: number; y: number; label: number }[] = [];
    try { extra = JSON.parse(st.params.get("pts") ?? "[]"); } catch { extra = []; }

    const trainer = new Trainer();
    let running = false, view: View = { x0: -1.5, x1: 1.5, y0: -1.5, y1: 1.5 }, classes = 2;
    let data = { xTrain: [] as number[], yTrain: [] as number[], xTest: [] as number[], yTest: [] as number[] };
    let hist = { step: [] as number[], train: [] as number[], test: [] as number[] };
    let lastProbs: Float32Array | null = null;

    const cv = canvas(400, 400, "Decision regions; filled dots are training points, rings are test points. Click to add a point.", { "data-plot": "regions", tabindex: 0 });
    const hv = canvas(300, 300, "Training points as the last hidden layer sees them", { "data-plot": "hidden" });
    const hvTitle = h("p", { class: "note", "data-metric": "hidden-view" });
    const chart = new LineChart({ title: "Loss", series: [{ label: "train", stroke: "#0b62d6" }, { label: "test", stroke: "#e6550d", dash: [6, 4] }], xLabel: "step", logY: true, metric: "loss" });
    const mStep = metric("step", "step"), mEpoch = metric("epoch", "epoch"), mTrL = metric("train-loss", "train loss"), mTeL = metric("test-loss", "test loss"),
      mTrA = metric("train-acc", "train accuracy"), mTeA = metric("test-acc", "test accuracy"), mPts = metric("points", "training points"), mCurve = metric("loss-points", "points on the loss curve");
    const playBtn = button("train", "▶ Train", () => { running = !running; trainer.send({ type: running ? "resume" : "pause" }); playBtn.textContent = running ? "⏸ Pause" : "▶ Train"; playBtn.setAttribute("aria-pressed", String(running)); }, { "data-primary": true, "aria-pressed": "false" });

    const mlpConfig = (): MlpConfig => ({
      inputs: 2, outputs: s.dataset === "spirals" || s.dataset === "blobs" ? s.classes : 2, activation: s.act, init: s.init, dropout: s.dropout, batchnorm: s.bn,
      hidden: [...Array(s.depth).fill(s.width), ...(s.bottleneck ? [2] : [])],
    });
    const drawMain = () => {
      clear(cv);
      if (lastProbs) drawRegions(cv, lastProbs, G, classes);
      drawAxes(cv, view);
      drawPoints(cv, view, data.xTest, data.yTest, 3.5, () => "ring");
      drawPoints(cv, view, data.xTrain, data.yTrain, 3.5);
    };
    const drawHidden = (hd: Float32Array | null, kind: string) => {
      clear(hv);
      if (!hd) { hvTitle.textContent = "no hidden layer"; return; }
      let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
      for (let i = 0; i < hd.length; i += 2) { x0 = Math.min(x0, hd[i]); x1 = Math.max(x1, hd[i]); y0 = Math.min(y0, hd[i + 1]); y1 = Math.max(y1, hd[i + 1]); }
      const px = 0.08 * (x1 - x0 || 1), py = 0.08 * (y1 - y0 || 1);
      drawPoints(hv, { x0: x0 - px, x1: x1 + px, y0: y0 - py, y1: y1 + py }, hd, data.yTrain, 3);
      hvTitle.textContent = kind === "raw" ? "the 2 units of the last hidden layer (raw activations)" : `PCA projection of the last hidden layer (${s.bottleneck ? 2 : s.width} units) onto its top 2 components`;
    };
    trainer.on("data", (m) => { data = m; view = m.view; classes = m.classes; mPts.set(m.yTrain.length); drawMain(); });
    trainer.on("progress", (m) => {
      lastProbs = m.probs; drawMain(); drawHidden(m.hidden, m.hiddenKind);
      mStep.set(m.step); mEpoch.set(m.epoch); mTrL.set(m.trainLoss); mTeL.set(m.testLoss); mTrA.set(m.trainAcc); mTeA.set(m.testAcc);
      addPoints([m.step], [m.trainLoss], [m.testLoss]);
    });
    // the worker samples the loss curve by steps (see loop2d), in batches
    trainer.on("curve", (m) => addPoints(m.step, m.train, m.test));
    const addPoints = (steps: number[], train: number[], test: number[]) => {
      let added = 0;
      steps.forEach((st0, i) => {
        if (hist.step.length && st0 <= hist.step[hist.step.length - 1]) return;
        hist.step.push(st0); hist.train.push(train[i]); hist.test.push(test[i]); added++;
      });
      if (!added) return;
      if (hist.step.length > 1500) hist = { step: hist.step.filter((_, i) => i % 2 === 0), train: hist.train.filter((_, i) => i % 2 === 0), test: hist.test.filter((_, i) => i % 2 === 0) };
      chart.setData(hist.step, [hist.train, hist.test]);
      mCurve.set(hist.step.length);
    };
    trainer.on("error", (m) => console.error("worker:", m.message));

    const restart = () => {
      hist = { step: [], train: [], test: [] }; chart.setData([], [[], []]); mCurve.set(0); lastProbs = null;
      st.patch({ data: s.dataset, classes: s.classes, n: s.n, noise: s.noise, turns: s.turns, depth: s.depth, width: s.width, act: s.act, init: s.init, opt: s.opt, lr: s.lr, batch: s.batch, dropout: s.dropout, bn: s.bn, bottleneck: s.bottleneck, mode: s.evalMode, seed: s.seed });
      st.set("pts", JSON.stringify(extra));
      trainer.send({ type: "start", task: "mlp2d", autostart: running, config: {
        dataset: s.dataset, n: s.n, noise: s.noise, turns: s.turns, classes: s.classes, seed: s.seed, mlp: mlpConfig(), optimizer: s.opt, lr: s.lr, batch: s.batch,
        grid: G, testFrac: 0.25, evalMode: s.evalMode, extra,
      } });
    };
    const live = (patch: Record<string, unknown>) => { trainer.send({ type: "set", patch }); st.patch(patch as Record<string, string | number>); };

    const clickSel = select({ name: "click-class", label: "click adds class", options: ["0", "1", "2", "3", "4"] as const, value: "0", onChange: (v) => { s.clickClass = +v; } });
    const addAt = (x: number, y: number) => {
      const p = { x: +x.toFixed(3), y: +y.toFixed(3), label: Math.min(s.clickClass, classes - 1) };
      extra.push(p); st.set("pts", JSON.stringify(extra)); trainer.send({ type: "addPoint", ...p });
    };
    cv.addEventListener("click", (e) => {
      const r = cv.getBoundingClientRect(); const [w, hh] = cssSize(cv);
      addAt(...fromPx(cv, view, ((e.clientX - r.left) / r.width) * w, ((e.clientY - r.top) / r.height) * hh));
    });
    const kb = { x: 0, y: 0 };
    const kbAdd = [numberInput({ name: "add-x", label: "new point x", value: 0, step: 0.1, onInput: (v) => { kb.x = v; } }),
      numberInput({ name: "add-y", label: "new point y", value: 0, step: 0.1, onInput: (v) => { kb.y = v; } }),
      button("add-point", "Add point", () => addAt(kb.x, kb.y))];
    const legend = h("p", { class: "note" }, "Classes: ", ...[0, 1, 2, 3, 4].map((k) => h("span", { style: `color:${rgb(CLASS_COLORS[k])};font-weight:700`, text: ` ●${k}` })));

    root.append(
      row(
        panel("Decision region", cv, legend, controls(clickSel, ...kbAdd, button("clear-points", "Remove my points", () => { extra = []; restart(); }))),
        panel("Training", h("div", { class: "buttons" }, playBtn, button("reset", "↺ Reset weights", restart)), metrics(mStep, mEpoch, mTrL, mTeL, mTrA, mTeA, mPts, mCurve), chart.el,
          controls(
            slider({ name: "lr", label: "learning rate (live)", min: 0.0005, max: 0.1, step: 0.0005, value: s.lr, onInput: (v) => { s.lr = v; live({ lr: v }); } }),
            slider({ name: "batch", label: "batch size (live)", min: 1, max: 256, step: 1, value: s.batch, onInput: (v) => { s.batch = v; live({ batch: v }); } }),
            select({ name: "mode", label: "evaluate in", options: [["eval", "eval mode (model.eval())"], ["train", "train mode (BN batch stats, Dropout on)"]] as const, value: s.evalMode, onChange: (v) => { s.evalMode = v; live({ evalMode: v, mode: v }); } }),
          ))),
      row(
        panel("Data",
          controls(
            select({ name: "data", label: "dataset", options: DATASETS, value: s.dataset, onChange: (v) => { s.dataset = v; restart(); } }),
            slider({ name: "classes", label: "classes (spirals/blobs; softmax head)", min: 2, max: 5, step: 1, value: s.classes, onInput: (v) => { s.classes = v; restart(); } }),
            slider({ name: "n", label: "points", min: 40, max: 1000, step: 20, value: s.n, onInput: (v) => { s.n = v; restart(); } }),
            slider({ name: "noise", label: "noise", min: 0, max: 0.3, step: 0.01, value: s.noise, onInput: (v) => { s.noise = v; restart(); } }),
            slider({ name: "turns", label: "spiral turns", min: 0.5, max: 2.5, step: 0.25, value: s.turns, onInput: (v) => { s.turns = v; restart(); } }),
            slider({ name: "seed", label: "seed", min: 0, max: 50, step: 1, value: s.seed, onInput: (v) => { s.seed = v; restart(); } }))),
        panel("Network (changes reset the weights)",
          controls(
            slider({ name: "depth", label: "hidden layers", min: 0, max: 8, step: 1, value: s.depth, onInput: (v) => { s.depth = v; restart(); } }),
            slider({ name: "width", label: "units per layer", min: 2, max: 64, step: 1, value: s.width, onInput: (v) => { s.width = v; restart(); } }),
            select({ name: "act", label: "activation", options: ACTIVATIONS, value: s.act, onChange: (v) => { s.act = v; restart(); } }),
            select({ name: "init", label: "init", options: INITS, value: s.init, onChange: (v) => { s.init = v; restart(); } }),
            select({ name: "opt", label: "optimizer", options: [["adam", "Adam"], ["sgd", "SGD + momentum 0.9"]] as const, value: s.opt, onChange: (v) => { s.opt = v; restart(); } }),
            slider({ name: "dropout", label: "Dropout p", min: 0, max: 0.6, step: 0.05, value: s.dropout, onInput: (v) => { s.dropout = v; restart(); } }),
            checkbox({ name: "bn", label: "BatchNorm1d", value: s.bn, onChange: (v) => { s.bn = v; restart(); } }),
            checkbox({ name: "bottleneck", label: "2-unit last hidden layer", value: s.bottleneck, onChange: (v) => { s.bottleneck = v; restart(); } })))),
      row(
        panel("Hidden-layer view", hv, hvTitle, h("p", { class: "note", text: "The classifier head is linear, so once training works the last hidden layer has unrolled the spirals into regions a line (one per class pair) separates." })),
        panel("Model", modelExport("spirals.safetensors", async () => ({ sd: await trainer.request<PlainStateDict>("stateDict"), code: mlpPytorch(mlpConfig(), "spirals.safetensors", { optimizer: s.opt, lr: s.lr }) })))),
    );
    restart();
    return () => { trainer.terminate(); chart.destroy(); };
  },
};
