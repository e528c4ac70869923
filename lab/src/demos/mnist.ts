import { backendBar } from "../lib/backend.ts";
import { data } from "gradlab";
import { LineChart } from "../lib/chart.ts";
import { classColor } from "../lib/colors.ts";
import { button, buttons, controls, playButton, select, slider } from "../lib/controls.ts";
import { modelExport, requireModel } from "../lib/model_io.ts";
import { TaskClient } from "../lib/task_client.ts";
import { canvas, h, metric, metrics, note, panel, pointerAt, row } from "../lib/ui.ts";
import type { NumberParam } from "../lib/url.ts";
import type { MnistItem, MnistTask } from "../protocol/mnist.ts";
import type { Demo } from "./types.ts";

/** A 28×28 digit as a small canvas, ink dark on white. */
export function digitCanvas(img: ArrayLike<number>): HTMLCanvasElement {
  const c = document.createElement("canvas");
  c.width = 28;
  c.height = 28;
  const d = new ImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = 255 - img[i];
    d.data[4 * i] = v;
    d.data[4 * i + 1] = v;
    d.data[4 * i + 2] = v;
    d.data[4 * i + 3] = 255;
  }
  c.getContext("2d")!.putImageData(d, 0, 0);
  return c;
}

/** MNIST-style preprocessing of the drawing pad (gradlab's data.mnistStyle): 784 values in [0, 1], or null if blank. */
export function toMnist(src: HTMLCanvasElement): Float32Array | null {
  const w = src.width,
    hh = src.height;
  const px = src.getContext("2d")!.getImageData(0, 0, w, hh).data;
  const grey = new Float32Array(w * hh);
  for (let i = 0; i < grey.length; i++) grey[i] = px[4 * i] / 255;
  return data.mnistStyle(grey, w, hh);
}

const P = {
  steps: { key: "steps", min: 100, max: 5000, step: 100, value: 600 },
  batch: { key: "batch", min: 16, max: 256, step: 16, value: 64 },
  lr: { key: "lr", min: 0.0001, max: 0.01, step: 0.0001, value: 0.001 },
  seed: { key: "seed", min: 0, max: 1000, step: 1, value: 0 },
} satisfies Record<string, NumberParam>;

export const mnist: Demo = {
  id: "mnist",
  title: "MNIST in the browser",
  blurb:
    "The lecture's 784-256-256-10 MLP, trained in a Web Worker on the real MNIST files (raw IDX, parsed by gradlab). " +
    "Watch the loss and test accuracy, browse test predictions and mistakes, then draw a digit and read the softmax.",
  stage: "foundations",
  lecture: "Lecture 1",
  tryThis: [
    "Press Train and watch the loss fall and the test accuracy climb.",
    "Draw a digit in the pad, or load a test image into it.",
    "Reload the page: the same link trains the same network to the same accuracy. Change the seed for another run.",
  ],
  notice: [
    "A few hundred steps already reach about 90% on images the network never saw.",
    "The mistakes are often digits a person would hesitate on too.",
    "Your own drawing is scored lower when it does not look like MNIST's centred, thick strokes.",
  ],
  mount(root, st) {
    const s = {
      steps: st.num(P.steps),
      batch: st.num(P.batch),
      lr: st.num(P.lr),
      seed: st.num(P.seed),
      opt: st.choice("opt", "adam", ["adam", "sgd"] as const),
    };
    const task = new TaskClient<MnistTask>(
      new Worker(new URL("../workers/mnist.ts", import.meta.url), { type: "module" }),
    );
    root.append(backendBar(st, task));
    let started = false;
    const mStatus = metric("status", "status", "ready"),
      mStep = metric("step", "step"),
      mLoss = metric("loss", "train loss"),
      mSub = metric("test-acc-subset", "test accuracy (first 1000)"),
      mAcc = metric("test-acc", "test accuracy (all 10 000)"),
      mSec = metric("seconds", "training time [s]");
    const lossChart = new LineChart({
      title: "Training loss",
      series: [{ label: "loss", stroke: classColor(0) }],
      xLabel: "step",
      logY: true,
      metric: "loss",
    });
    const accChart = new LineChart({
      title: "Test accuracy (first 1000)",
      series: [{ label: "accuracy", stroke: classColor(2) }],
      xLabel: "step",
      metric: "accuracy",
    });
    const L = { x: [] as number[], y: [] as number[] },
      A = { x: [] as number[], y: [] as number[] };
    const gallery = h("div", { class: "gallery", "data-gallery": "predictions" }),
      mistakes = h("div", { class: "gallery", "data-gallery": "mistakes" });
    const fig = (it: MnistItem) =>
      h(
        "figure",
        { class: it.pred === it.label ? "" : "wrong" },
        digitCanvas(it.img),
        h("figcaption", {
          text: `${it.pred} (${(100 * it.conf).toFixed(0)}%)${it.pred === it.label ? "" : ` ≠ ${it.label}`}`,
        }),
      );
    const play = playButton("train", (running) => {
      if (!started) {
        started = true;
        st.patch({ steps: s.steps, batch: s.batch, lr: s.lr, seed: s.seed, opt: s.opt });
        task.send({
          type: "start",
          config: {
            base: new URL("mnist/", document.baseURI).href,
            steps: s.steps,
            batch: s.batch,
            lr: s.lr,
            optimizer: s.opt,
            evalEvery: 50,
            testSubset: 1000,
            seed: s.seed,
          },
        });
        mStatus.set("loading MNIST…");
      } else {
        task.send({ type: running ? "resume" : "pause" });
        mStatus.set(running ? "training" : "paused");
      }
    });
    task.on("status", (m) => mStatus.set(m.text));
    task.on("data", (m) => mStatus.set(`training on ${m.train} images`));
    task.on("loss", (m) => {
      mStep.set(m.step);
      mLoss.set(m.loss);
      mSec.set(m.seconds.toFixed(1));
      L.x.push(m.step);
      L.y.push(m.loss);
      lossChart.setData(L.x, [L.y]);
      if (m.testAcc !== undefined) {
        mSub.set(m.testAcc);
        A.x.push(m.step);
        A.y.push(m.testAcc);
        accChart.setData(A.x, [A.y]);
      }
    });
    task.on("done", (m) => {
      play.set(false, "Train more");
      mAcc.set(m.testAcc);
      mSec.set(m.seconds.toFixed(1));
      mStatus.set(`done: ${m.step} steps`);
      gallery.replaceChildren(...m.gallery.map(fig));
      mistakes.replaceChildren(...m.mistakes.map(fig));
      testDigits = m.gallery;
      void predictDrawing();
    });
    task.onError((message) => {
      mStatus.set(`error: ${message}`);
      console.error(`worker: ${message}`);
    });

    // drawing pad
    const pad = canvas(
      224,
      224,
      "Drawing pad: draw a digit with the mouse, a finger or a pen, or load a test image into it with the keyboard " +
        "controls below",
      { "data-plot": "draw", tabindex: 0 },
    );
    pad.style.touchAction = "none";
    pad.style.background = "#000";
    const pctx = pad.getContext("2d")!;
    const clearPad = () => {
      pctx.fillStyle = "#000";
      pctx.fillRect(0, 0, 224, 224);
    };
    clearPad();
    let drawing = false;
    pad.addEventListener("pointerdown", (e) => {
      drawing = true;
      pad.setPointerCapture(e.pointerId);
      const [x, y] = pointerAt(pad, e);
      pctx.beginPath();
      pctx.moveTo(x, y);
      pctx.lineTo(x + 0.1, y);
      pctx.strokeStyle = "#fff";
      pctx.lineWidth = 16;
      pctx.lineCap = "round";
      pctx.lineJoin = "round";
      pctx.stroke();
    });
    pad.addEventListener("pointermove", (e) => {
      if (!drawing) return;
      const [x, y] = pointerAt(pad, e);
      pctx.lineTo(x, y);
      pctx.stroke();
    });
    const end = () => {
      if (drawing) {
        drawing = false;
        mSource.set("your drawing");
        void predictDrawing();
      }
    };
    pad.addEventListener("pointerup", end);
    pad.addEventListener("pointerleave", end);
    // Keyboard alternative to drawing: load one of the first test images into the pad.
    let testDigits: MnistItem[] = [];
    let testIndex = 0;
    const mSource = metric("pad-source", "in the pad", "your drawing");
    const testSel = select({
      name: "test-digit",
      label: "test image",
      options: Array.from({ length: 24 }, (_, i) => [String(i), `test image #${i}`] as const),
      value: "0",
      onChange: (v) => {
        testIndex = +v;
      },
    });
    const loadTest = button("load-test-digit", "Load a test digit into the pad", () => {
      const it = testDigits[testIndex];
      if (!it) {
        mSource.set("train the model first: the test images arrive with it");
        return;
      }
      const c = document.createElement("canvas");
      c.width = 28;
      c.height = 28;
      const d = new ImageData(28, 28);
      for (let i = 0; i < 784; i++) {
        const v = it.img[i];
        d.data[4 * i] = v;
        d.data[4 * i + 1] = v;
        d.data[4 * i + 2] = v;
        d.data[4 * i + 3] = 255;
      }
      c.getContext("2d")!.putImageData(d, 0, 0);
      clearPad();
      pctx.imageSmoothingEnabled = true;
      pctx.drawImage(c, 0, 0, 224, 224);
      mSource.set(`test image #${it.i} (label ${it.label})`);
      void predictDrawing();
    });
    const bars = h("div", { class: "bars", "aria-live": "polite" });
    const mPred = metric("draw-pred", "your digit looks like");
    const preview = h("div");
    const predictDrawing = async () => {
      const x = toMnist(pad);
      if (!x) {
        mPred.set("(empty)");
        bars.replaceChildren();
        return;
      }
      preview.replaceChildren(digitCanvas(Uint8Array.from(x, (v) => v * 255)));
      if (!started) {
        mPred.set("train the model first");
        return;
      }
      const p = await task.request("predict", { pixels: x });
      if (!p) {
        mPred.set("model is still loading");
        return;
      }
      let best = 0;
      p.forEach((v, i) => {
        if (v > p[best]) best = i;
      });
      mPred.set(`${best} (${(100 * p[best]).toFixed(1)}%)`);
      bars.replaceChildren(
        ...p.map((v, i) =>
          h(
            "div",
            { class: `bar${i === best ? " true" : ""}` },
            h("span", { text: `digit ${i}` }),
            h(
              "div",
              {
                class: "track",
                role: "meter",
                "aria-valuemin": 0,
                "aria-valuemax": 1,
                "aria-valuenow": v.toFixed(4),
                "aria-label": `p(${i})`,
              },
              h("div", { class: "fill", style: `width:${(100 * v).toFixed(1)}%;background:${classColor(i)}` }),
            ),
            h("span", { "data-metric": `draw-prob-${i}`, text: v.toFixed(4) }),
          ),
        ),
      );
    };

    root.append(
      row(
        panel(
          "Training",
          controls(
            slider({
              ...P.steps,
              current: s.steps,
              label: "steps",
              onInput: (v) => {
                s.steps = v;
                st.set("steps", v);
              },
            }),
            slider({
              ...P.batch,
              current: s.batch,
              label: "batch size",
              onInput: (v) => {
                s.batch = v;
                st.set("batch", v);
              },
            }),
            slider({
              ...P.lr,
              current: s.lr,
              label: "learning rate (live)",
              onInput: (v) => {
                s.lr = v;
                st.set("lr", v);
                task.send({ type: "set", lr: v });
              },
            }),
            slider({
              ...P.seed,
              current: s.seed,
              label: "seed (weights and batch order)",
              onInput: (v) => {
                s.seed = v;
                st.set("seed", v);
              },
            }),
            select({
              name: "opt",
              label: "optimizer",
              options: [
                ["adam", "Adam"],
                ["sgd", "SGD + momentum"],
              ] as const,
              value: s.opt,
              onChange: (v) => {
                s.opt = v;
                st.set("opt", v);
              },
            }),
          ),
          buttons(play.el),
          metrics(mStatus, mStep, mLoss, mSub, mAcc, mSec),
          note(
            "The seed fixes the initial weights and the order of the batches, so the same link trains the same " +
              "network.",
          ),
        ),
        panel("Curves", lossChart.el, accChart.el),
      ),
      row(
        panel(
          "Draw a digit",
          pad,
          buttons(
            button(
              "clear-canvas",
              "Clear",
              () => {
                clearPad();
                bars.replaceChildren();
                mPred.set("–");
                mSource.set("your drawing");
              },
              { icon: "trash" },
            ),
          ),
          controls(testSel, loadTest),
          metrics(mSource),
          note("What the model sees (28×28, centred like MNIST):"),
          preview,
        ),
        panel("Softmax of your digit", metrics(mPred), bars),
      ),
      row(panel("Test predictions (first 24)", gallery), panel("Mistakes", mistakes)),
      panel(
        "Model",
        modelExport("mnist-mlp.safetensors", async () => ({
          sd: requireModel(await task.request("stateDict", null)),
          code: [
            "import torch",
            "from torch import nn",
            "from safetensors.torch import load_file",
            "",
            "model = nn.Sequential(",
            "    nn.Linear(784, 256), nn.ReLU(),",
            "    nn.Linear(256, 256), nn.ReLU(),",
            "    nn.Linear(256, 10),",
            ")",
            'model.load_state_dict(load_file("mnist-mlp.safetensors"))',
            "model.eval()",
            "# inputs: 28×28 images flattened to 784, scaled to [0, 1], then (x − 0.1307) / 0.3081",
            "",
          ].join("\n"),
        })),
      ),
    );
    return () => {
      task.terminate();
      lossChart.destroy();
      accChart.destroy();
    };
  },
};
