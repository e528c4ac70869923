import { readBackend, backendIndicator } from "../lib/backend.ts";
import { LineChart } from "../lib/chart.ts";
import { classColor } from "../lib/colors.ts";
import { button, buttons, controls, playButton, select, slider } from "../lib/controls.ts";
import { fixed, pct } from "../lib/format.ts";
import { LENET_PYTORCH } from "../lib/lenet.ts";
import { modelExport, requireModel } from "../lib/model_io.ts";
import { absMax, drawingPad, pixmap } from "../lib/pixmap.ts";
import { TaskClient } from "../lib/task_client.ts";
import { h, metric, metrics, note, panel, row } from "../lib/ui.ts";
import type { NumberParam } from "../lib/url.ts";
import type { ConvTask, FeatureMaps } from "../protocol/conv.ts";
import type { Demo } from "./types.ts";

const P = {
  steps: { key: "steps", min: 50, max: 3000, step: 50, value: 400 },
  batch: { key: "batch", min: 16, max: 128, step: 16, value: 32 },
  lr: { key: "lr", min: 0.0001, max: 0.01, step: 0.0001, value: 0.002 },
  seed: { key: "seed", min: 0, max: 1000, step: 1, value: 0 },
  test: { key: "test", min: 0, max: 99, step: 1, value: 0 },
} satisfies Record<string, NumberParam>;

/** The hand-made kernels' presets (row-major 3×3). */
export const KERNELS = {
  edge: [-1, -1, -1, -1, 8, -1, -1, -1, -1],
  vertical: [-1, 0, 1, -2, 0, 2, -1, 0, 1],
  horizontal: [-1, -2, -1, 0, 0, 0, 1, 2, 1],
  blur: [1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
  sharpen: [0, -1, 0, -1, 5, -1, 0, -1, 0],
  identity: [0, 0, 0, 0, 1, 0, 0, 0, 0],
} as const;
type Preset = keyof typeof KERNELS;
const PRESETS = Object.keys(KERNELS) as Preset[];
const PRESET_LABELS: Record<Preset, string> = {
  edge: "edge (Laplacian)",
  vertical: "vertical edges (Sobel x)",
  horizontal: "horizontal edges (Sobel y)",
  blur: "blur (box)",
  sharpen: "sharpen",
  identity: "identity",
};

/** `kernel=` in the link: nine numbers in [-10, 10], comma-separated. */
function parseKernel(raw: string): { value: number[] | null; note?: string } {
  const v = raw.split(",").map((t) => Number(t));
  if (v.length !== 9 || v.some((x) => !Number.isFinite(x)))
    return { value: null, note: "it needs nine numbers separated by commas, so the preset is used" };
  const c = v.map((x) => Math.max(-10, Math.min(10, x)));
  return { value: c, note: c.some((x, i) => x !== v[i]) ? "values are kept within -10 to 10" : undefined };
}

export const convolution: Demo = {
  id: "convolution",
  title: "Convolution: feature maps of a LeNet you train",
  blurb:
    "LeNet-5 (two convolution layers, max pooling, three linear layers) trains on MNIST in a worker. Draw a digit " +
    "and see every feature map it produces, the first layer's learned 5×5 filters, and what a 3×3 kernel you edit " +
    "by hand does to the same image.",
  stage: "cnns",
  lecture: "CNN lecture",
  tryThis: [
    "Draw a digit (or load a test image with the keyboard) and watch the maps of each layer.",
    "Pick the edge, blur and sharpen presets; then type your own nine numbers.",
    "Compare the learned 5×5 filters with the hand-made ones.",
  ],
  notice: [
    "The first layer's maps look like your digit seen through different edge detectors: the filters it learned " +
      "resemble the hand-made ones.",
    "Each pooling halves the maps; by the second layer they are 5×5 and no longer look like the digit.",
    "A kernel is 9 weights shared across every position: that is all a convolution layer learns per filter.",
  ],
  mount(root, st) {
    const s = {
      steps: st.num(P.steps),
      batch: st.num(P.batch),
      lr: st.num(P.lr),
      seed: st.num(P.seed),
      test: st.num(P.test),
      preset: st.choice("preset", "edge", PRESETS),
      backend: readBackend(st),
    };
    let kernel: number[] = st.text("kernel", null as number[] | null, parseKernel) ?? [...KERNELS[s.preset]];
    const makeTask = () =>
      new TaskClient<ConvTask>(new Worker(new URL("../workers/conv.ts", import.meta.url), { type: "module" }));
    let task = makeTask();
    const view = h("div", { "data-state": "loading" });
    const mStatus = metric("status", "status", "starting"),
      mStep = metric("step", "step"),
      mLoss = metric("loss", "loss"),
      mAcc = metric("test-acc", "test accuracy (500 images)"),
      mSec = metric("seconds", "training time (s)");
    const chart = new LineChart({
      title: "Training loss",
      xLabel: "step",
      metric: "loss",
      series: [{ label: "loss", stroke: classColor(0) }],
      height: 180,
    });
    const hist: { step: number[]; loss: number[] } = { step: [], loss: [] };
    const backend = backendIndicator(s.backend, (b) => {
      s.backend = b;
      st.set("backend", b);
      task.terminate();
      task = makeTask();
      wire();
      start();
    });
    const play = playButton("train", (running) => {
      if (view.dataset.state === "done") start();
      else task.send({ type: running ? "resume" : "pause" });
    });

    // the input image: a drawing, or an exact test image
    let input: Float32Array | null = null;
    const mSource = metric("source", "in the pad", "nothing yet");
    const pad = drawingPad(
      "Drawing pad: draw a digit with the mouse, a finger or a pen; or load a test image with the keyboard controls",
      () => {
        input = pad.pixels();
        mSource.set("your drawing");
        refresh();
      },
    );
    const loadTest = async () => {
      const r = await task.request("testImage", { i: s.test });
      if (!r) return;
      input = r.pixels;
      pad.show(r.pixels);
      mSource.set(`test image #${s.test} (label ${r.label})`);
      refresh();
    };

    // feature maps and prediction
    const mPred = metric("pred", "LeNet says"),
      mProb = metric("prob", "p(that digit)");
    const mapsEl = h("div", { class: "fmaps", "data-plot": "feature-maps" });
    const showMaps = (layers: FeatureMaps[]) => {
      mapsEl.replaceChildren(
        ...layers.map((l) => {
          const n = l.h * l.w,
            scale = absMax(l.data);
          const size = l.w >= 20 ? 56 : 40;
          return h(
            "figure",
            { class: "fmap-layer" },
            h("figcaption", { text: `${l.name}: ${l.channels} maps of ${l.h}×${l.w}` }),
            h(
              "div",
              { class: "fmap-grid" },
              ...Array.from({ length: l.channels }, (_, c) =>
                pixmap(l.data, {
                  offset: c * n,
                  w: l.w,
                  h: l.h,
                  scale,
                  signed: false,
                  size,
                  label: `${l.name}, map ${c + 1}`,
                }),
              ),
            ),
          );
        }),
      );
    };
    const filtersEl = h("div", { class: "fmap-grid", "data-plot": "filters" });
    const showFilters = async () => {
      const f = await task.request("filters", null);
      if (!f) return;
      const n = f.k * f.k,
        scale = absMax(f.weight);
      filtersEl.replaceChildren(
        ...Array.from({ length: f.channels }, (_, c) =>
          pixmap(f.weight, { offset: c * n, w: f.k, h: f.k, scale, signed: true, size: 56, label: `filter ${c + 1}` }),
        ),
      );
    };

    // the hand-made kernel
    const kOut = h("div", { class: "kernel-out", "data-plot": "kernel-output" });
    const mKMax = metric("kernel-max", "largest output"),
      mKMin = metric("kernel-min", "smallest output");
    const cells = kernel.map((v, i) => {
      const inp = h("input", {
        type: "number",
        step: "any",
        min: -10,
        max: 10,
        value: +v.toFixed(4),
        "data-control": `k${i}`,
        "aria-label": `kernel row ${Math.floor(i / 3) + 1} column ${(i % 3) + 1}`,
      });
      inp.addEventListener("input", () => {
        const x = parseFloat(inp.value);
        if (!Number.isFinite(x)) return;
        kernel[i] = Math.max(-10, Math.min(10, x));
        st.set("kernel", kernel.map((k) => +k.toFixed(4)).join(","));
        void runKernel();
      });
      return inp;
    });
    const preset = select({
      name: "preset",
      label: "preset",
      options: PRESETS.map((p) => [p, PRESET_LABELS[p]] as const),
      value: s.preset,
      onChange: (p) => {
        s.preset = p;
        kernel = [...KERNELS[p]];
        cells.forEach((c, i) => (c.value = String(+kernel[i].toFixed(4))));
        st.patch({ preset: p, kernel: kernel.map((k) => +k.toFixed(4)).join(",") });
        void runKernel();
      },
    });
    const runKernel = async () => {
      if (!input) return;
      const out = await task.request("kernel", { pixels: input, kernel });
      let mx = -Infinity,
        mn = Infinity;
      for (const v of out) {
        mx = Math.max(mx, v);
        mn = Math.min(mn, v);
      }
      mKMax.set(fixed(mx, 4));
      mKMin.set(fixed(mn, 4));
      kOut.replaceChildren(
        pixmap(input, { w: 28, h: 28, scale: 1, signed: false, size: 140, label: "the input image" }),
        pixmap(out, { w: 28, h: 28, scale: absMax(out), signed: true, size: 140, label: "the kernel's output" }),
      );
    };

    const refresh = () => {
      void runKernel();
      if (!input) return;
      void task.request("maps", { pixels: input }).then((r) => {
        if (!r) {
          mPred.set("the model is still loading");
          return;
        }
        showMaps(r.layers);
        let best = 0;
        r.probs.forEach((p, i) => {
          if (p > r.probs[best]) best = i;
        });
        mPred.set(String(best));
        mProb.set(fixed(r.probs[best], 4));
      });
    };

    function wire() {
      task.on("status", (m) => mStatus.set(m.text));
      task.on("backend", (m) => backend.show(m.status));
      task.on("progress", (m) => {
        mStep.set(m.step);
        if (Number.isFinite(m.loss)) {
          mLoss.set(fixed(m.loss, 4));
          hist.step.push(m.step);
          hist.loss.push(m.loss);
          chart.setData(hist.step, [hist.loss]);
        }
        if (m.testAcc !== null) mAcc.set(pct(m.testAcc));
        mSec.set(fixed(m.seconds, 1));
        if (hist.step.length % 8 === 1) {
          void showFilters();
          refresh();
        }
      });
      task.on("done", (m) => {
        mStep.set(m.step);
        mAcc.set(pct(m.testAcc));
        mAcc.value.dataset.value = String(m.testAcc);
        mSec.set(fixed(m.seconds, 1));
        mStatus.set(`done: ${m.step} steps`);
        play.set(false, "Train again");
        void showFilters();
        refresh();
        view.dataset.state = "done";
      });
    }
    function start() {
      st.patch({ steps: s.steps, batch: s.batch, lr: s.lr, seed: s.seed, backend: s.backend });
      hist.step.length = hist.loss.length = 0;
      view.dataset.state = "training";
      play.set(true);
      task.send({
        type: "start",
        config: {
          base: new URL("mnist/", document.baseURI).href,
          steps: s.steps,
          batch: s.batch,
          lr: s.lr,
          seed: s.seed,
          backend: s.backend,
        },
      });
      // the test image arrives with the data: show it once it is there
      const wait = setInterval(() => {
        void task.request("testImage", { i: s.test }).then((r) => {
          if (r && !input) void loadTest();
          if (r) clearInterval(wait);
        });
      }, 300);
      stopWaits.push(() => clearInterval(wait));
    }
    const stopWaits: (() => void)[] = [];
    const sl = (p: NumberParam, label: string) =>
      slider({
        ...p,
        current: s[p.key as keyof typeof P],
        label,
        onInput: (v) => {
          (s as Record<string, unknown>)[p.key] = v;
          st.set(p.key, v);
        },
      });
    view.append(
      row(
        panel(
          "Train LeNet-5 on MNIST",
          controls(
            sl(P.steps, "steps"),
            sl(P.batch, "batch size"),
            sl(P.lr, "learning rate (Adam)"),
            sl(P.seed, "seed"),
          ),
          buttons(
            play.el,
            button("restart", "Restart with these settings", () => start(), { icon: "reset" }),
          ),
          backend.el,
          metrics(mStatus, mStep, mLoss, mAcc, mSec),
          chart.el,
          modelExport("lenet.safetensors", async () => ({
            sd: requireModel(await task.request("stateDict", null)),
            code:
              `import torch\nfrom torch import nn\nfrom safetensors.torch import load_file\n\nmodel = ${LENET_PYTORCH}\n` +
              `model.load_state_dict(load_file("lenet.safetensors"))\nmodel.eval()\n`,
          })),
        ),
        panel(
          "Your digit",
          pad.el,
          buttons(
            button(
              "clear-canvas",
              "Clear",
              () => {
                pad.clear();
                input = null;
                mSource.set("nothing yet");
              },
              { icon: "trash" },
            ),
          ),
          controls(
            sl(P.test, "test image #"),
            button("load-test", "Load the test image", () => void loadTest()),
          ),
          metrics(mSource, mPred, mProb),
          note("Drawings are centred and scaled the way MNIST's digits were (data.mnistStyle) before LeNet sees them."),
        ),
      ),
      panel(
        "Every feature map (after each ReLU and each pooling)",
        mapsEl,
        note(
          "Dark = strong activation. Maps of one layer share a scale, so a pale map is a filter this digit barely excites.",
        ),
      ),
      row(
        panel(
          "A 3×3 kernel by hand (F.conv2d, padding 1)",
          controls(preset),
          h("div", { class: "kernel-grid", role: "group", "aria-label": "the 3×3 kernel" }, ...cells),
          kOut,
          metrics(mKMax, mKMin),
          note(
            "Left: the input. Right: the output, orange positive, blue negative. Every output pixel is the sum of " +
              "the nine weights times the 3×3 patch of input under them.",
          ),
        ),
        panel(
          "The first layer's learned 5×5 filters",
          filtersEl,
          note(
            "Orange weights add the pixel, blue ones subtract it. Trained from random, several become edge " +
              "detectors at different orientations, like the hand-made Sobel kernels.",
          ),
        ),
      ),
    );
    root.append(view);
    wire();
    start();
    return () => {
      for (const f of stopWaits) f();
      task.terminate();
      chart.destroy();
    };
  },
};
