/// <reference lib="webworker" />
/** Worker for the MNIST page: trains the lecture's MLP, reports loss and accuracy, answers predictions. */
import { F, Generator, manualSeed, nn, noGrad, softmax, tensor, type Tensor } from "gradlab";
import { buildMlp } from "gradlab/nn/mlp.ts";
import { readStateDict } from "../lib/model_io.ts";
import type { MnistConfig, MnistItem, MnistTask } from "../protocol/mnist.ts";
import { makeOptimizer, readAll, setLr, type Optimizer } from "./common.ts";
import { labelsOf, loadMnist, MNIST_MEAN, MNIST_STD, pixelBatch, range, type Mnist } from "./mnist_data.ts";
import { serve, Session } from "./runtime.ts";

class MnistRun {
  readonly model: nn.Sequential;
  readonly opt: Optimizer;
  /** Draws the batches: its own stream, so a link's seed fixes the whole run. */
  private readonly batches: Generator;
  step = 0;
  constructor(
    readonly c: MnistConfig,
    readonly d: Mnist,
  ) {
    manualSeed(c.seed);
    this.model = buildMlp({ inputs: 784, hidden: [256, 256], outputs: 10 });
    this.opt = makeOptimizer(c.optimizer, this.model.parameters(), c.lr);
    this.batches = new Generator(c.seed + 1);
  }
  /** One step; its loss is the step's one read (on WebGPU, the wait for it). */
  async trainStep(): Promise<number> {
    const idx = Int32Array.from({ length: this.c.batch }, () => this.batches.int(0, this.d.trainY.length));
    this.model.train();
    this.opt.zeroGrad();
    const loss = F.crossEntropy(this.model(pixelBatch(this.d.trainX, idx)), tensor(labelsOf(this.d.trainY, idx)));
    loss.backward();
    this.opt.step();
    this.step++;
    return loss.itemAsync();
  }
  /** Accuracy on the first `count` test images, with each prediction and its confidence (read in one wait). */
  async test(count: number): Promise<{ acc: number; pred: Int32Array; conf: Float32Array }> {
    this.model.eval();
    const pred = new Int32Array(count),
      conf = new Float32Array(count);
    const chunks: Tensor[] = [];
    noGrad(() => {
      for (let s = 0; s < count; s += 1000) {
        const p = softmax(this.model(pixelBatch(this.d.testX, range(s, Math.min(count, s + 1000)))), -1);
        chunks.push(p, p.argmax(1));
      }
    });
    this.model.train();
    const vals = await readAll(chunks);
    let ok = 0;
    for (let s = 0, c = 0; s < count; s += 1000, c += 2) {
      const e = Math.min(count, s + 1000);
      const p = vals[c],
        am = vals[c + 1];
      for (let k = 0; k < e - s; k++) {
        pred[s + k] = am[k];
        conf[s + k] = p[k * 10 + am[k]];
        if (am[k] === this.d.testY[s + k]) ok++;
      }
    }
    return { acc: ok / count, pred, conf };
  }
  async predict(pixels: Float32Array): Promise<number[]> {
    this.model.eval();
    const x = tensor(
      pixels.map((v) => (v - MNIST_MEAN) / MNIST_STD),
      { shape: [1, 784] },
    );
    const p = noGrad(() => softmax(this.model(x), -1));
    this.model.train();
    return [...(await p.data())];
  }
}

serve<MnistTask>((post) => {
  let run: MnistRun | null = null;
  let session: Session | null = null;
  let data: Promise<Mnist> | null = null;

  async function train(c: MnistConfig, s: Session): Promise<void> {
    post({ type: "status", text: "loading MNIST…" });
    data ??= loadMnist(c.base);
    const d = await data;
    if (s.stopped) return;
    const r = new MnistRun(c, d);
    run = r;
    let maxSteps = c.steps;
    post({ type: "data", train: d.trainY.length, test: d.testY.length });
    let losses: number[] = [],
      lastEval = 0,
      seconds = 0,
      sliceStart = performance.now();
    await s.run({
      sliceMs: 40,
      finished: () => r.step >= maxSteps,
      step: async () => {
        losses.push(await r.trainStep());
      },
      afterSlice: async () => {
        seconds += (performance.now() - sliceStart) / 1000;
        const avg = losses.reduce((a, b) => a + b, 0) / losses.length;
        losses = [];
        const msg: { type: "loss"; step: number; loss: number; seconds: number; testAcc?: number } = {
          type: "loss",
          step: r.step,
          loss: avg,
          seconds,
        };
        if (r.step - lastEval >= c.evalEvery || r.step >= maxSteps) {
          msg.testAcc = (await r.test(c.testSubset)).acc;
          lastEval = r.step;
        }
        post(msg);
        sliceStart = performance.now();
      },
      onFinish: async () => {
        const full = await r.test(d.testY.length);
        const show: number[] = [],
          wrong: number[] = [];
        for (let i = 0; i < d.testY.length && (show.length < 24 || wrong.length < 24); i++) {
          if (show.length < 24) show.push(i);
          if (full.pred[i] !== d.testY[i] && wrong.length < 24) wrong.push(i);
        }
        const item = (i: number): MnistItem => ({
          i,
          label: d.testY[i],
          pred: full.pred[i],
          conf: full.conf[i],
          img: d.testX.slice(i * 784, (i + 1) * 784),
        });
        post({
          type: "done",
          step: r.step,
          testAcc: full.acc,
          seconds,
          gallery: show.map(item),
          mistakes: wrong.map(item),
        });
        // "Train more" resumes for another `steps`.
        maxSteps = r.step + c.steps;
      },
    });
  }

  return {
    command(c) {
      switch (c.type) {
        case "start":
          session?.stop();
          session = new Session(true);
          run = null;
          return train(c.config, session);
        case "pause":
          if (session) session.running = false;
          return;
        case "resume":
          if (session) session.running = true;
          return;
        case "set":
          if (run) {
            run.c.lr = c.lr;
            setLr(run.opt, c.lr);
          }
          return;
      }
    },
    requests: {
      stateDict: () => (run ? readStateDict(run.model.stateDict()) : null),
      predict: ({ pixels }) => (run ? run.predict(pixels) : null),
    },
  };
});
