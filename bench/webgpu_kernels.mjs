#!/usr/bin/env node
// GEMM throughput of the WebGPU backend at the lecture's MNIST-MLP shapes (x[64,784]·Wᵀ with
// W[256,784], its two backward products, the 10-class head) and 1024³, in GFLOP/s, on whatever
// adapter this machine has. Not a test and not part of `npm run bench`'s comparisons: a fallback
// adapter (SwiftShader, a CPU) is labelled as such and its times mean nothing about GPUs.
// Run after `npm run build`:  node bench/webgpu_kernels.mjs
// In Node with no GPU driver, it re-runs itself on the SwiftShader driver Debian's chromium ships.
import { GpuContext, describeAdapter, webgpuKernels } from "../dist/backend/webgpu/index.js";
import { onAdapterOrSwiftShader } from "./common/webgpu_env.mjs";

const cases = [
  { name: "fwd  Y = X·Wᵀ    64x256 k=784 ", transA: false, transB: true, m: 64, n: 256, k: 784 },
  { name: "bwd dX = dY·W    64x784 k=256 ", transA: false, transB: false, m: 64, n: 784, k: 256 },
  { name: "bwd dW = dYᵀ·X  256x784 k=64  ", transA: true, transB: false, m: 256, n: 784, k: 64 },
  { name: "head Y = H·W₂ᵀ   64x10  k=256 ", transA: false, transB: true, m: 64, n: 10, k: 256, bias: true },
  // Skipped on a fallback adapter: SwiftShader takes most of a minute per call.
  { name: "square        1024x1024 k=1024", transA: false, transB: false, m: 1024, n: 1024, k: 1024, gpuOnly: true },
];

await onAdapterOrSwiftShader(import.meta.url);
let ctx;
try {
  ctx = await GpuContext.create();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const K = webgpuKernels(ctx);
const fallback = ctx.adapter.isFallbackAdapter;
console.log(`adapter: ${describeAdapter(ctx.adapter)}`);

const rand = (n) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
};
const rows = [];
for (const c of cases) {
  if (c.gpuOnly && fallback) continue;
  const a = ctx.upload(rand(c.m * c.k)),
    b = ctx.upload(rand(c.k * c.n)),
    out = ctx.empty("float32", c.m * c.n);
  const bias = c.bias ? ctx.upload(rand(c.n)) : undefined;
  const run = () => K.gemm({ ...c, a, b, c: out, bias, relu: !!bias });
  const flops = 2 * c.m * c.n * c.k;
  run();
  await ctx.sync(); // compiles the pipeline
  // Calibrate: enough dispatches per timed batch for ~0.3 s, then 3 batches, best one counted.
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) run();
    await ctx.sync();
    if (performance.now() - t0 > 300 || reps >= 4096) break;
    reps *= 2;
  }
  let best = Infinity;
  for (let round = 0; round < (reps === 1 ? 1 : 3); round++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) run();
    await ctx.sync();
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  rows.push({
    case: c.name,
    "ms/call": best.toFixed(3),
    "GFLOP/s": (flops / (best / 1000) / 1e9).toPrecision(3),
    reps,
  });
  for (const s of [a, b, out, bias]) s?.dispose();
}
console.table(rows);
if (fallback)
  console.log("fallback adapter: these are software-rendering times, not GPU times; compare them with nothing.");
ctx.destroy();
process.exit(0);
