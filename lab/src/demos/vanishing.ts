import { LineChart } from "../lib/chart.ts";
import { classColor } from "../lib/colors.ts";
import { button, checkbox, controls, select, slider } from "../lib/controls.ts";
import { fmtNum } from "../lib/format.ts";
import { INIT_LABELS, INITS, OLD_INIT_NAMES } from "../lib/mlp.ts";
import { TaskClient } from "../lib/task_client.ts";
import { h, metric, metrics, note, panel, row } from "../lib/ui.ts";
import type { NumberParam } from "../lib/url.ts";
import type { GradientsResult, GradientsTask } from "../protocol/gradients.ts";
import type { Demo } from "./types.ts";

const ACTS = ["sigmoid", "tanh", "relu", "gelu"] as const;
const DEPTH: NumberParam = { key: "depth", min: 1, max: 40, step: 1, value: 20 };
const WIDTH: NumberParam = { key: "width", min: 8, max: 128, step: 8, value: 64 };
const SEED: NumberParam = { key: "seed", min: 0, max: 1000, step: 1, value: 0 };

export const vanishing: Demo = {
  id: "vanishing-gradients",
  title: "Vanishing (and exploding) gradients",
  blurb:
    "A deep stack of Linear layers: pick the depth, activation, init, residual connections and normalisation, " +
    "run one backward pass, and read each layer's weight-gradient norm on a log scale, next to the 0.25^L bound " +
    "(σ′ ≤ 1/4) from the slide.",
  stage: "optimization",
  lecture: "Lecture 1 → 2",
  tryThis: [
    "Slide the depth from 1 to 40 with sigmoid.",
    "Switch to ReLU, then pick the Kaiming / He init.",
    "Tick residual connections, or BatchNorm.",
    'Pick the "huge" init.',
  ],
  notice: [
    "With sigmoid the gradient reaching layer 1 shrinks by orders of magnitude: early layers stop learning.",
    "ReLU with He init keeps the line roughly flat; residuals and BatchNorm do too.",
    "A huge init makes it explode instead: the same multiplication, with factors above 1.",
  ],
  mount(root, st) {
    const s = {
      depth: st.num(DEPTH),
      width: st.num(WIDTH),
      act: st.choice("act", "sigmoid", ACTS),
      init: st.choice("init", "default", INITS, OLD_INIT_NAMES),
      res: st.bool("res", false),
      norm: st.bool("norm", false),
      seed: st.num(SEED),
    };
    const task = new TaskClient<GradientsTask>(
      new Worker(new URL("../workers/gradients.ts", import.meta.url), { type: "module" }),
    );
    const chart = new LineChart({
      title: "log₁₀ ‖∂L/∂W‖ per layer",
      series: [
        { label: "log₁₀ gradient norm", stroke: classColor(0) },
        { label: "log₁₀ (0.25^(L−l) × last layer)", stroke: "#999", dash: [5, 5] },
      ],
      yLabel: "log₁₀ ‖grad‖",
      xLabel: "layer l (1 = nearest the input)",
      metric: "grad-norms",
      height: 280,
    });
    const mFirst = metric("grad-first", "‖grad‖ layer 1"),
      mLast = metric("grad-last", "‖grad‖ layer L"),
      mRatio = metric("ratio", "layer 1 / layer L"),
      mBound = metric("bound", "0.25^(L−1)"),
      mLoss = metric("loss", "loss");
    const table = h("details", {}, h("summary", { text: "Per-layer numbers" }));
    const view = h("div", { "data-state": "computing" });
    let asked = 0;
    const show = (r: GradientsResult) => {
      const { norms } = r,
        last = norms[norms.length - 1];
      const lg = (v: number) => (v > 0 && Number.isFinite(v) ? Math.log10(v) : null);
      chart.setData(
        norms.map((_, i) => i + 1),
        [norms.map(lg), norms.map((_, i) => lg(last * 0.25 ** (norms.length - 1 - i)))],
      );
      mFirst.set(norms[0]);
      mLast.set(last);
      mRatio.set(norms[0] / last);
      mBound.set(0.25 ** (norms.length - 1));
      mLoss.set(r.loss);
      table.replaceChildren(
        table.firstChild!,
        h(
          "table",
          { class: "mat" },
          h("tr", {}, h("th", { text: "layer" }), h("th", { text: "‖∂L/∂W‖" })),
          ...norms.map((v, i) => h("tr", {}, h("td", { text: String(i + 1) }), h("td", { text: fmtNum(v) }))),
        ),
      );
    };
    const update = async () => {
      st.patch(s);
      const mine = ++asked;
      view.dataset.state = "computing";
      const r = await task.request("norms", {
        seed: s.seed,
        batch: 128,
        net: {
          inputs: s.width,
          width: s.width,
          depth: s.depth,
          outputs: 10,
          activation: s.act,
          init: s.init,
          residual: s.res,
          norm: s.norm,
        },
      });
      if (mine !== asked) return; // a newer setting is on its way
      show(r);
      view.dataset.state = "ready";
    };
    const redo = () => void update().catch((e: Error) => console.error(e.message));
    view.append(
      row(
        panel(
          "Network",
          controls(
            slider({
              ...DEPTH,
              current: s.depth,
              label: "depth L",
              onInput: (v) => {
                s.depth = v;
                redo();
              },
            }),
            slider({
              ...WIDTH,
              current: s.width,
              label: "width",
              onInput: (v) => {
                s.width = v;
                redo();
              },
            }),
            select({
              name: "act",
              label: "activation",
              options: ACTS,
              value: s.act,
              onChange: (v) => {
                s.act = v;
                redo();
              },
            }),
            select({
              name: "init",
              label: "init",
              options: INITS.map((i) => [i, INIT_LABELS[i]] as const),
              value: s.init,
              onChange: (v) => {
                s.init = v;
                redo();
              },
            }),
            checkbox({
              name: "res",
              label: "residual connections x + f(x)",
              value: s.res,
              onChange: (v) => {
                s.res = v;
                redo();
              },
            }),
            checkbox({
              name: "norm",
              label: "BatchNorm before each activation",
              value: s.norm,
              onChange: (v) => {
                s.norm = v;
                redo();
              },
            }),
            button(
              "resample",
              "New random weights",
              () => {
                s.seed = (s.seed + 1) % (SEED.max + 1);
                redo();
              },
              { icon: "dice" },
            ),
          ),
          metrics(mLoss, mFirst, mLast, mRatio, mBound),
          note(
            "Backprop multiplies one Jacobian per layer: with sigmoid each contributes σ′ ≤ 0.25 times a weight " +
              "matrix, so " +
              "the gradient reaching layer 1 shrinks geometrically with depth.",
          ),
        ),
        panel("Gradient norms after one backward pass", chart.el, table),
      ),
    );
    root.append(view);
    redo();
    return () => {
      task.terminate();
      chart.destroy();
    };
  },
};
