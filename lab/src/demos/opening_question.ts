import { backendBar } from "../lib/backend.ts";
import { LineChart } from "../lib/chart.ts";
import { classColor, SERIES_COLORS } from "../lib/colors.ts";
import { CONTENDERS, type Contender } from "../lib/contenders.ts";
import { buttons, controls, playButton, select, slider } from "../lib/controls.ts";
import { count, fixed, listAnd, pct } from "../lib/format.ts";
import { modelExport, requireModel } from "../lib/model_io.ts";
import { TaskClient } from "../lib/task_client.ts";
import { h, metric, metrics, note, panel, row, type Metric } from "../lib/ui.ts";
import type { NumberParam } from "../lib/url.ts";
import type { CompareTask, ContenderResult } from "../protocol/compare.ts";
import { digitCanvas } from "./mnist.ts";
import type { Demo } from "./types.ts";

const P = {
  steps: { key: "steps", min: 50, max: 3000, step: 50, value: 600 },
  batch: { key: "batch", min: 16, max: 256, step: 16, value: 64 },
  lr: { key: "lr", min: 0.0001, max: 0.01, step: 0.0001, value: 0.001 },
  seed: { key: "seed", min: 0, max: 1000, step: 1, value: 0 },
} satisfies Record<string, NumberParam>;

interface Card {
  c: Contender;
  el: HTMLElement;
  acc: Metric;
  params: Metric;
  seconds: Metric;
  steps: Metric;
  wrong: HTMLElement;
}

/** The three most frequent confusions of a confusion matrix, as "4 read as 9 (31 times)". */
export function topConfusions(confusion: number[], k = 3): { label: number; pred: number; n: number }[] {
  const pairs: { label: number; pred: number; n: number }[] = [];
  for (let t = 0; t < 10; t++)
    for (let p = 0; p < 10; p++)
      if (t !== p && confusion[t * 10 + p]) pairs.push({ label: t, pred: p, n: confusion[t * 10 + p] });
  return pairs.sort((a, b) => b.n - a.n || a.label - b.label || a.pred - b.pred).slice(0, k);
}

function card(c: Contender, color: string, exportOf: (id: string) => HTMLElement): Card {
  const acc = metric(`acc-${c.id}`, "test accuracy"),
    params = metric(`params-${c.id}`, "learned parameters"),
    seconds = metric(`seconds-${c.id}`, "training time [s]"),
    steps = metric(`steps-${c.id}`, "steps");
  const wrong = h("div", { class: "wrong", "data-wrong": c.id }, note("Train to see what it gets wrong."));
  const el = h(
    "section",
    { class: "panel contender", "data-contender": c.id, style: `border-top: 4px solid ${color}` },
    h("h2", {}, h("span", { class: "option", text: `${c.option} ` }), c.title),
    note(c.what),
    metrics(acc, params, seconds, steps),
    h("h3", { text: "What it gets wrong" }),
    wrong,
    exportOf(c.id),
  );
  return { c, el, acc, params, seconds, steps, wrong };
}

function showMistakes(k: Card, r: ContenderResult): void {
  const errors = Array.from({ length: 10 }, (_, t) => {
    let n = 0;
    for (let p = 0; p < 10; p++) n += r.confusion[t * 10 + p];
    return { t, wrong: n - r.confusion[t * 11], n };
  });
  const most = Math.max(1, ...errors.map((e) => e.wrong));
  const worst = [...errors].sort((a, b) => b.wrong / b.n - a.wrong / a.n)[0];
  k.wrong.replaceChildren(
    h(
      "ul",
      { class: "confusions", "data-metric": `confusions-${r.id}` },
      ...topConfusions(r.confusion).map((q) => h("li", { text: `${q.label} read as ${q.pred}: ${q.n} times` })),
    ),
    h(
      "div",
      { class: "perclass", role: "list", "aria-label": "mistakes per true digit" },
      ...errors.map((e) =>
        h(
          "div",
          { class: "pc", role: "listitem", title: `digit ${e.t}: ${e.wrong} of ${e.n} wrong` },
          h(
            "div",
            { class: "pc-track" },
            h("div", {
              class: "pc-fill",
              style: `height:${((100 * e.wrong) / most).toFixed(1)}%;background:${classColor(e.t)}`,
            }),
          ),
          h("span", { text: String(e.t) }),
        ),
      ),
    ),
    note(
      `Bars: mistakes per true digit. Hardest digit: ${worst.t} (${pct(worst.wrong / worst.n)} wrong). ` +
        `Mistakes no other model makes: ${count(r.onlyHere)}.`,
      { "data-metric": `only-${r.id}` },
    ),
    h(
      "div",
      { class: "gallery" },
      ...r.mistakes.map((m) =>
        h("figure", { class: "wrong" }, digitCanvas(m.img), h("figcaption", { text: `${m.pred} ≠ ${m.label}` })),
      ),
    ),
  );
}

export const openingQuestion: Demo = {
  id: "opening-question",
  title: "The opening question: which would you pick?",
  blurb:
    "A friend has MNIST and asks: (a) logistic regression on raw pixel intensities, (b) hand-engineered HOG " +
    "features and then a linear classifier, or (c) a network trained end to end? Decide, then train all of them " +
    "side by side on the same batches and compare accuracy, size, time and mistakes.",
  stage: "foundations",
  lecture: "Lecture 1",
  tryThis: [
    "Pick your answer first, then press Train.",
    "Train for 100 steps, then for 3000: does the ranking change?",
    "Compare what (a) and (c) get wrong in the galleries.",
  ],
  notice: [
    "Hand-designed features make a small linear model strong and quick; they are also all it will ever see.",
    "The end-to-end MLP has by far the most parameters and learns its own features; with more steps it keeps " +
      "improving.",
    "Their mistakes differ: the confusions tell you what each one's inputs cannot express.",
  ],
  mount(root, st) {
    const s = {
      steps: st.num(P.steps),
      batch: st.num(P.batch),
      lr: st.num(P.lr),
      seed: st.num(P.seed),
      pick: st.choice("pick", "none", ["none", ...CONTENDERS.map((c) => c.id)]),
    };
    const task = new TaskClient<CompareTask>(
      new Worker(new URL("../workers/compare.ts", import.meta.url), { type: "module" }),
    );
    root.append(backendBar(st, task));
    const color = (i: number) => SERIES_COLORS[i % SERIES_COLORS.length];
    const cards = CONTENDERS.map((c, i) =>
      card(c, color(i), (id) =>
        modelExport(`${id}.safetensors`, async () => ({
          sd: requireModel(await task.request("stateDict", { id })),
          code:
            `import torch\nfrom torch import nn\nfrom safetensors.torch import load_file\n\nmodel = ${c.pytorch}\n` +
            `model.load_state_dict(load_file("${id}.safetensors"))\nmodel.eval()\n`,
        })),
      ),
    );
    const chart = new LineChart({
      title: "Test accuracy (first 1000 test images)",
      xLabel: "step",
      metric: "accuracy",
      yRange: [0, 1],
      series: CONTENDERS.map((c, i) => ({ label: `${c.option} ${c.id}`, stroke: color(i) })),
    });
    const hist: { step: number[]; acc: (number | null)[][] } = { step: [], acc: CONTENDERS.map(() => []) };
    const mStatus = metric("status", "status", "ready");
    const summary = h("p", {
      class: "diagnosis",
      "data-metric": "summary",
      text: "Press Train: each model gets the same batches.",
    });
    let started = false;
    const play = playButton("train", (running) => {
      if (!started) {
        started = true;
        st.patch({ steps: s.steps, batch: s.batch, lr: s.lr, seed: s.seed, pick: s.pick });
        task.send({
          type: "start",
          config: {
            base: new URL("mnist/", document.baseURI).href,
            steps: s.steps,
            batch: s.batch,
            lr: s.lr,
            seed: s.seed,
            evalEvery: 50,
          },
        });
      } else task.send({ type: running ? "resume" : "pause" });
    });
    task.on("status", (m) => mStatus.set(m.text));
    task.on("models", (m) => {
      for (const k of cards) k.params.set(count(m.params[k.c.id]));
    });
    task.on("progress", (m) => {
      for (const k of cards) {
        const p = m.models.find((x) => x.id === k.c.id)!;
        k.seconds.set(fixed(p.seconds, 1));
        k.steps.set(p.step);
        if (p.testAcc !== null) k.acc.set(`${pct(p.testAcc)} (first 1000)`);
      }
      const step = m.models[0].step;
      if (m.models[0].testAcc !== null && hist.step[hist.step.length - 1] !== step) {
        hist.step.push(step);
        m.models.forEach((p, i) => hist.acc[i].push(p.testAcc));
        chart.setData(hist.step, hist.acc);
      }
    });
    task.on("done", (m) => {
      play.set(false, "Train again");
      started = false;
      mStatus.set(`done: ${m.models[0].step} steps each`);
      for (const k of cards) {
        const r = m.models.find((x) => x.id === k.c.id)!;
        k.acc.set(pct(r.testAcc, 2));
        k.acc.value.dataset.value = String(r.testAcc);
        k.seconds.set(fixed(r.seconds, 1));
        showMistakes(k, r);
      }
      const best = [...m.models].sort((a, b) => b.testAcc - a.testAcc)[0];
      const quickest = [...m.models].sort((a, b) => a.seconds - b.seconds)[0];
      const name = (id: string) => CONTENDERS.find((c) => c.id === id)!;
      const picked =
        s.pick === "none"
          ? ""
          : ` You picked ${name(s.pick).option}; it came ${
              ["first", "second", "third", "fourth"][
                [...m.models].sort((a, b) => b.testAcc - a.testAcc).findIndex((r) => r.id === s.pick)
              ]
            }.`;
      summary.textContent =
        `After ${m.models[0].step} steps of ${s.batch} images each, the most accurate is ${name(best.id).option} ` +
        `${name(best.id).short} (${pct(best.testAcc, 2)}); the quickest to train is ${name(quickest.id).option} ` +
        `${name(quickest.id).short} ` +
        `(${fixed(quickest.seconds, 1)} s).${picked} Accuracies: ` +
        `${listAnd(m.models.map((r) => `${name(r.id).option} ${pct(r.testAcc, 2)}`))}.`;
    });
    const pick = select({
      name: "pick",
      label: "your answer",
      value: s.pick,
      options: [["none", "(not decided yet)"], ...CONTENDERS.map((c) => [c.id, `${c.option} ${c.title}`] as const)],
      onChange: (v) => {
        s.pick = v;
        st.set("pick", v);
      },
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
    root.append(
      row(
        panel(
          "The question",
          h(
            "blockquote",
            { class: "slide" },
            h("p", { text: 'A friend asks: "I have MNIST. Which would you pick?"' }),
            h("ul", { class: "options" }, ...CONTENDERS.map((c) => h("li", { text: `${c.option} ${c.title}` }))),
          ),
          controls(pick),
          note("There is no trick: each option helps somewhere and hurts somewhere. Decide before you press Train."),
        ),
        panel(
          "Train them side by side",
          controls(
            sl(P.steps, "steps (each)"),
            sl(P.batch, "batch size"),
            sl(P.lr, "learning rate (Adam)"),
            sl(P.seed, "seed"),
          ),
          buttons(play.el),
          metrics(mStatus),
          chart.el,
          summary,
        ),
      ),
      h("div", { class: "contenders" }, ...cards.map((k) => k.el)),
      note(
        "The slide's (c) is a CNN: LeNet-5 is (c′), the same end-to-end idea with convolutions (see the " +
          "convolution page for its feature maps).",
      ),
    );
    return () => {
      task.terminate();
      chart.destroy();
    };
  },
};
