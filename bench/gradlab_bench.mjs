#!/usr/bin/env node
// gradlab on Node, one backend/thread count per process. Prints one JSON line.
//   node bench/gradlab_bench.mjs --backend wasm|js [--threads N] [--steps 938] [--warmup 30] [--repeats 1] [--no-gemm] [--no-infer]
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { EPOCH_STEPS, gemm, inference, makeDatasets, runEpochs } from "./common/gradlab_core.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values: o } = parseArgs({
  options: {
    backend: { type: "string", default: "wasm" },
    threads: { type: "string", default: "1" },
    steps: { type: "string", default: String(EPOCH_STEPS) },
    warmup: { type: "string", default: "30" },
    repeats: { type: "string", default: "1" },
    "no-gemm": { type: "boolean", default: false },
    "gemm-samples": { type: "string", default: "7" },
    "no-infer": { type: "boolean", default: false },
  },
});

const g = await import(join(root, "dist", "index.js"));
const { loadMnist } = await import(join(root, "dist", "node.js"));
const info = { backend: o.backend, threads: Number(o.threads), node: process.version };
if (o.backend === "wasm") {
  const wasm = await import(join(root, "dist", "backend", "wasm", "index.js"));
  await wasm.initWasmBackend({ threads: info.threads });
  if (wasm.setNumThreadsAsync) await wasm.setNumThreadsAsync(info.threads);
  info.threadsActive = wasm.getNumThreads?.() ?? null;
  info.simd = wasm.wasmBackendInfo?.()?.simd ?? null;
}
g.setBackend(o.backend);
g.resetFallbackCounts?.();

const tLoad = performance.now();
const ds = makeDatasets(g, { train: loadMnist("train"), test: loadMnist("test") });
info.loadMs = performance.now() - tLoad;

const { model, epoch } = runEpochs(g, ds, {
  steps: Number(o.steps),
  warmup: Number(o.warmup),
  repeats: Number(o.repeats),
});
const res = { ...info, epoch };
if (!o["no-infer"]) res.inference = inference(g, model, ds.test);
if (!o["no-gemm"]) res.gemm = gemm(g, { samples: Number(o["gemm-samples"]) });
res.fallbacks = g.fallbackCounts?.() ?? {};
console.log(JSON.stringify(res));
process.exit(0); // worker threads of the wasm pool would keep the process alive
