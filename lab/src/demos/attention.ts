import { backendIndicator, readBackend } from "../lib/backend.ts";
import { LineChart } from "../lib/chart.ts";
import { rgb, POSITIVE, SERIES_COLORS } from "../lib/colors.ts";
import { checkbox, controls, playButton, select, slider, textInput, button, buttons } from "../lib/controls.ts";
import { count, fixed } from "../lib/format.ts";
import { modelExport, requireModel } from "../lib/model_io.ts";
import { gptStartConfig, GPT_PARAMS as G, HEADS } from "../lib/text_params.ts";
import { PYTORCH_GPT } from "./text_generation.ts";
import { TaskClient } from "../lib/task_client.ts";
import { h, metric, metrics, note, panel, row } from "../lib/ui.ts";
import type { NumberParam } from "../lib/url.ts";
import type { AttentionMaps, GradReach, TextTask } from "../protocol/text.ts";
import type { Demo } from "./types.ts";

const P = {
  ...G,
  steps: { key: "steps", min: 50, max: 3000, step: 50, value: 400 },
  layer: { key: "layer", min: 1, max: 4, step: 1, value: 1 },
  head: { key: "head", min: 1, max: 4, step: 1, value: 1 },
  span: { key: "span", min: 10, max: 100, step: 5, value: 50 },
} satisfies Record<string, NumberParam>;

const show = (ch: string) => (ch === " " ? "␣" : ch === "\n" ? "↵" : ch);

/** One head's T × T matrix: rows are queries (the character predicting the next), columns the keys it reads. */
function headCanvas(m: AttentionMaps, layer: number, head: number, mask: boolean, focus: boolean): HTMLCanvasElement {
  const T = m.chars.length;
  const cell = Math.max(6, Math.min(16, Math.floor(300 / Math.max(T, 1))));
  const pad = 14;
  const size = pad + cell * T;
  const dpr = Math.min(2, globalThis.devicePixelRatio || 1);
  const c = document.createElement("canvas");
  c.width = c.height = Math.round(size * dpr);
  c.style.width = `${size}px`;
  const ctx = c.getContext("2d")!;
  ctx.scale(dpr, dpr);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, size, size);
  const off = (layer * m.heads + head) * T * T;
  for (let q = 0; q < T; q++)
    for (let k = 0; k < T; k++) {
      const x = pad + k * cell,
        y = pad + q * cell;
      if (k > q) {
        if (mask) {
          ctx.fillStyle = "#e4e7eb";
          ctx.fillRect(x, y, cell, cell);
        }
        continue;
      }
      ctx.fillStyle = rgb(POSITIVE, Math.min(1, m.weights[off + q * T + k]));
      ctx.fillRect(x, y, cell, cell);
    }
  if (cell >= 9) {
    ctx.fillStyle = "#57606a";
    ctx.font = `${Math.min(11, cell - 2)}px monospace`;
    ctx.textAlign = "center";
    m.chars.forEach((ch, i) => {
      ctx.fillText(show(ch), pad + i * cell + cell / 2, 11);
      ctx.fillText(show(ch), 7, pad + i * cell + cell - 3);
    });
  }
  if (focus) {
    ctx.strokeStyle = "#1b1f24";
    ctx.lineWidth = 2;
    ctx.strokeRect(pad - 1, pad - 1, cell * T + 2, cell * T + 2);
  }
  c.setAttribute("role", "img");
  c.setAttribute("aria-label", `layer ${layer + 1}, head ${head + 1}: attention of each character to the ones before`);
  return c;
}

export const attention: Demo = {
  id: "attention",
  title: "Attention: what each head looks at",
  blurb:
    "A small character GPT trains on Moby-Dick in a worker (the same model as the text-generation page). Type a " +
    "sentence and see every head's attention matrix: row i is how much character i, predicting the next one, reads " +
    "each earlier character. Below: how much gradient reaches early time steps in a plain RNN, an LSTM and attention.",
  stage: "attention",
  lecture: "Attention lecture",
  tryThis: [
    "Type a sentence with repeated words and look for a head that attends to the previous occurrence.",
    "Untick the causal mask shading, then tick it: nothing is ever read above the diagonal.",
    "Slide the span of the gradient panel from 10 to 100 steps.",
  ],
  notice: [
    "Heads specialise: some look at the previous character, some at the start of the word, some spread out.",
    "The causal mask makes every weight above the diagonal exactly 0: a character never sees the future it predicts.",
    "Through a plain RNN the gradient reaching step 1 shrinks geometrically; an LSTM keeps more; attention reads " +
      "every step directly, so distance hardly matters.",
  ],
  mount(root, st) {
    const s = {
      steps: st.num(P.steps),
      chapters: st.num(P.chapters),
      layers: st.num(P.layers),
      heads: st.choice("heads", "4", HEADS),
      width: st.num(P.width),
      block: st.num(P.block),
      batch: st.num(P.batch),
      lr: st.num(P.lr),
      seed: st.num(P.seed),
      layer: st.num(P.layer),
      head: st.num(P.head),
      span: st.num(P.span),
      mask: st.bool("mask", true),
      text: st.text("text", "Call me Ishmael. Call me ", (raw) =>
        raw.length > 64 ? { value: raw.slice(0, 64), note: "only the first 64 characters are used" } : { value: raw },
      ),
      backend: readBackend(st),
    };
    const makeTask = () =>
      new TaskClient<TextTask>(new Worker(new URL("../workers/text.ts", import.meta.url), { type: "module" }));
    let task = makeTask();
    const view = h("div", { "data-state": "training" });
    const mStatus = metric("status", "status", "starting"),
      mStep = metric("step", "step"),
      mLoss = metric("loss", "training loss"),
      mVal = metric("val-loss", "validation loss"),
      mParams = metric("params", "parameters");
    const rowText = h("p", { class: "note", "data-metric": "attn-row" });
    const mRow = { set: (t: string) => (rowText.textContent = t) };
    const mTop = metric("attn-top", "it reads most"),
      mAbove = metric("above-diagonal", "total weight above the diagonal");
    const heads = h("div", { class: "heads", "data-plot": "attention" });
    let maps: AttentionMaps | null = null;
    const draw = () => {
      if (!maps) return;
      const m = maps,
        T = m.chars.length;
      if (T === 0) {
        heads.replaceChildren(note("None of these characters is in the model's vocabulary: type some text."));
        return;
      }
      const layer = Math.min(s.layer, m.layers) - 1,
        focus = Math.min(s.head, m.heads) - 1;
      heads.replaceChildren(
        ...Array.from({ length: m.heads }, (_, hd) =>
          h(
            "figure",
            {},
            h("figcaption", { text: `layer ${layer + 1}, head ${hd + 1}` }),
            headCanvas(m, layer, hd, s.mask, hd === focus),
          ),
        ),
      );
      const off = (layer * m.heads + focus) * T * T;
      const last = Array.from(m.weights.subarray(off + (T - 1) * T, off + T * T));
      mRow.set(last.map((v) => v.toFixed(4)).join(", "));
      const k = last.indexOf(Math.max(...last));
      mTop.set(`"${show(m.chars[k])}" at position ${k + 1} (${fixed(last[k], 3)})`);
      let above = 0;
      for (let l = 0; l < m.layers * m.heads; l++)
        for (let q = 0; q < T; q++) for (let kk = q + 1; kk < T; kk++) above += m.weights[l * T * T + q * T + kk];
      mAbove.set(String(above));
    };
    let asked = 0;
    const refresh = async () => {
      const mine = ++asked;
      const r = await task.request("attention", { text: s.text });
      if (!r || mine !== asked) return;
      maps = r;
      draw();
    };
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
    let ticks = 0;
    function wire() {
      task.on("status", (m) => mStatus.set(m.text));
      task.on("backend", (m) => backend.show(m.status));
      task.on("corpus", (m) => mParams.set(count(m.params)));
      task.on("progress", (m) => {
        mStep.set(m.step);
        if (Number.isFinite(m.loss)) mLoss.set(fixed(m.loss, 3));
        if (m.valLoss !== null) mVal.set(fixed(m.valLoss, 3));
        if (ticks++ % 6 === 0) void refresh();
      });
      task.on("done", (m) => {
        mStep.set(m.step);
        mVal.set(fixed(m.valLoss, 3));
        mStatus.set(`done: ${m.step} steps`);
        play.set(false, "Train again");
        void refresh().then(() => {
          view.dataset.state = "done";
        });
      });
    }
    function start() {
      const { layer: _l, head: _h, span: _s, mask: _m, text: _t, ...cfg } = s;
      st.patch(cfg);
      view.dataset.state = "training";
      play.set(true);
      task.send({
        type: "start",
        config: gptStartConfig(s),
      });
    }
    const sl = (p: NumberParam, label: string, after?: () => void) =>
      slider({
        ...p,
        current: s[p.key as keyof typeof P] as number,
        label,
        onInput: (v) => {
          (s as Record<string, unknown>)[p.key] = v;
          st.set(p.key, v);
          after?.();
        },
      });

    // recurrent vs attention
    const reachChart = new LineChart({
      title: "log₁₀ ‖∂L/∂x_t‖: the gradient reaching step t (L read at the last step)",
      xLabel: "time step t",
      metric: "grad-reach",
      series: [
        { label: "plain RNN (tanh)", stroke: SERIES_COLORS[0] },
        { label: "LSTM", stroke: SERIES_COLORS[1] },
        { label: "causal attention", stroke: SERIES_COLORS[2] },
      ],
      height: 240,
    });
    const mRnn = metric("reach-rnn", "RNN: step 1 / last step"),
      mLstm = metric("reach-lstm", "LSTM: step 1 / last step"),
      mAttn = metric("reach-attn", "attention: step 1 / last step");
    const reachPanel = h("div", { "data-state": "computing", "data-panel": "reach" });
    let reachAsked = 0;
    const reach = async () => {
      const mine = ++reachAsked;
      reachPanel.dataset.state = "computing";
      const r: GradReach = await task.request("gradReach", { steps: s.span, width: 32, seed: 0 });
      if (mine !== reachAsked) return;
      const lg = (v: number) => (v > 0 ? Math.log10(v) : null);
      reachChart.setData(
        r.rnn.map((_, t) => t + 1),
        [r.rnn.map(lg), r.lstm.map(lg), r.attention.map(lg)],
      );
      const ratio = (a: number[]) => a[0] / a[a.length - 1];
      for (const [m, a] of [
        [mRnn, r.rnn],
        [mLstm, r.lstm],
        [mAttn, r.attention],
      ] as const) {
        m.set(ratio(a));
        m.value.dataset.value = String(ratio(a));
      }
      reachPanel.dataset.state = "ready";
    };
    reachPanel.append(
      controls(sl(P.span, "sequence length", () => void reach())),
      metrics(mRnn, mLstm, mAttn),
      reachChart.el,
      note(
        "Random inputs and freshly initialised layers of width 32 (seed 0): one backward pass from the last step's " +
          "output. The RNN multiplies one Jacobian per step; attention connects the last step to every step at once.",
      ),
    );

    view.append(
      row(
        panel(
          "Type a sentence",
          controls(
            textInput({
              name: "text",
              label: "sentence",
              value: s.text,
              onInput: (v) => {
                s.text = v.slice(0, 64);
                st.set("text", s.text);
                void refresh();
              },
            }),
            sl(P.layer, "layer", draw),
            sl(P.head, "focused head", draw),
            checkbox({
              name: "mask",
              label: "shade the causal mask",
              value: s.mask,
              onChange: (v) => {
                s.mask = v;
                st.set("mask", v);
                draw();
              },
            }),
          ),
          heads,
          metrics(mTop, mAbove),
          h(
            "details",
            {},
            h("summary", { text: "The last character's weights in the focused head, in numbers" }),
            rowText,
          ),
          note(
            "Row i (a character) shows how its attention of 1 splits over characters 1..i. Grey cells are the " +
              "future, masked out before the softmax; the model is trained to predict the character after each row.",
          ),
        ),
      ),
      row(
        panel(
          "The model (trains on load)",
          controls(
            sl(P.steps, "steps"),
            sl(P.chapters, "train on chapters 1 to"),
            sl(P.layers, "layers"),
            select({
              name: "heads",
              label: "heads",
              options: HEADS,
              value: s.heads,
              onChange: (v) => {
                s.heads = v;
                st.set("heads", v);
              },
            }),
            sl(P.width, "width E"),
            sl(P.block, "context (characters)"),
            sl(P.seed, "seed"),
          ),
          buttons(
            play.el,
            button("restart", "Restart with these settings", () => start(), { icon: "reset" }),
          ),
          backend.el,
          metrics(mStatus, mStep, mLoss, mVal, mParams),
          modelExport("chargpt.safetensors", async () => {
            const sd = requireModel(await task.request("stateDict", null));
            return {
              sd,
              code: PYTORCH_GPT(sd["tok_emb.weight"].shape[0], {
                block: s.block,
                width: s.width,
                heads: +s.heads,
                layers: s.layers,
              }),
            };
          }),
        ),
        panel("Recurrent vs attention: the gradient reaching early steps", reachPanel),
      ),
    );
    root.append(view);
    wire();
    start();
    void reach();
    return () => {
      task.terminate();
      reachChart.destroy();
    };
  },
};
