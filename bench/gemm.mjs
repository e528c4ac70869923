#!/usr/bin/env node
// GEMM throughput of the wasm backend (1 and 2 threads) and the JS reference, in GFLOP/s, on an
// MNIST-MLP layer (x[64,784] · Wᵀ with W[256,784]), its two backward products, and 1024³.
// Run after `npm run build`:  node bench/gemm.mjs   (add --experimental-wasm-relaxed-simd for
// the relaxed-SIMD module on Node 20).
import { jsKernels } from "../dist/backend/js/index.js";
import { initWasmBackend, setNumThreadsAsync, wasmBackendInfo } from "../dist/backend/wasm/index.js";

const cases = [
  { name: "fwd  Y = X·Wᵀ   64x256 k=784", transA: false, transB: true, m: 64, n: 256, k: 784 },
  { name: "bwd dX = dY·W   64x784 k=256", transA: false, transB: false, m: 64, n: 784, k: 256 },
  { name: "bwd dW = dYᵀ·X 256x784 k=64 ", transA: true, transB: false, m: 256, n: 784, k: 64 },
  { name: "square        1024x1024 k=1024", transA: false, transB: false, m: 1024, n: 1024, k: 1024 },
];

function bench(K, c, seconds) {
  const mk = (n) => {
    const a = K.alloc("float32", n);
    for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
    return a;
  };
  const a = mk(c.m * c.k),
    b = mk(c.k * c.n),
    out = mk(c.m * c.n);
  const run = () => K.gemm({ ...c, a, b, c: out });
  const flops = 2 * c.m * c.n * c.k;
  // Warm up until the engine has tiered up (≥ 0.3 s and ≥ 3 calls), then time for `seconds`.
  for (let t0 = performance.now(), i = 0; i < 3 || performance.now() - t0 < 300; i++) run();
  let reps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    run();
    reps++;
  }
  return (flops * reps) / ((performance.now() - t0) / 1000) / 1e9;
}

const wasm = await initWasmBackend({ threads: 2 });
console.log(`wasm module: ${wasmBackendInfo().simd} SIMD, node ${process.version}`);
const rows = [];
for (const c of cases) {
  await setNumThreadsAsync(1);
  const w1 = bench(wasm, c, 1);
  await setNumThreadsAsync(2);
  const w2 = bench(wasm, c, 1);
  const js = bench(jsKernels, c, c.m * c.n * c.k > 1e8 ? 2 : 0.5);
  rows.push({ case: c.name, "wasm 1T": w1.toFixed(1), "wasm 2T": w2.toFixed(1), js: js.toFixed(2) });
}
console.table(rows);
console.log("GFLOP/s (2·m·n·k per call)");
process.exit(0);
