import { backendBar } from "../lib/backend.ts";
import { classColor } from "../lib/colors.ts";
import { LineChart } from "../lib/chart.ts";
import { button, buttons, checkbox, controls, numberInput, playButton, select, slider } from "../lib/controls.ts";
import { ACTIVATIONS, INIT_LABELS, INITS, mlpPytorch } from "../lib/mlp.ts";
import { modelExport, requireModel } from "../lib/model_io.ts";
import { NetDiagram } from "../lib/netdiagram.ts";
import { clear, drawAxes, drawPoints, fromPx, RegionView, type View } from "../lib/plot.ts";
import { TaskClient } from "../lib/task_client.ts";
import { canvas, h, metric, metrics, note, panel, pointerAt, row } from "../lib/ui.ts";
import type { Mlp2dTask, Point } from "../protocol/mlp2d.ts";
import { mlpConfig, P, readSpiralsState, SPIRAL_DATASETS } from "./spirals_params.ts";
import type { Demo } from "./types.ts";

const G = 64;

export const spiralsDemo: Demo = {
  id: "spirals",
  title: "Spirals: train an MLP live",
  blurb:
    "Two (or more) interlocking spirals. Pick the depth, width, activation, init, optimizer, learning rate, batch " +
    "size, Dropout and BatchNorm, and train in a Web Worker while you watch the decision region, the train and test " +
    "loss, and the data as the last hidden layer sees it.",
  stage: "foundations",
  lecture: "Lecture 1",
  tryThis: [
    "Press Train and watch the region wrap around the spirals.",
    "Set hidden layers to 0: a linear classifier, then train.",
    'Tick "2-unit last hidden layer" and watch the hidden-layer view unroll the spirals.',
    "Click the plane to add points of a class where they do not belong.",
  ],
  notice: [
    "With no hidden layer the boundary stays a straight line, however long you train.",
    "The last hidden layer turns the spirals into groups a straight line separates: the head is just logistic " +
      "regression.",
    "When train loss keeps falling and test loss rises, the network is memorising.",
  ],
  mount(root, st) {
    const s = readSpiralsState(st);
    let extra: Point[] = s.extra;
    let clickClass = 0;
    const task = new TaskClient<Mlp2dTask>(
      new Worker(new URL("../workers/mlp2d.ts", import.meta.url), { type: "module" }),
    );
    root.append(backendBar(st, task));
    let view: View = { x0: -1.5, x1: 1.5, y0: -1.5, y1: 1.5 },
      classes = 2;
    let data = { xTrain: [] as number[], yTrain: [] as number[], xTest: [] as number[], yTest: [] as number[] };
    let hist = { step: [] as number[], train: [] as number[], test: [] as number[] };

    const cv = canvas(
      400,
      400,
      "Decision regions; filled dots are training points, rings are test points. Click to add a point.",
      { "data-plot": "regions", tabindex: 0 },
    );
    const regions = new RegionView(cv, G, 2, () => {
      drawAxes(cv, view);
      drawPoints(cv, view, data.xTest, data.yTest, 3.5, () => "ring");
      drawPoints(cv, view, data.xTrain, data.yTrain, 3.5);
    });
    const hv = canvas(300, 300, "Training points as the last hidden layer sees them", { "data-plot": "hidden" });
    const hvTitle = note("", { "data-metric": "hidden-view" });
    const chart = new LineChart({
      title: "Loss",
      series: [
        { label: "train", stroke: classColor(0) },
        { label: "test", stroke: classColor(1), dash: [6, 4] },
      ],
      xLabel: "step",
      logY: true,
      metric: "loss",
    });
    const diagram = new NetDiagram({
      label: "The network: lines are weights",
      names: { inputs: ["x", "y"] },
      maxUnits: 8,
      width: 400,
      height: 190,
    });
    const mStep = metric("step", "step"),
      mEpoch = metric("epoch", "epoch"),
      mTrL = metric("train-loss", "train loss"),
      mTeL = metric("test-loss", "test loss"),
      mTrA = metric("train-acc", "train accuracy"),
      mTeA = metric("test-acc", "test accuracy"),
      mPts = metric("points", "training points"),
      mCurve = metric("loss-points", "points on the loss curve");
    const play = playButton("train", (running) => task.send({ type: running ? "resume" : "pause" }));

    const legend = h("p", { class: "legend", "data-metric": "legend" });
    const clickSlot = h("div");
    const setClasses = (k: number) => {
      classes = k;
      legend.replaceChildren(
        h("span", { text: "Classes:" }),
        ...Array.from({ length: k }, (_, c) =>
          h(
            "span",
            { class: "chip", "data-class": c },
            h("span", { class: "swatch", style: `background:${classColor(c)}` }),
            `class ${c}`,
          ),
        ),
      );
      clickClass = Math.min(clickClass, k - 1);
      clickSlot.replaceChildren(
        select({
          name: "click-class",
          label: "a click adds class",
          options: Array.from({ length: k }, (_, c) => String(c)),
          value: String(clickClass),
          onChange: (v) => {
            clickClass = +v;
          },
        }).el,
      );
    };
    setClasses(mlpConfig(s).outputs);

    const drawHidden = (hd: Float32Array | null, kind: string) => {
      clear(hv);
      if (!hd) {
        hvTitle.textContent = "no hidden layer: the classifier works on the raw inputs";
        return;
      }
      let x0 = Infinity,
        x1 = -Infinity,
        y0 = Infinity,
        y1 = -Infinity;
      for (let i = 0; i < hd.length; i += 2) {
        x0 = Math.min(x0, hd[i]);
        x1 = Math.max(x1, hd[i]);
        y0 = Math.min(y0, hd[i + 1]);
        y1 = Math.max(y1, hd[i + 1]);
      }
      const px = 0.08 * (x1 - x0 || 1),
        py = 0.08 * (y1 - y0 || 1);
      drawPoints(hv, { x0: x0 - px, x1: x1 + px, y0: y0 - py, y1: y1 + py }, hd, data.yTrain, 3);
      hvTitle.textContent =
        kind === "raw"
          ? "the 2 units of the last hidden layer (raw activations)"
          : `PCA projection of the last hidden layer (${s.bottleneck ? 2 : s.width} units) onto its top 2 components`;
    };
    task.on("data", (m) => {
      data = m;
      view = m.view;
      if (m.classes !== classes) setClasses(m.classes);
      mPts.set(m.yTrain.length);
      regions.redraw();
    });
    task.on("progress", (m) => {
      regions.update(m.probs, classes);
      drawHidden(m.hidden, m.hiddenKind);
      diagram.update(m.layers);
      mStep.set(m.step);
      mEpoch.set(m.epoch);
      mTrL.set(m.trainLoss);
      mTeL.set(m.testLoss);
      mTrA.set(m.trainAcc);
      mTeA.set(m.testAcc);
      addPoints([m.step], [m.trainLoss], [m.testLoss]);
    });
    // the worker samples the loss curve by steps, in batches
    task.on("curve", (m) => addPoints(m.step, m.train, m.test));
    const addPoints = (steps: number[], train: number[], test: number[]) => {
      let added = 0;
      steps.forEach((step, i) => {
        if (hist.step.length && step <= hist.step[hist.step.length - 1]) return;
        hist.step.push(step);
        hist.train.push(train[i]);
        hist.test.push(test[i]);
        added++;
      });
      if (!added) return;
      if (hist.step.length > 1500) {
        const even = <T>(a: T[]) => a.filter((_, i) => i % 2 === 0);
        hist = { step: even(hist.step), train: even(hist.train), test: even(hist.test) };
      }
      chart.setData(hist.step, [hist.train, hist.test]);
      mCurve.set(hist.step.length);
    };

    const restart = () => {
      hist = { step: [], train: [], test: [] };
      chart.setData([], [[], []]);
      mCurve.set(0);
      regions.reset();
      const { extra: _, ...rest } = s;
      st.patch({ ...rest, data: s.dataset, mode: s.evalMode, pts: JSON.stringify(extra) });
      const mlp = mlpConfig(s);
      if (mlp.outputs !== classes) setClasses(mlp.outputs);
      task.send({
        type: "start",
        autostart: play.running(),
        config: {
          dataset: s.dataset,
          n: s.n,
          noise: s.noise,
          turns: s.turns,
          classes: s.classes,
          seed: s.seed,
          mlp,
          optimizer: s.opt,
          lr: s.lr,
          batch: s.batch,
          grid: G,
          testFrac: 0.25,
          evalMode: s.evalMode,
          extra,
        },
      });
    };
    const live = (patch: { lr?: number; batch?: number; evalMode?: "eval" | "train" }) =>
      task.send({ type: "set", ...patch });

    const addAt = (x: number, y: number) => {
      if (extra.length >= 200) return;
      const p = {
        x: +Math.max(-10, Math.min(10, x)).toFixed(3),
        y: +Math.max(-10, Math.min(10, y)).toFixed(3),
        label: Math.min(clickClass, classes - 1),
      };
      extra.push(p);
      st.set("pts", JSON.stringify(extra));
      task.send({ type: "addPoint", point: p });
    };
    cv.addEventListener("click", (e) => addAt(...fromPx(cv, view, ...pointerAt(cv, e))));
    const kb = { x: 0, y: 0 };
    const coord = (key: string, label: string, set: (v: number) => void) =>
      numberInput({ key, label, min: -10, max: 10, step: 0.1, value: 0, onInput: set });
    const sl = (p: (typeof P)[keyof typeof P], label: string, on: (v: number) => void) =>
      slider({ ...p, current: s[p.key as keyof typeof P], label, onInput: on });

    root.append(
      row(
        panel(
          "Decision region",
          cv,
          legend,
          controls(
            clickSlot,
            coord("add-x", "new point x", (v) => {
              kb.x = v;
            }),
            coord("add-y", "new point y", (v) => {
              kb.y = v;
            }),
            button("add-point", "Add point", () => addAt(kb.x, kb.y), { icon: "plus" }),
            button(
              "clear-points",
              "Remove my points",
              () => {
                extra = [];
                restart();
              },
              { icon: "trash" },
            ),
          ),
        ),
        panel(
          "Training",
          buttons(play.el, button("reset", "Reset weights", restart, { icon: "reset" })),
          metrics(mStep, mEpoch, mTrL, mTeL, mTrA, mTeA, mPts, mCurve),
          chart.el,
          controls(
            sl(P.lr, "learning rate (live)", (v) => {
              s.lr = v;
              st.set("lr", v);
              live({ lr: v });
            }),
            sl(P.batch, "batch size (live)", (v) => {
              s.batch = v;
              st.set("batch", v);
              live({ batch: v });
            }),
            select({
              name: "mode",
              label: "evaluate in",
              options: [
                ["eval", "eval mode (model.eval())"],
                ["train", "train mode (BN batch stats, Dropout on)"],
              ] as const,
              value: s.evalMode,
              onChange: (v) => {
                s.evalMode = v;
                st.set("mode", v);
                live({ evalMode: v });
              },
            }),
          ),
        ),
      ),
      row(
        panel(
          "Network (changes reset the weights)",
          diagram.el,
          controls(
            sl(P.depth, "hidden layers", (v) => {
              s.depth = v;
              restart();
            }),
            sl(P.width, "units per layer", (v) => {
              s.width = v;
              restart();
            }),
            select({
              name: "act",
              label: "activation",
              options: ACTIVATIONS,
              value: s.act,
              onChange: (v) => {
                s.act = v;
                restart();
              },
            }),
            select({
              name: "init",
              label: "init",
              options: INITS.map((i) => [i, INIT_LABELS[i]] as const),
              value: s.init,
              onChange: (v) => {
                s.init = v;
                restart();
              },
            }),
            select({
              name: "opt",
              label: "optimizer",
              options: [
                ["adam", "Adam"],
                ["sgd", "SGD + momentum 0.9"],
              ] as const,
              value: s.opt,
              onChange: (v) => {
                s.opt = v;
                restart();
              },
            }),
            sl(P.dropout, "Dropout p", (v) => {
              s.dropout = v;
              restart();
            }),
            checkbox({
              name: "bn",
              label: "BatchNorm1d",
              value: s.bn,
              onChange: (v) => {
                s.bn = v;
                restart();
              },
            }),
            checkbox({
              name: "bottleneck",
              label: "2-unit last hidden layer",
              value: s.bottleneck,
              onChange: (v) => {
                s.bottleneck = v;
                restart();
              },
            }),
          ),
        ),
        panel(
          "Data",
          controls(
            select({
              name: "data",
              label: "dataset",
              options: SPIRAL_DATASETS,
              value: s.dataset,
              onChange: (v) => {
                s.dataset = v;
                restart();
              },
            }),
            sl(P.classes, "classes (spirals, blobs)", (v) => {
              s.classes = v;
              extra = extra.filter((p) => p.label < v);
              restart();
            }),
            sl(P.n, "points", (v) => {
              s.n = v;
              restart();
            }),
            sl(P.noise, "noise", (v) => {
              s.noise = v;
              restart();
            }),
            sl(P.turns, "spiral turns", (v) => {
              s.turns = v;
              restart();
            }),
            sl(P.seed, "seed", (v) => {
              s.seed = v;
              restart();
            }),
          ),
        ),
      ),
      row(
        panel(
          "Hidden-layer view",
          hv,
          hvTitle,
          note(
            "The classifier head is linear, so once training works the last hidden layer has " +
              "unrolled the spirals into groups a line (one per pair of classes) separates.",
          ),
        ),
        panel(
          "Model",
          modelExport("spirals.safetensors", async () => ({
            sd: requireModel(await task.request("stateDict", null)),
            code: mlpPytorch(mlpConfig(s), "spirals.safetensors", { optimizer: s.opt, lr: s.lr }),
          })),
        ),
      ),
    );
    restart();
    return () => {
      task.terminate();
      chart.destroy();
    };
  },
};
