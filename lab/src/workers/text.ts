/// <reference lib="webworker" />
/**
 * Worker for the text pages: fetches chapters of Moby-Dick, trains a character GPT on chapters
 * 1..n (random blocks, seeded), validates on chapter n + 1, samples on request, answers with each
 * head's attention for a sentence, and measures how much gradient reaches each earlier step of a
 * plain RNN, an LSTM and a causal attention layer.
 */
import { data, F, Generator, manualSeed, models, nn, noGrad, optim, randn, tensor, type Tensor } from "gradlab";
import { readStateDict } from "../lib/model_io.ts";
import type { GradReach, TextConfig, TextTask } from "../protocol/text.ts";
import { backendStatus, useBackend } from "./backend.ts";
import { parameterCount, readAll } from "./common.ts";
import { serve, Session } from "./runtime.ts";

const VAL_BLOCKS = 16;

async function chapter(base: string, n: number): Promise<string> {
  const res = await fetch(new URL(`chapter_${n}.txt`, base));
  if (!res.ok) throw new Error(`could not load Moby-Dick chapter ${n}: HTTP ${res.status}`);
  return res.text();
}

/** The per-step gradient norms ‖∂L/∂x_t‖ with L = sum of the last step's output (the three gradients read in one wait). */
export async function gradReach(steps: number, width: number, seed: number): Promise<GradReach> {
  const gradOf = (run: (x: Tensor) => Tensor): Tensor => {
    manualSeed(seed);
    const x = randn([1, steps, width]).requiresGrad_();
    const out = run(x);
    out
      .narrow(1, steps - 1, 1)
      .sum()
      .backward();
    return x.grad!;
  };
  const norms = (g: ArrayLike<number>): number[] =>
    Array.from({ length: steps }, (_, t) => {
      let s = 0;
      for (let j = 0; j < width; j++) s += g[t * width + j] ** 2;
      return Math.sqrt(s);
    });
  manualSeed(seed + 1);
  const rnn = new nn.RNN(width, width, { batchFirst: true });
  const lstm = new nn.LSTM(width, width, { batchFirst: true });
  const attn = new nn.MultiheadAttention(width, 4, { batchFirst: true });
  const grads = [
    gradOf((x) => rnn(x).output),
    gradOf((x) => lstm(x).output),
    gradOf((x) => attn(x, x, x, { isCausal: true, needWeights: false })[0]),
  ];
  const [r, l, a] = (await readAll(grads)).map(norms);
  return { steps, rnn: r, lstm: l, attention: a };
}

serve<TextTask>((post) => {
  let model: models.GPT | null = null;
  let tok: data.CharTokenizer | null = null;
  let session: Session | null = null;

  async function train(c: TextConfig, s: Session): Promise<void> {
    post({ type: "backend", status: await useBackend(c.backend) });
    post({ type: "status", text: "loading Moby-Dick…" });
    const texts = await Promise.all(Array.from({ length: c.trainChapters + 1 }, (_, i) => chapter(c.base, i + 1)));
    if (s.stopped) return;
    const trainText = texts.slice(0, -1).join("\n"),
      valText = texts[texts.length - 1];
    const t = data.CharTokenizer.fromText([trainText, valText]);
    const trainIds = t.encode(trainText),
      valIds = t.encode(valText);
    manualSeed(c.seed);
    // The one GPT definition, shared with `gradlab train --model gpt` and the bench.
    const m = models.gpt({
      vocabSize: t.vocabSize,
      blockSize: c.block,
      nEmbd: c.width,
      nHead: c.heads,
      nLayer: c.layers,
    });
    const opt = new optim.AdamW(m.parameters(), { lr: c.lr });
    model = m;
    tok = t;
    post({
      type: "corpus",
      trainChars: trainIds.length,
      valChars: valIds.length,
      vocab: t.vocabSize,
      params: parameterCount(m),
    });
    const V = t.vocabSize,
      T = c.block;
    // validation: the chapter's first VAL_BLOCKS consecutive blocks (the same every time)
    const nVal = Math.min(VAL_BLOCKS, Math.floor((valIds.length - 1) / T));
    const vx = new Int32Array(nVal * T),
      vy = new Int32Array(nVal * T);
    for (let b = 0; b < nVal; b++)
      for (let j = 0; j < T; j++) {
        vx[b * T + j] = valIds[b * T + j];
        vy[b * T + j] = valIds[b * T + j + 1];
      }
    const valX = tensor(vx, { shape: [nVal, T] }),
      valY = tensor(vy);
    const validate = () => {
      m.eval();
      const v = noGrad(() => F.crossEntropy(m(valX).view(-1, V), valY));
      m.train();
      return v.itemAsync();
    };
    const gen = new Generator(c.seed + 1);
    let step = 0,
      ms = 0,
      lossSum = 0,
      lossN = 0,
      lastVal = -100; // validate after the first slice too, so the curve starts near log(vocab)
    post({ type: "status", text: "training" });
    await s.run({
      async step() {
        const t0 = performance.now();
        const x = new Int32Array(c.batch * T),
          y = new Int32Array(c.batch * T);
        for (let b = 0; b < c.batch; b++) {
          const off = Math.floor(gen.random() * (trainIds.length - T - 1));
          x.set(trainIds.subarray(off, off + T), b * T);
          y.set(trainIds.subarray(off + 1, off + T + 1), b * T);
        }
        const loss = F.crossEntropy(m(tensor(x, { shape: [c.batch, T] })).view(-1, V), tensor(y));
        opt.zeroGrad();
        loss.backward();
        opt.step();
        lossSum += await loss.itemAsync(); // the one read of a step (on WebGPU, the wait for it)
        lossN++;
        step++;
        ms += performance.now() - t0;
      },
      finished: () => step >= c.steps,
      async afterSlice() {
        let valLoss: number | null = null;
        if (step - lastVal >= 100) {
          valLoss = await validate();
          lastVal = step;
        }
        post({
          type: "progress",
          step,
          loss: lossN ? lossSum / lossN : NaN,
          valLoss,
          seconds: ms / 1000,
          tokensPerSecond: ms ? (step * c.batch * T) / (ms / 1000) : 0,
        });
        lossSum = 0;
        lossN = 0;
      },
      async onFinish() {
        post({ type: "backend", status: backendStatus() });
        post({ type: "done", step, valLoss: await validate(), seconds: ms / 1000 });
      },
      sliceMs: 80,
    });
  }

  return {
    command(cmd) {
      if (cmd.type === "start") {
        session?.stop();
        session = new Session(true);
        void train(cmd.config, session).catch((e: Error) => post({ type: "status", text: `error: ${e.message}` }));
      } else if (session) session.running = cmd.type === "resume";
    },
    requests: {
      async sample({ prompt, tokens, temperature, seed }) {
        if (!model || !tok) return null;
        const t = tok;
        const ids = Array.from(t.encode([...prompt].filter((ch) => t.vocab.includes(ch)).join("") || "\n"));
        return t.decode(
          await models.generateAsync(model, ids, tokens, { temperature, generator: new Generator(seed) }),
        );
      },
      async attention({ text }) {
        if (!model || !tok) return null;
        const t = tok,
          m = model;
        const chars = [...text].filter((ch) => t.vocab.includes(ch)).slice(0, m.config.blockSize);
        if (chars.length === 0)
          return { chars, layers: m.config.nLayer, heads: m.config.nHead, weights: new Float32Array() };
        m.eval();
        const maps = m.attentionMaps(tensor(t.encode(chars.join("")), { shape: [1, chars.length] }));
        m.train();
        const T = chars.length,
          per = m.config.nHead * T * T;
        const weights = new Float32Array(m.config.nLayer * per);
        (await readAll(maps)).forEach((w, l) => weights.set(w, l * per));
        return { chars, layers: m.config.nLayer, heads: m.config.nHead, weights };
      },
      gradReach: ({ steps, width, seed }) => gradReach(steps, width, seed),
      stateDict: () => (model ? readStateDict(model.stateDict()) : null),
    },
  };
});
