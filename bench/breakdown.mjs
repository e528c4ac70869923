#!/usr/bin/env node
// Where an epoch of the lecture's MLP goes: time per kernel (and per gemm shape) and outside the
// kernels, on the default backend after one warm-up epoch. Wrapping each kernel costs ~0.2 µs a
// call, so totals read a few percent high.
//   npm run build && node bench/breakdown.mjs [threads=2]
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const g = await import(join(root, "dist", "index.js"));
const registry = await import(join(root, "dist", "backend", "registry.js"));
const { mnistDataset } = await import(join(root, "dist", "node.js"));
await g.setNumThreadsAsync(Number(process.argv[2] ?? 2));
// The active backend's kernel table (live binding: read after the backend is chosen).
const K = registry.kernels;

const T = new Map();
for (const key of Object.keys(K)) {
  const f = K[key];
  if (typeof f !== "function" || key === "alloc") continue;
  K[key] = function (a0, ...rest) {
    const t = performance.now();
    const r = f.call(this, a0, ...rest);
    const id = key === "gemm" ? `gemm ${a0.m}x${a0.k}x${a0.n}${a0.transA ? " tA" : ""}${a0.transB ? " tB" : ""}` : key;
    T.set(id, (T.get(id) ?? 0) + performance.now() - t);
    return r;
  };
}

g.manualSeed(0);
const loader = new g.data.DataLoader(mnistDataset("train"), { batchSize: 64, shuffle: true, seed: 0 });
const { nn, optim, F } = g;
const model = new nn.Sequential(
  new nn.Linear(784, 256),
  new nn.ReLU(),
  new nn.Linear(256, 256),
  new nn.ReLU(),
  new nn.Linear(256, 10),
);
const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
for (let epoch = 0; epoch < 2; epoch++) {
  T.clear();
  const t0 = performance.now();
  for (const [x, y] of loader) {
    const loss = F.crossEntropy(model(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
  }
  if (epoch === 0) continue; // warm-up
  const total = performance.now() - t0,
    inKernels = [...T.values()].reduce((a, b) => a + b, 0);
  console.log(
    `epoch ${total.toFixed(0)} ms on ${g.getBackend()} (${process.argv[2] ?? 2} threads): kernels ${inKernels.toFixed(0)} ms, outside them ${(total - inKernels).toFixed(0)} ms`,
  );
  for (const [k, v] of [...T].sort((a, b) => b[1] - a[1]))
    if (v >= 0.5) console.log(`  ${k.padEnd(28)} ${v.toFixed(1).padStart(7)} ms`);
}
process.exit(0);
