/// <reference lib="webworker" />
/** Worker for the representation page: trains the MLP and photographs its hidden layers on a fixed probe. */
import { F, Generator, manualSeed, nn, noGrad, tensor } from "gradlab";
import { buildMlp } from "gradlab/nn/mlp.ts";
import { readStateDict } from "../lib/model_io.ts";
import { nearestCentroidAccuracy, pca2 } from "../lib/pca.ts";
import { PROBE, type Projection, type RepresentConfig, type RepresentTask } from "../protocol/represent.ts";
import { makeOptimizer, readAll } from "./common.ts";
import { labelsOf, loadMnist, pixelBatch, range, type Mnist } from "./mnist_data.ts";
import { serve, Session } from "./runtime.ts";

/**
 * PCA of (n, d) rows with each component's sign chosen to agree with the previous picture, so
 * the cloud does not flip between snapshots (PCA's signs are arbitrary).
 */
function project(
  a: ArrayLike<number>,
  n: number,
  d: number,
  labels: Uint8Array,
  previous: Float32Array | null,
): Projection {
  const { points } = pca2(a, n, d);
  if (previous) {
    for (let c = 0; c < 2; c++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += points[2 * i + c] * previous[2 * i + c];
      if (dot < 0) for (let i = 0; i < n; i++) points[2 * i + c] = -points[2 * i + c];
    }
  }
  return { points, separation: nearestCentroidAccuracy(points, labels, 10) };
}

serve<RepresentTask>((post) => {
  let model: nn.Sequential | null = null;
  let session: Session | null = null;
  let data: Promise<Mnist> | null = null;

  async function train(c: RepresentConfig, s: Session): Promise<void> {
    post({ type: "status", text: "loading MNIST…" });
    data ??= loadMnist(c.base);
    const d = await data;
    if (s.stopped) return;
    const labels = d.testY.slice(0, PROBE);
    const probeX = pixelBatch(d.testX, range(0, PROBE));
    // the digits as pixels: the picture before any learning
    const raw = Float32Array.from(d.testX.subarray(0, PROBE * 784), (v) => v / 255);
    const digitImages = new Float32Array(10 * 784),
      counts = new Float32Array(10);
    for (let i = 0; i < PROBE; i++) {
      counts[labels[i]]++;
      for (let j = 0; j < 784; j++) digitImages[labels[i] * 784 + j] += raw[i * 784 + j];
    }
    for (let k = 0; k < 10; k++) for (let j = 0; j < 784; j++) digitImages[k * 784 + j] /= counts[k] || 1;
    post({ type: "status", text: "projecting the raw pixels…" });
    post({ type: "probe", labels, pixels: project(raw, PROBE, 784, labels, null), digitImages });
    manualSeed(c.seed);
    const m = buildMlp({ inputs: 784, hidden: [c.hidden, c.hidden], outputs: 10 });
    model = m;
    const opt = makeOptimizer("adam", m.parameters(), c.lr);
    const batches = new Generator(c.seed + 1);
    let step = 0,
      losses: number[] = [],
      lastShot = -1;
    const previous: [Float32Array | null, Float32Array | null] = [null, null];
    // The probe's activations, predictions and the first layer's weights, read in one wait.
    const snapshot = async (done: boolean) => {
      lastShot = step;
      m.eval();
      const ts = noGrad(() => {
        const a1 = m[1](m[0](probeX)),
          a2 = m[3](m[2](a1));
        return [a1, a2, m[4](a2).argmax(1), (m[0] as nn.Linear).weight];
      });
      m.train();
      const [h1, h2, pred, w0] = await readAll(ts);
      let ok = 0;
      for (let i = 0; i < PROBE; i++) if (pred[i] === labels[i]) ok++;
      const acc = ok / PROBE;
      const H = c.hidden;
      const digitMeans = new Float32Array(10 * H);
      for (let i = 0; i < PROBE; i++)
        for (let u = 0; u < H; u++) digitMeans[labels[i] * H + u] += h1[i * H + u] / counts[labels[i]];
      const layers: [Projection, Projection] = [
        project(h1, PROBE, H, labels, previous[0]),
        project(h2, PROBE, H, labels, previous[1]),
      ];
      previous[0] = layers[0].points;
      previous[1] = layers[1].points;
      const weights = Float32Array.from(w0);
      const loss = losses.length ? losses.reduce((a, b) => a + b, 0) / losses.length : NaN;
      losses = [];
      post({ type: "snapshot", step, loss, probeAcc: acc, done, weights, digitMeans, layers }, [
        weights.buffer,
        digitMeans.buffer,
      ]);
    };
    post({ type: "status", text: "training" });
    await snapshot(false);
    await s.run({
      finished: () => step >= c.steps,
      step: async () => {
        const idx = Int32Array.from({ length: c.batch }, () => batches.int(0, d.trainY.length));
        opt.zeroGrad();
        const loss = F.crossEntropy(m(pixelBatch(d.trainX, idx)), tensor(labelsOf(d.trainY, idx)));
        loss.backward();
        opt.step();
        losses.push(await loss.itemAsync()); // the one read of a step (on WebGPU, the wait for it)
        step++;
      },
      afterSlice: async () => {
        if (step - lastShot >= c.snapshotEvery && step < c.steps) await snapshot(false);
      },
      onFinish: async () => {
        await snapshot(true);
        post({ type: "status", text: `done: ${step} steps` });
      },
    });
  }

  return {
    command(cmd) {
      switch (cmd.type) {
        case "start":
          session?.stop();
          session = new Session(true);
          return train(cmd.config, session);
        case "pause":
          if (session) session.running = false;
          return;
        case "resume":
          if (session) session.running = true;
          return;
      }
    },
    requests: { stateDict: () => (model ? readStateDict(model.stateDict()) : null) },
  };
});
