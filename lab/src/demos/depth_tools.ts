import { backendBar } from "../lib/backend.ts";
import { LineChart } from "../lib/chart.ts";
import { SERIES_COLORS } from "../lib/colors.ts";
import { buttons, checkbox, controls, playButton, select, slider } from "../lib/controls.ts";
import { fixed, fmtNum, pct } from "../lib/format.ts";
import { modelExport, requireModel } from "../lib/model_io.ts";
import { TaskClient } from "../lib/task_client.ts";
import { h, metric, metrics, note, panel, row, type Metric } from "../lib/ui.ts";
import type { NumberParam } from "../lib/url.ts";
import { toolsId, toolsLabel, type DepthTask, type Tools, type VariantProgress } from "../protocol/depth.ts";
import type { Demo } from "./types.ts";

const P = {
  depth: { key: "depth", min: 20, max: 50, step: 1, value: 30 },
  width: { key: "width", min: 16, max: 64, step: 8, value: 32 },
  steps: { key: "steps", min: 50, max: 1000, step: 50, value: 300 },
  batch: { key: "batch", min: 16, max: 256, step: 16, value: 64 },
  lr: { key: "lr", min: 0.001, max: 0.2, step: 0.001, value: 0.05 },
  seed: { key: "seed", min: 0, max: 1000, step: 1, value: 0 },
} satisfies Record<string, NumberParam>;

/** All eight combinations of the three tools, plain first. */
const ALL: Tools[] = [0, 1, 2, 3, 4, 5, 6, 7].map((b) => ({
  kaiming: !!(b & 1),
  residual: !!(b & 2),
  norm: !!(b & 4),
}));
const DEFAULT_VARIANTS = ["plain", "kaiming", "residual", "norm", "kaiming+residual+norm"];

function parseVariants(raw: string): { value: string[]; note?: string } {
  const asked = raw.split(",").filter(Boolean);
  const known = asked.filter((v) => ALL.some((t) => toolsId(t) === v));
  if (!known.length)
    return {
      value: DEFAULT_VARIANTS,
      note: `none of "${raw.slice(0, 40)}" is a combination this page has, so it shows its default five.`,
    };
  return {
    value: known,
    note: known.length < asked.length ? "combinations it does not have were left out." : undefined,
  };
}

/** In plain words, what a run shows. */
export function variantStatus(v: VariantProgress, steps: number): string {
  const first = v.normsAtStart[0],
    last = v.normsAtStart[v.normsAtStart.length - 1];
  const flow = `At the start layer 1's gradient was ${fmtNum(first / last, 2)} × the last layer's.`;
  if (v.divergedAt !== null) return `Diverged at step ${v.divergedAt}: the loss became NaN. ${flow}`;
  if (v.step < steps) return `Training… ${flow}`;
  if (Math.abs(v.loss - Math.LN2) < 0.02 && v.accuracy < 0.6)
    return `Stuck at ln 2 ≈ 0.693: it has not learned. ${flow}`;
  return `Trains: loss ${fixed(v.loss, 3)}, accuracy ${pct(v.accuracy)}. ${flow}`;
}

export const depthTools: Demo = {
  id: "depth-tools",
  title: "The tools that make depth trainable",
  blurb:
    "The lecture's table: activation variance shrinks or explodes (fix: Xavier / He init), gradients weaken through " +
    "many layers (fix: residual connections), optimisation is scale-sensitive (fix: normalisation). Here a 20 to 50 " +
    "layer ReLU MLP learns the spirals with each tool alone and in combination, side by side.",
  stage: "optimization",
  lecture: "Lecture 1 → 2",
  tryThis: [
    "Press Train with the default five and compare the gradient lines at the start.",
    "Switch the optimizer to Adam and train again.",
    'Add "He init + residual" (no normalisation) and make the network 50 layers deep.',
  ],
  notice: [
    "With the default init the gradient reaching layer 1 is many orders of magnitude smaller than at the top: the " +
      "plain net does not learn.",
    "He init keeps the gradient the same size through all layers; residual connections give it a direct path; " +
      "BatchNorm keeps every layer's scale in check.",
    "Residuals without normalisation can blow the activations up: each tool fixes its own part of the problem.",
  ],
  mount(root, st) {
    const s = {
      depth: st.num(P.depth),
      width: st.num(P.width),
      steps: st.num(P.steps),
      batch: st.num(P.batch),
      lr: st.num(P.lr),
      seed: st.num(P.seed),
      opt: st.choice("opt", "sgd", ["sgd", "adam"] as const),
      variants: st.text("v", DEFAULT_VARIANTS, parseVariants),
    };
    const task = new TaskClient<DepthTask>(
      new Worker(new URL("../workers/depth.ts", import.meta.url), { type: "module" }),
    );
    root.append(backendBar(st, task));
    const chosen = () => ALL.filter((t) => s.variants.includes(toolsId(t)));
    const colorOf = (id: string) => SERIES_COLORS[ALL.findIndex((t) => toolsId(t) === id) % SERIES_COLORS.length];
    let lossChart: LineChart, startChart: LineChart, nowChart: LineChart;
    let cards = new Map<string, { el: HTMLElement; loss: Metric; acc: Metric; ratio: Metric; status: HTMLElement }>();
    const cardRow = h("div", { class: "variants" });
    const charts = h("div", { class: "row" });
    let hist: { step: number[]; loss: (number | null)[][] } = { step: [], loss: [] };
    const mStatus = metric("status", "status", "ready");
    let started = false;

    const layout = () => {
      for (const c of [lossChart, startChart, nowChart]) c?.destroy();
      const series = chosen().map((t) => ({ label: toolsLabel(t), stroke: colorOf(toolsId(t)) }));
      lossChart = new LineChart({ title: "Training loss", series, xLabel: "step", logY: true, metric: "loss" });
      startChart = new LineChart({
        title: "log₁₀ ‖∂L/∂W‖ per layer, at the start",
        series,
        xLabel: "layer (1 = input side)",
        metric: "norms-start",
      });
      nowChart = new LineChart({
        title: "log₁₀ ‖∂L/∂W‖ per layer, now",
        series,
        xLabel: "layer (1 = input side)",
        metric: "norms-now",
      });
      charts.replaceChildren(
        panel("Loss", lossChart.el),
        panel("Gradient norms at the start", startChart.el),
        panel("Gradient norms now", nowChart.el),
      );
      cards = new Map(
        chosen().map((t) => {
          const id = toolsId(t);
          const loss = metric(`loss-${id}`, "loss"),
            acc = metric(`acc-${id}`, "accuracy"),
            ratio = metric(`ratio-${id}`, "‖g layer 1‖ / ‖g layer L‖ at start");
          const status = h("p", { class: "note", "data-metric": `status-${id}` });
          const el = h(
            "section",
            { class: "panel variant", "data-variant": id, style: `border-top: 4px solid ${colorOf(id)}` },
            h("h2", { text: toolsLabel(t) }),
            metrics(loss, acc, ratio),
            status,
            modelExport(`deep-${id}.safetensors`, async () => ({
              sd: requireModel(await task.request("stateDict", { id })),
              code:
                `# a ${s.depth}-layer ReLU MLP of width ${s.width} (${toolsLabel(t)}), ` +
                "as lab/src/lib/deepnet.ts builds it\n",
            })),
          );
          return [id, { el, loss, acc, ratio, status }] as const;
        }),
      );
      cardRow.replaceChildren(...[...cards.values()].map((c) => c.el));
      hist = { step: [], loss: chosen().map(() => []) };
    };
    const lg = (v: number) => (v > 0 && Number.isFinite(v) ? Math.log10(v) : null);
    task.on("progress", (m) => {
      const layers = m.variants[0].normsAtStart.map((_, i) => i + 1);
      startChart.setData(
        layers,
        m.variants.map((v) => v.normsAtStart.map(lg)),
      );
      nowChart.setData(
        layers,
        m.variants.map((v) => v.normsNow.map(lg)),
      );
      if (m.variants[0].step > 0) {
        hist.step.push(m.variants[0].step);
        m.variants.forEach((v, i) => hist.loss[i].push(Number.isFinite(v.loss) ? v.loss : null));
        lossChart.setData(hist.step, hist.loss);
      }
      for (const v of m.variants) {
        const c = cards.get(v.id)!;
        c.loss.set(v.divergedAt !== null ? "diverged" : v.loss);
        c.acc.set(pct(v.accuracy));
        c.ratio.set(v.normsAtStart[0] / v.normsAtStart[v.normsAtStart.length - 1]);
        c.status.textContent = variantStatus(v, s.steps);
      }
      mStatus.set(`step ${m.variants[0].step} of ${s.steps}`);
    });
    task.on("done", (m) => {
      play.set(false, "Train again");
      started = false;
      mStatus.set(`done: ${m.step} steps each`);
      cardRow.dataset.state = "done";
    });
    const play = playButton("train", (running) => {
      if (!started) {
        started = true;
        layout();
        cardRow.dataset.state = "training";
        st.patch({
          depth: s.depth,
          width: s.width,
          steps: s.steps,
          batch: s.batch,
          lr: s.lr,
          seed: s.seed,
          opt: s.opt,
          v: s.variants.join(","),
        });
        task.send({
          type: "start",
          config: {
            depth: s.depth,
            width: s.width,
            steps: s.steps,
            batch: s.batch,
            lr: s.lr,
            optimizer: s.opt,
            seed: s.seed,
            variants: chosen(),
          },
        });
      } else task.send({ type: running ? "resume" : "pause" });
    });
    const sl = (p: (typeof P)[keyof typeof P], label: string) =>
      slider({
        ...p,
        current: s[p.key as keyof typeof P],
        label,
        onInput: (v) => {
          s[p.key as keyof typeof P] = v;
          st.set(p.key, v);
        },
      });
    const boxes = ALL.map((t) =>
      checkbox({
        name: `v-${toolsId(t)}`,
        label: toolsLabel(t),
        value: s.variants.includes(toolsId(t)),
        onChange: (on) => {
          const id = toolsId(t);
          s.variants = on ? [...new Set([...s.variants, id])] : s.variants.filter((x) => x !== id);
          if (!s.variants.length) {
            s.variants = [id];
            boxes[ALL.indexOf(t)].set(true);
          }
          st.set("v", s.variants.join(","));
        },
      }),
    );
    layout();
    root.append(
      row(
        panel(
          "Network and training",
          controls(
            sl(P.depth, "hidden layers"),
            sl(P.width, "units per layer"),
            sl(P.steps, "steps"),
            sl(P.batch, "batch size"),
            sl(P.lr, "learning rate"),
            sl(P.seed, "seed"),
            select({
              name: "opt",
              label: "optimizer",
              options: [
                ["sgd", "SGD + momentum 0.9 (the lecture's)"],
                ["adam", "Adam"],
              ] as const,
              value: s.opt,
              onChange: (v) => {
                s.opt = v;
                st.set("opt", v);
              },
            }),
          ),
          buttons(play.el),
          metrics(mStatus),
          note(
            "Every variant starts from the same seed and sees the same batches; changes apply when you press Train.",
          ),
        ),
        panel("Which tools", h("div", { class: "controls tools" }, ...boxes.map((b) => b.el))),
      ),
      charts,
      cardRow,
    );
    return () => {
      task.terminate();
      for (const c of [lossChart, startChart, nowChart]) c.destroy();
    };
  },
};
