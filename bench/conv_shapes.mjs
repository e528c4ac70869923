#!/usr/bin/env node
// conv2d throughput of the wasm backend on 1 and 2 threads, in GFLOP/s: the forward (with bias and
// relu) and both backward products (input gradient dX; weight + bias gradient dW) at LeNet-5's two
// conv shapes (batch 64, MNIST) and at a ResNet basic block's 3×3 conv (batch 64, 32→32 channels,
// 14×14). FLOPs are 2·N·C_out·H_out·W_out·(C_in/groups)·kH·kW per product, whatever the kernel
// computes. Cells run in interleaved rounds (1T and 2T of a cell back to back, every cell each
// round) and each figure is the median over rounds of the round's mean call time, so a busy spell
// on this shared machine moves one round, not a column; "best" is the fastest single call.
//   npm run build && node bench/conv_shapes.mjs [rounds=5] [seconds per cell and round=0.2]
import { initWasmBackend, setNumThreadsAsync, wasmBackendInfo } from "../dist/backend/wasm/index.js";

const shapes = [
  // name, N, C_in, H, W, C_out, k, stride, padding
  ["LeNet conv1 1→6 5×5 pad 2, 28×28", 64, 1, 28, 28, 6, 5, 1, 2],
  ["LeNet conv2 6→16 5×5, 14×14", 64, 6, 14, 14, 16, 5, 1, 0],
  ["ResNet 32→32 3×3 pad 1, 14×14", 64, 32, 14, 14, 32, 3, 1, 1],
];
const rounds = Number(process.argv[2] ?? 5),
  seconds = Number(process.argv[3] ?? 0.2);

function geometry([, n, cIn, h, w, cOut, k, s, p]) {
  const out = (len) => Math.floor((len + 2 * p - (k - 1) - 1) / s) + 1;
  return {
    n,
    cIn,
    h,
    w,
    cOut,
    kH: k,
    kW: k,
    strideH: s,
    strideW: s,
    padH: p,
    padW: p,
    dilationH: 1,
    dilationW: 1,
    groups: 1,
    hOut: out(h),
    wOut: out(w),
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const K = await initWasmBackend({ threads: 2 });
console.log(
  `wasm module: ${wasmBackendInfo().simd} SIMD, node ${process.version}, ${rounds} rounds of ${seconds} s per cell and thread count`,
);
const cells = [];
for (const shape of shapes) {
  const g = geometry(shape);
  const mk = (n) => {
    const a = K.alloc("float32", n);
    for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
    return a;
  };
  const nw = g.cOut * g.cIn * g.kH * g.kW;
  const x = mk(g.n * g.cIn * g.h * g.w),
    w = mk(nw),
    b = mk(g.cOut),
    y = mk(g.n * g.cOut * g.hOut * g.wOut),
    dy = mk(y.length);
  const dx = mk(x.length),
    dw = mk(nw),
    db = mk(g.cOut);
  const flops = 2 * g.n * g.cOut * g.hOut * g.wOut * g.cIn * g.kH * g.kW;
  cells.push({ shape: shape[0], product: "fwd", flops, run: () => K.conv2dForward(x, w, b, y, g, true) });
  cells.push({ shape: shape[0], product: "dX", flops, run: () => K.conv2dBackwardInput(dy, w, dx, g) });
  cells.push({ shape: shape[0], product: "dW", flops, run: () => K.conv2dBackwardWeight(x, dy, dw, db, g, 0) });
}
for (const c of cells) {
  c.means = { 1: [], 2: [] };
  c.best = { 1: Infinity, 2: Infinity };
}
for (let r = -1; r < rounds; r++) {
  // round −1 warms the engine up and is not counted
  for (const c of cells) {
    for (const t of [1, 2]) {
      await setNumThreadsAsync(t);
      let calls = 0;
      const t0 = performance.now();
      while (calls < 3 || performance.now() - t0 < seconds * 1000) {
        const t1 = performance.now();
        c.run();
        c.best[t] = Math.min(c.best[t], performance.now() - t1);
        calls++;
      }
      if (r >= 0) c.means[t].push((performance.now() - t0) / calls);
    }
  }
}
const gf = (c, ms) => (c.flops / ms / 1e6).toFixed(1);
console.table(
  cells.map((c) => ({
    shape: c.shape,
    product: c.product,
    "1T GFLOP/s": gf(c, median(c.means[1])),
    "2T GFLOP/s": gf(c, median(c.means[2])),
    "1T ms": median(c.means[1]).toFixed(3),
    "2T ms": median(c.means[2]).toFixed(3),
    "best 1T / 2T GFLOP/s": `${gf(c, c.best[1])} / ${gf(c, c.best[2])}`,
  })),
);
process.exit(0);
