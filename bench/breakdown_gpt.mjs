#!/usr/bin/env node
// Where a training step of the char-GPT goes (the `gpt` suite's model: models.gpt, 4 layers, 4 heads,
// width 128, block 64, batch 12, AdamW): time per kernel (gemms by shape) and outside the kernels
// (autograd, shape bookkeeping, JS), per step, after warm-up steps. Wrapping each kernel costs
// ~0.2 µs a call, so totals read a few percent high; the call counts say how many there are.
//   npm run build && node bench/breakdown_gpt.mjs [threads=2] [steps=10] [warmup=5]
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const g = await import(join(root, "dist", "index.js"));
const registry = await import(join(root, "dist", "backend", "registry.js"));
const threads = Number(process.argv[2] ?? 2),
  steps = Number(process.argv[3] ?? 10),
  warmup = Number(process.argv[4] ?? 5);
await g.setNumThreadsAsync(threads);
// The active backend's kernel table (live binding: read after the backend is chosen).
const K = registry.kernels;

const T = new Map(),
  C = new Map();
let on = false;
for (const key of Object.keys(K)) {
  const f = K[key];
  if (typeof f !== "function" || key === "alloc") continue;
  K[key] = function (a0, ...rest) {
    if (!on) return f.call(this, a0, ...rest);
    const t = performance.now();
    const r = f.call(this, a0, ...rest);
    const id =
      key === "gemm"
        ? `gemm ${a0.m}x${a0.k}x${a0.n}${a0.transA ? " tA" : ""}${a0.transB ? " tB" : ""}`
        : key === "gemms"
          ? `gemms ${a0.map((x) => `${x.m}x${x.k}x${x.n}`).join("+")}`
          : ["unary", "binary", "unaryBackward", "reduce", "binaryBackward"].includes(key) && typeof a0 === "string"
            ? `${key} ${a0}`
            : key;
    T.set(id, (T.get(id) ?? 0) + performance.now() - t);
    C.set(id, (C.get(id) ?? 0) + 1);
    return r;
  };
}

const vocab = 81,
  block = 64,
  batch = 12;
g.manualSeed(0);
const model = g.models.gpt({ vocabSize: vocab, blockSize: block, nLayer: 4, nHead: 4, nEmbd: 128 });
const opt = new g.optim.AdamW(model.parameters(), { lr: 1e-3 });
const x = g.randint(0, vocab, [batch, block], { generator: new g.Generator(1) });
const y = g.randint(0, vocab, [batch * block], { generator: new g.Generator(2) });
const parts = { forward: 0, backward: 0, step: 0 };
const step = () => {
  let t = performance.now();
  const loss = g.F.crossEntropy(model(x).view(-1, vocab), y);
  loss.item();
  parts.forward += performance.now() - t;
  t = performance.now();
  opt.zeroGrad();
  loss.backward();
  parts.backward += performance.now() - t;
  t = performance.now();
  opt.step();
  parts.step += performance.now() - t;
};
// Each step yields to the event loop as gradlab train does (step temporaries return to wasm memory then);
// the time spent yielding is not a kernel's and is left out.
let yielded = 0;
const turn = async () => {
  const t = performance.now();
  await new Promise((r) => setImmediate(r));
  yielded += performance.now() - t;
};
for (let i = 0; i < warmup; i++) {
  step();
  await turn();
}
for (const k in parts) parts[k] = 0;
on = true;
yielded = 0;
const t0 = performance.now();
for (let i = 0; i < steps; i++) {
  step();
  await turn();
}
const total = (performance.now() - t0 - yielded) / steps,
  inKernels = [...T.values()].reduce((a, b) => a + b, 0) / steps;
console.log(
  `step ${total.toFixed(1)} ms on ${g.getBackend()} (${threads} threads; forward ${(parts.forward / steps).toFixed(1)}, backward ${(parts.backward / steps).toFixed(1)}, AdamW ${(parts.step / steps).toFixed(1)}): kernels ${inKernels.toFixed(1)} ms, outside them ${(total - inKernels).toFixed(1)} ms; fallbacks ${JSON.stringify(g.fallbackCounts())}`,
);
for (const [k, v] of [...T].sort((a, b) => b[1] - a[1]))
  if (v / steps >= 0.05)
    console.log(
      `  ${k.padEnd(44)} ${(v / steps).toFixed(2).padStart(7)} ms  ${String(C.get(k) / steps).padStart(5)} calls`,
    );
process.exit(0);
