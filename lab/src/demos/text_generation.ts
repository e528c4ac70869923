import { backendIndicator, readBackend } from "../lib/backend.ts";
import { LineChart } from "../lib/chart.ts";
import { SERIES_COLORS } from "../lib/colors.ts";
import { button, buttons, controls, playButton, select, slider, textInput } from "../lib/controls.ts";
import { count, fixed } from "../lib/format.ts";
import { modelExport, requireModel } from "../lib/model_io.ts";
import { gptStartConfig, GPT_PARAMS as G, HEADS } from "../lib/text_params.ts";
import { TaskClient } from "../lib/task_client.ts";
import { h, metric, metrics, note, panel, row } from "../lib/ui.ts";
import type { NumberParam } from "../lib/url.ts";
import type { TextTask } from "../protocol/text.ts";
import type { Demo } from "./types.ts";

const P = {
  ...G,
  steps: { key: "steps", min: 50, max: 5000, step: 50, value: 1500 },
  temp: { key: "temp", min: 0, max: 2, step: 0.05, value: 0.8 },
  tokens: { key: "tokens", min: 20, max: 500, step: 10, value: 200 },
  sseed: { key: "sseed", min: 0, max: 1000, step: 1, value: 0 },
} satisfies Record<string, NumberParam>;

/** The PyTorch class of models.gpt (bench/torch_gpt.py's, the README's), with the page's sizes as defaults. */
export const PYTORCH_GPT = (vocab: number, c: { block: number; width: number; heads: number; layers: number }) =>
  `import torch\nfrom torch import nn\nfrom safetensors.torch import load_file\n\n` +
  `class GPT(nn.Module):\n    def __init__(self, vocab_size=${vocab}, block_size=${c.block}, d_model=${c.width}, ` +
  `n_head=${c.heads}, n_layer=${c.layers}, dropout=0.0):\n        super().__init__()\n` +
  `        self.tok_emb = nn.Embedding(vocab_size, d_model)\n        self.pos_emb = nn.Embedding(block_size, d_model)\n` +
  `        layer = nn.TransformerEncoderLayer(d_model, n_head, 4 * d_model, dropout, activation="gelu",\n` +
  `                                           batch_first=True, norm_first=True)\n` +
  `        self.blocks = nn.TransformerEncoder(layer, n_layer, enable_nested_tensor=False)\n` +
  `        self.ln_f = nn.LayerNorm(d_model)\n        self.head = nn.Linear(d_model, vocab_size)\n\n` +
  `    def forward(self, idx):\n        t = idx.shape[1]\n` +
  `        x = self.tok_emb(idx) + self.pos_emb(torch.arange(t, device=idx.device))\n` +
  `        mask = nn.Transformer.generate_square_subsequent_mask(t, device=idx.device)\n` +
  `        return self.head(self.ln_f(self.blocks(x, mask=mask, is_causal=True)))\n\n` +
  `model = GPT()\nmodel.load_state_dict(load_file("chargpt.safetensors"))\n`;

export const textGeneration: Demo = {
  id: "text-generation",
  title: "Text generation: a character GPT learns Moby-Dick",
  blurb:
    "A small GPT (token and position embeddings, causal multi-head attention, GELU MLPs, LayerNorm) trains on " +
    "chapters of Moby-Dick in a worker, one character at a time. Sample from it at any moment; the temperature " +
    "divides the logits before the softmax, as on the softmax page.",
  stage: "transformers",
  lecture: "Transformers lecture",
  tryThis: [
    "Press Train and sample every few hundred steps: watch the text go from noise to words.",
    "Slide the temperature to 0, then to 2, and sample again with the same seed.",
    "Train on more chapters, or with more layers, and compare the validation loss.",
  ],
  notice: [
    "First it learns which characters are common, then spaces and short words, then spelling and punctuation.",
    "Low temperature repeats the most likely phrases; high temperature invents letters: the same model, sharper " +
      "or flatter softmax.",
    "The validation chapter is never trained on: when its loss stops falling while the training loss does, the " +
      "model is memorising.",
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
      temp: st.num(P.temp),
      tokens: st.num(P.tokens),
      sseed: st.num(P.sseed),
      prompt: st.text("prompt", "Call me ", (raw) =>
        raw.length > 64 ? { value: raw.slice(0, 64), note: "only the first 64 characters are used" } : { value: raw },
      ),
      backend: readBackend(st),
    };
    const makeTask = () =>
      new TaskClient<TextTask>(new Worker(new URL("../workers/text.ts", import.meta.url), { type: "module" }));
    let task = makeTask();
    const view = h("div", { "data-state": "ready" });
    const mStatus = metric("status", "status", "press Train"),
      mStep = metric("step", "step"),
      mLoss = metric("loss", "training loss"),
      mVal = metric("val-loss", "validation loss"),
      mTps = metric("tokens-per-second", "characters / s"),
      mParams = metric("params", "parameters"),
      mCorpus = metric("corpus", "training text");
    const chart = new LineChart({
      title: "Cross-entropy (nats per character)",
      xLabel: "step",
      metric: "loss",
      series: [
        { label: "training", stroke: SERIES_COLORS[0] },
        { label: "validation (next chapter)", stroke: SERIES_COLORS[1] },
      ],
      height: 220,
    });
    const hist: { step: number[]; loss: (number | null)[]; val: (number | null)[] } = { step: [], loss: [], val: [] };
    const out = h("pre", { class: "sample", "data-metric": "sample", "aria-live": "polite", text: "(no model yet)" });
    let trained = false;
    const doSample = async () => {
      st.patch({ temp: s.temp, tokens: s.tokens, sseed: s.sseed, prompt: s.prompt });
      const r = await task.request("sample", {
        prompt: s.prompt,
        tokens: s.tokens,
        temperature: s.temp,
        seed: s.sseed,
      });
      if (r === null) out.textContent = "(press Train first: there is no model yet)";
      else {
        out.replaceChildren(h("strong", { text: s.prompt }), r);
        out.dataset.step = mStep.value.textContent ?? "";
      }
    };
    const backend = backendIndicator(s.backend, (b) => {
      s.backend = b;
      st.set("backend", b);
      task.terminate();
      task = makeTask();
      wire();
      if (trained || view.dataset.state === "training") start();
    });
    const play = playButton("train", (running) => {
      if (view.dataset.state !== "training") start();
      else task.send({ type: running ? "resume" : "pause" });
    });
    function wire() {
      task.on("status", (m) => mStatus.set(m.text));
      task.on("backend", (m) => backend.show(m.status));
      task.on("corpus", (m) => {
        mParams.set(count(m.params));
        mCorpus.set(`${count(m.trainChars)} chars, ${m.vocab} distinct`);
      });
      task.on("progress", (m) => {
        trained = true;
        mStep.set(m.step);
        mTps.set(count(Math.round(m.tokensPerSecond)));
        if (Number.isFinite(m.loss)) mLoss.set(fixed(m.loss, 3));
        hist.step.push(m.step);
        hist.loss.push(Number.isFinite(m.loss) ? m.loss : null);
        hist.val.push(m.valLoss);
        if (m.valLoss !== null) {
          mVal.set(fixed(m.valLoss, 3));
          void doSample();
        }
        chart.setData(hist.step, [hist.loss, hist.val]);
      });
      task.on("done", (m) => {
        mStep.set(m.step);
        mVal.set(fixed(m.valLoss, 4));
        mVal.value.dataset.value = String(m.valLoss);
        hist.step.push(m.step);
        hist.loss.push(null);
        hist.val.push(m.valLoss);
        chart.setData(hist.step, [hist.loss, hist.val]);
        mStatus.set(`done: ${m.step} steps in ${fixed(m.seconds, 1)} s`);
        play.set(false, "Train again");
        view.dataset.state = "done";
        void doSample();
      });
    }
    function start() {
      const { temp: _t, tokens: _k, sseed: _s, prompt: _p, ...cfg } = s;
      st.patch(cfg);
      hist.step.length = hist.loss.length = hist.val.length = 0;
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
    view.append(
      row(
        panel(
          "Train the character GPT",
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
            sl(P.batch, "batch"),
            sl(P.lr, "learning rate (AdamW)"),
            sl(P.seed, "seed"),
          ),
          buttons(
            play.el,
            button("restart", "Restart with these settings", () => start(), { icon: "reset" }),
          ),
          backend.el,
          metrics(mStatus, mStep, mLoss, mVal, mTps, mParams, mCorpus),
          chart.el,
          note(
            "A settings change applies when you restart. The validation text is the chapter after the last one " +
              "trained on.",
          ),
        ),
        panel(
          "Sample from it, at any moment",
          controls(
            textInput({
              name: "prompt",
              label: "prompt",
              value: s.prompt,
              onInput: (v) => {
                s.prompt = v.slice(0, 64);
              },
            }),
            sl(P.temp, "temperature", () => void doSample()),
            sl(P.tokens, "characters to write"),
            sl(P.sseed, "sampling seed"),
          ),
          buttons(button("sample", "Sample", () => void doSample(), { icon: "play", primary: true })),
          out,
          note(
            "Each character is drawn from softmax(logits / temperature) given the characters before it; " +
              "temperature 0 always takes the most likely one.",
          ),
          modelExport("chargpt.safetensors", async () => {
            const sd = requireModel(await task.request("stateDict", null));
            const c = { block: s.block, width: s.width, heads: +s.heads, layers: s.layers };
            return { sd, code: PYTORCH_GPT(sd["tok_emb.weight"].shape[0], c) };
          }),
        ),
      ),
    );
    root.append(view);
    wire();
    return () => {
      task.terminate();
      chart.destroy();
    };
  },
};
