#!/usr/bin/env node
// conv2d throughput of the wasm backend (1 and 2 threads) in GFLOP/s: the forward and both
// backward products (input gradient dX, weight + bias gradient dW) at LeNet-5's two conv shapes
// (batch 64, MNIST) and at a ResNet basic block's 3×3 conv (batch 64, 32→32 channels, 14×14).
// FLOPs are 2·N·C_out·H_out·W_out·(C_in/groups)·kH·kW per product, whatever the kernel computes.
// Run after `npm run build`:  node bench/conv_shapes.mjs [seconds per case, default 1]
import { initWasmBackend, setNumThreadsAsync, wasmBackendInfo } from "../dist/backend/wasm/index.js";

const shapes = [
  // name, N, C_in, H, W, C_out, k, stride, padding
  ["LeNet conv1 1→6 5×5 pad 2, 28×28", 64, 1, 28, 28, 6, 5, 1, 2],
  ["LeNet conv2 6→16 5×5, 14×14", 64, 6, 14, 14, 16, 5, 1, 0],
  ["ResNet 32→32 3×3 pad 1, 14×14", 64, 32, 14, 14, 32, 3, 1, 1],
];
const seconds = Number(process.argv[2] ?? 1);

function geometry([, n, cIn, h, w, cOut, k, s, p]) {
  const out = (len) => Math.floor((len + 2 * p - (k - 1) - 1) / s) + 1;
  return { n, cIn, h, w, cOut, kH: k, kW: k, strideH: s, strideW: s, padH: p, padW: p, dilationH: 1, dilationW: 1, groups: 1,
    hOut: out(h), wOut: out(w) };
}

/** Calls per second of `run`, after warming up until the engine has tiered up (≥ 0.3 s and ≥ 3 calls). */
function rate(run) {
  for (let t0 = performance.now(), i = 0; i < 3 || performance.now() - t0 < 300; i++) run();
  let reps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) { run(); reps++; }
  return reps / ((performance.now() - t0) / 1000);
}

const K = await initWasmBackend({ threads: 2 });
console.log(`wasm module: ${wasmBackendInfo().simd} SIMD, node ${process.version}, ${seconds} s per cell`);
const rows = [];
for (const shape of shapes) {
  const g = geometry(shape);
  const mk = (n) => { const a = K.alloc("float32", n); for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5; return a; };
  const nw = g.cOut * g.cIn * g.kH * g.kW;
  const x = mk(g.n * g.cIn * g.h * g.w), w = mk(nw), b = mk(g.cOut), y = mk(g.n * g.cOut * g.hOut * g.wOut);
  const dx = mk(x.length), dw = mk(nw), db = mk(g.cOut);
  const flops = 2 * g.n * g.cOut * g.hOut * g.wOut * g.cIn * g.kH * g.kW;
  const products = {
    fwd: () => K.conv2dForward(x, w, b, y, g, true),
    dX: () => K.conv2dBackwardInput(y, w, dx, g),
    dW: () => K.conv2dBackwardWeight(x, y, dw, db, g, 1),
  };
  for (const [what, run] of Object.entries(products)) {
    const row = { shape: shape[0], product: what };
    for (const threads of [1, 2]) {
      await setNumThreadsAsync(threads);
      const r = rate(run);
      row[`${threads}T GFLOP/s`] = ((flops * r) / 1e9).toFixed(1);
      row[`${threads}T ms`] = (1000 / r).toFixed(3);
    }
    rows.push(row);
  }
}
console.table(rows);
process.exit(0);
