/// <reference lib="webworker" />
/**
 * Worker for the convolution page: trains LeNet on MNIST (Adam, seeded batches from the training
 * set, a 500-image test probe), answers with every feature map for an image, the first layer's
 * filters, and the output of a hand-made 3×3 kernel (F.conv2d, padding 1).
 */
import { F, Generator, manualSeed, noGrad, tensor, type nn } from "gradlab";
import { buildLeNet, LENET_MAPS, lenetForwardAll } from "../lib/lenet.ts";
import { readStateDict } from "../lib/model_io.ts";
import type { ConvConfig, ConvTask, Pixels } from "../protocol/conv.ts";
import { backendStatus, useBackend } from "./backend.ts";
import { accuracy, makeOptimizer, readAll, type Optimizer } from "./common.ts";
import { labelsOf, loadMnist, MNIST_MEAN, MNIST_STD, range, type Mnist } from "./mnist_data.ts";
import { serve, Session } from "./runtime.ts";

const PROBE = 500;

/** Images `idx` as (n, 1, 28, 28), normalised as the lecture does. */
function images(x: Uint8Array, idx: ArrayLike<number>) {
  const out = new Float32Array(idx.length * 784);
  for (let k = 0; k < idx.length; k++)
    for (let j = 0; j < 784; j++) out[k * 784 + j] = (x[idx[k] * 784 + j] / 255 - MNIST_MEAN) / MNIST_STD;
  return tensor(out, { shape: [idx.length, 1, 28, 28] });
}

const normalised = (p: Pixels) =>
  tensor(
    Float32Array.from(p, (v) => (v - MNIST_MEAN) / MNIST_STD),
    { shape: [1, 1, 28, 28] },
  );

serve<ConvTask>((post) => {
  let model: nn.Sequential | null = null;
  let session: Session | null = null;
  let data: Promise<Mnist> | null = null;
  let mnist: Mnist | null = null;

  async function train(c: ConvConfig, s: Session): Promise<void> {
    post({ type: "backend", status: await useBackend(c.backend) });
    post({ type: "status", text: "loading MNIST…" });
    data ??= loadMnist(c.base);
    const d = (mnist = await data);
    if (s.stopped) return;
    manualSeed(c.seed);
    const m = buildLeNet();
    const opt: Optimizer = makeOptimizer("adam", m.parameters(), c.lr);
    model = m;
    const gen = new Generator(c.seed + 1);
    const probeX = images(d.testX, range(0, PROBE));
    const probeY = labelsOf(d.testY, range(0, PROBE));
    let step = 0,
      ms = 0,
      lossSum = 0,
      lossN = 0,
      acc: number | null = null,
      lastProbe = -1;
    const probe = async () => {
      m.eval();
      const logits = noGrad(() => m(probeX));
      m.train();
      lastProbe = step;
      acc = await accuracy(logits, probeY);
    };
    post({ type: "status", text: "training" });
    await s.run({
      async step() {
        const t0 = performance.now();
        const idx = Int32Array.from({ length: c.batch }, () => Math.floor(gen.random() * d.trainY.length));
        const loss = F.crossEntropy(m(images(d.trainX, idx)), tensor(labelsOf(d.trainY, idx)));
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
        if (step - lastProbe >= 50) await probe();
        post({ type: "progress", step, loss: lossN ? lossSum / lossN : NaN, testAcc: acc, seconds: ms / 1000 });
        lossSum = 0;
        lossN = 0;
      },
      async onFinish() {
        await probe();
        post({ type: "backend", status: backendStatus() }); // thread workers join in the background
        post({ type: "done", step, testAcc: acc ?? NaN, seconds: ms / 1000 });
      },
      sliceMs: 60,
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
      async maps({ pixels }) {
        if (!model) return null;
        const m = model;
        m.eval();
        const { maps, probs } = noGrad(() => {
          const outs = lenetForwardAll(m, normalised(pixels));
          return { maps: LENET_MAPS.map(({ index }) => outs[index]), probs: outs[outs.length - 1].softmax(1) };
        });
        m.train();
        const vals = await readAll([...maps, probs]);
        return {
          layers: LENET_MAPS.map(({ name }, i) => {
            const t = maps[i];
            return { name, channels: t.shape[1], h: t.shape[2], w: t.shape[3], data: Float32Array.from(vals[i]) };
          }),
          probs: Array.from(vals[maps.length]),
        };
      },
      async filters() {
        if (!model) return null;
        const w = (model.at(0) as nn.Conv2d).weight;
        return { weight: Float32Array.from(await w.data()), channels: w.shape[0], k: w.shape[2] };
      },
      async kernel({ pixels, kernel }) {
        const x = tensor(Float32Array.from(pixels), { shape: [1, 1, 28, 28] });
        const w = tensor(Float32Array.from(kernel), { shape: [1, 1, 3, 3] });
        return Float32Array.from(await noGrad(() => F.conv2d(x, w, null, { padding: 1 })).data());
      },
      testImage({ i }) {
        if (!mnist) return null;
        return {
          pixels: Float32Array.from(mnist.testX.subarray(i * 784, (i + 1) * 784), (v) => v / 255),
          label: mnist.testY[i],
        };
      },
      stateDict: () => (model ? readStateDict(model.stateDict()) : null),
    },
  };
});
