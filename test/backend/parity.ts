/**
 * Checks every kernel of a backend against the JS reference on random inputs and returns a list
 * of failures (empty = all good). Shared by the vitest suites and by child processes that run
 * with other Node flags (relaxed SIMD), so it uses no test-framework API.
 */
import { jsKernels } from "../../src/backend/js/index.js";
import type { BinaryOp, Kernels, UnaryOp } from "../../src/backend/kernels.js";
import { Binary, Unary } from "../../src/backend/opcodes.js";
import { sequenceParity } from "./parity_sequence.js";

/** Every op of the shared op-code table: a new op is checked on every backend without editing this file. */
const namesOf = <T extends string>(e: object): T[] => Object.keys(e).filter((k) => Number.isNaN(Number(k))) as T[];
const UNARY = namesOf<UnaryOp>(Unary);
const BINARY = namesOf<BinaryOp>(Binary);

/** Deterministic PRNG so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

export interface ParityOptions {
  /** Where inputs live: "wasm" = K.alloc views, "foreign" = plain typed arrays (copy path). */
  placement: "wasm" | "foreign";
  seed?: number;
}

export function runParity(K: Kernels, opts: ParityOptions): string[] {
  const fails: string[] = [];
  const rand = rng(opts.seed ?? 1);
  const f32 = (n: number, lo = -2, hi = 2): Float32Array => {
    const a = opts.placement === "wasm" ? (K.alloc("float32", n) as Float32Array) : new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rand();
    return a;
  };
  const i32 = (n: number, hi: number): Int32Array => {
    const a = opts.placement === "wasm" ? (K.alloc("int32", n) as Int32Array) : new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = Math.floor(rand() * hi);
    return a;
  };
  const copy = <T extends Float32Array | Int32Array>(a: T): T => a.slice() as T;
  /** Elementwise closeness; NaNs must match NaNs and infinities must match exactly. */
  const close = (name: string, got: ArrayLike<number>, want: ArrayLike<number>, rtol = 1e-6, atol = 1e-7, scale?: (i: number) => number): void => {
    if (got.length !== want.length) { fails.push(`${name}: length ${got.length} vs ${want.length}`); return; }
    for (let i = 0; i < got.length; i++) {
      const g = got[i], w = want[i];
      if (Number.isNaN(w) ? Number.isNaN(g) : g === w || Math.abs(g - w) <= atol + rtol * (scale ? scale(i) : Math.abs(w))) continue;
      fails.push(`${name}: [${i}] got ${g}, want ${w}`);
      return;
    }
  };

  // gemm: all transpose combos, odd sizes, offsets, alpha/beta, sizes crossing the cache blocks.
  const shapes: Array<[number, number, number]> = [[1, 1, 1], [3, 5, 7], [13, 17, 19], [64, 256, 784], [129, 70, 300], [5, 2050, 3], [260, 9, 33], [1030, 20, 70]];
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true]) for (const transB of [false, true]) {
      for (const [alpha, beta, off] of [[1, 0, 0], [0.5, 1, 3], [-2, 0.25, 1]]) {
        const a = f32(m * k + off), b = f32(k * n + off + 1), c = f32(m * n + off + 2);
        const want = copy(c);
        const common = { transA, transB, m, n, k, a, b, alpha, beta, aOffset: off, bOffset: off + 1, cOffset: off + 2 };
        // Every other case also adds a bias row (at an offset).
        const bias = off % 2 ? f32(n + 2) : undefined;
        const args = { ...common, bias, biasOffset: bias ? 2 : 0, relu: alpha === 1 };
        jsKernels.gemm({ ...args, c: want });
        K.gemm({ ...args, c });
        // f32 accumulation vs the reference's f64: error grows with k and the operand size.
        close(`gemm ${m}x${n}x${k} tA=${transA} tB=${transB} a=${alpha} b=${beta}${bias ? " +bias" : ""}${args.relu ? " relu" : ""}`, c, want, 0, 1e-6 * (k + 1) * 4 * Math.abs(alpha) + 1e-6 * 4);
      }
    }
  }

  // gemms: a layer's dX and dW side by side (beta = 1 accumulates into a gradient), a pair too
  // unequal to share, and a single product.
  const lists: Array<Array<[boolean, boolean, number, number, number, number]>> = [
    [[false, false, 64, 256, 256, 0], [true, false, 256, 256, 64, 1]],
    [[false, false, 64, 256, 10, 0], [true, false, 10, 256, 64, 0]],
    [[false, true, 64, 256, 784, 0], [false, false, 8, 8, 8, 0]],
    [[true, false, 256, 784, 64, 1]],
  ];
  for (const list of lists) {
    const args = list.map(([transA, transB, m, n, k, beta]) => ({ transA, transB, m, n, k, a: f32(m * k), b: f32(k * n), c: f32(m * n), beta }));
    const want = args.map((g) => copy(g.c));
    args.forEach((g, i) => jsKernels.gemm({ ...g, c: want[i] }));
    K.gemms(args);
    args.forEach((g, i) => close(`gemms [${list.map((x) => x.slice(2, 5).join("x")).join(", ")}] #${i}`, g.c, want[i], 0, 1e-6 * (g.k + 1) * 4 + 1e-6 * 4));
  }

  // unary / unaryBackward for every op, lengths that leave SIMD tails, plus special values.
  for (const op of UNARY) {
    for (const n of [1, 7, 1031]) {
      const x = f32(n, -6, 6);
      if (n > 6) x.set([0, -0, NaN, Infinity, -Infinity, 1e-30]);
      const want = new Float32Array(n), out = f32(n);
      jsKernels.unary(op, x, want, 0.1);
      K.unary(op, x, out, 0.1);
      const tol = op === "gelu" ? 5e-7 : 2e-7;
      close(`unary ${op} n=${n}`, out, want, tol, 1e-7);
      const y = copy(want), dy = f32(n), dxWant = new Float32Array(n), dx = f32(n);
      jsKernels.unaryBackward(op, x, y, dy, dxWant, 0.1);
      K.unaryBackward(op, x, y, dy, dx, 0.1);
      close(`unaryBackward ${op} n=${n}`, dx, dxWant, tol, 1e-7);
    }
  }

  // binary: same shape, scalar on either side, row/column broadcast, 3-D broadcast.
  const bshapes: Array<[number[], number[]]> = [[[1031], [1031]], [[5, 7], [1]], [[1], [5, 7]], [[6, 9], [9]], [[5, 1], [1, 7]], [[2, 1, 3], [4, 1]], [[3, 4, 5], [3, 1, 5]], [[], []]];
  for (const op of BINARY) {
    for (const [as, bs] of bshapes) {
      const os = as.length >= bs.length ? as.map((d, i) => Math.max(d, bs[i - (as.length - bs.length)] ?? 1)) : bs.map((d, i) => Math.max(d, as[i - (bs.length - as.length)] ?? 1));
      const size = (s: number[]): number => s.reduce((p, q) => p * q, 1);
      const a = f32(size(as), op === "pow" ? 0.1 : -3, 3), b = f32(size(bs), -3, 3);
      if (op !== "pow" && a.length > 3 && b.length > 3) { a[0] = b[0]; a[1] = NaN; b[2] = -0; a[2] = 0; }
      const want = new Float32Array(size(os)), out = f32(size(os));
      jsKernels.binary(op, a, as, b, bs, want, os);
      K.binary(op, a, as, b, bs, out, os);
      close(`binary ${op} ${JSON.stringify(as)}∘${JSON.stringify(bs)}`, out, want, op === "pow" ? 2e-7 : 0, 0);
    }
  }

  // reduce: sum/max/min over each position of a 3-D view, with a NaN in one row.
  for (const op of ["sum", "max", "min"] as const) {
    for (const [outer, size, inner] of [[1, 1031, 1], [7, 5, 3], [4, 9, 1], [1, 64, 130]]) {
      const x = f32(outer * size * inner);
      if (x.length > 20) x[17] = NaN;
      const want = new Float32Array(outer * inner), out = f32(outer * inner);
      const wi = new Int32Array(outer * inner), gi = i32(outer * inner, 1);
      jsKernels.reduce(op, x, outer, size, inner, want, wi);
      K.reduce(op, x, outer, size, inner, out, gi);
      close(`reduce ${op} ${outer}x${size}x${inner}`, out, want, 0, 0);
      if (op !== "sum") close(`reduce ${op} indices ${outer}x${size}x${inner}`, gi, wi, 0, 0);
    }
  }

  { // clamp, axpy
    const x = f32(1031, -3, 3); x[5] = NaN;
    const want = new Float32Array(x.length), out = f32(x.length);
    jsKernels.clamp(x, -1, 0.5, want); K.clamp(x, -1, 0.5, out);
    close("clamp", out, want, 0, 0);
    const y = f32(1031), yWant = copy(y);
    jsKernels.axpy(-0.3, x, yWant); K.axpy(-0.3, x, y);
    close("axpy", y, yWant, 0, 0);
  }

  // softmax / log-softmax and their backward, along the last and a middle axis.
  for (const log of [false, true]) {
    for (const [outer, size, inner] of [[9, 10, 1], [2, 7, 3]]) {
      const n = outer * size * inner, x = f32(n, -8, 8);
      const want = new Float32Array(n), out = f32(n);
      jsKernels.softmax(x, outer, size, inner, want, log); K.softmax(x, outer, size, inner, out, log);
      close(`softmax log=${log} ${outer}x${size}x${inner}`, out, want, 2e-7, 1e-8);
      const dy = f32(n), dxWant = new Float32Array(n), dx = f32(n);
      jsKernels.softmaxBackward(want, dy, outer, size, inner, dxWant, log); K.softmaxBackward(want, dy, outer, size, inner, dx, log);
      close(`softmaxBackward log=${log}`, dx, dxWant, 2e-7, 1e-7);
    }
  }

  // permute (f32 and i32), gatherRows, scatterAddRows with repeated rows.
  for (const [shape, perm] of [[[3, 4], [1, 0]], [[2, 3, 5], [2, 0, 1]], [[2, 3, 4, 5], [0, 2, 3, 1]], [[7], [0]]] as Array<[number[], number[]]>) {
    const n = shape.reduce((p, q) => p * q, 1);
    const x = f32(n), want = new Float32Array(n), out = f32(n);
    jsKernels.permute(x, shape, perm, want); K.permute(x, shape, perm, out);
    close(`permute ${JSON.stringify(shape)} ${JSON.stringify(perm)}`, out, want, 0, 0);
    const xi = i32(n, 1000), wi = new Int32Array(n), oi = i32(n, 1);
    jsKernels.permute(xi, shape, perm, wi); K.permute(xi, shape, perm, oi);
    close(`permute int32 ${JSON.stringify(shape)}`, oi, wi, 0, 0);
  }
  {
    const rows = 10, rowSize = 7, x = f32(rows * rowSize), idx = i32(23, rows);
    const want = new Float32Array(23 * rowSize), out = f32(23 * rowSize);
    jsKernels.gatherRows(x, idx, rowSize, want); K.gatherRows(x, idx, rowSize, out);
    close("gatherRows", out, want, 0, 0);
    const dy = f32(23 * rowSize), dx = f32(rows * rowSize), dxWant = copy(dx);
    jsKernels.scatterAddRows(dy, idx, rowSize, dxWant); K.scatterAddRows(dy, idx, rowSize, dx);
    close("scatterAddRows", dx, dxWant, 0, 0);
  }

  // torch.gather along a middle axis and its scatter-add backward, float32 and int32, repeated indices.
  for (const [outer, size, inner, indexSize] of [[3, 5, 4, 6], [1, 10, 1, 23], [2, 1, 7, 3]]) {
    const x = f32(outer * size * inner), index = i32(outer * indexSize * inner, size);
    const want = new Float32Array(index.length), out = f32(index.length);
    jsKernels.gatherAlong(x, index, outer, size, inner, indexSize, want);
    K.gatherAlong(x, index, outer, size, inner, indexSize, out);
    close(`gatherAlong ${outer}x${size}x${inner} by ${indexSize}`, out, want, 0, 0);
    const xi = i32(x.length, 1000), wi = new Int32Array(index.length), oi = i32(index.length, 1);
    jsKernels.gatherAlong(xi, index, outer, size, inner, indexSize, wi);
    K.gatherAlong(xi, index, outer, size, inner, indexSize, oi);
    close(`gatherAlong int32 ${outer}x${size}x${inner}`, oi, wi, 0, 0);
    const dy = f32(index.length), dx = f32(x.length), dxWant = copy(dx);
    jsKernels.scatterAddAlong(dy, index, outer, size, inner, indexSize, dxWant);
    K.scatterAddAlong(dy, index, outer, size, inner, indexSize, dx);
    close(`scatterAddAlong ${outer}x${size}x${inner} by ${indexSize}`, dx, dxWant, 1e-6, 1e-7);
  }
  {
    const bad = i32(4, 3); bad[2] = 3;
    for (const [name, run] of [["gatherAlong", (k: Kernels) => k.gatherAlong(f32(3), bad, 1, 3, 1, 4, f32(4))],
      ["scatterAddAlong", (k: Kernels) => k.scatterAddAlong(f32(4), bad, 1, 3, 1, 4, f32(3))]] as const) {
      let msgW = "", msg = "";
      try { run(jsKernels); } catch (e) { msgW = (e as Error).message; }
      try { run(K); } catch (e) { msg = (e as Error).message; }
      if (!msgW || msg !== msgW) fails.push(`${name} bounds error: "${msg}" vs "${msgW}"`);
    }
  }

  // storage: fill, block copies (narrow/cat's pattern) in both dtypes, casts both ways.
  {
    const src = f32(60), dst = f32(80), want = copy(dst);
    jsKernels.copyBlocks(src, 3, 10, want, 5, 15, 7, 5); K.copyBlocks(src, 3, 10, dst, 5, 15, 7, 5);
    close("copyBlocks", dst, want, 0, 0);
    const si = i32(60, 99), di = i32(80, 1), wi = copy(di);
    jsKernels.copyBlocks(si, 0, 12, wi, 1, 16, 12, 5); K.copyBlocks(si, 0, 12, di, 1, 16, 12, 5);
    close("copyBlocks int32", di, wi, 0, 0);
    const filled = f32(37); K.fill(filled, -2.5);
    close("fill", filled, new Float32Array(37).fill(-2.5), 0, 0);
    const x = f32(41, -9, 9); x[3] = -0.5;
    const ci = i32(41, 1), cw = new Int32Array(41);
    jsKernels.cast(x, cw); K.cast(x, ci);
    close("cast float32 -> int32", ci, cw, 0, 0);
    const back = f32(41), backW = new Float32Array(41);
    jsKernels.cast(cw, backW); K.cast(ci, back);
    close("cast int32 -> float32", back, backW, 0, 0);
  }

  // cross-entropy with label smoothing and an ignored row; the bounds error message.
  for (const eps of [0, 0.1]) {
    const n = 9, c = 10, logits = f32(n * c, -5, 5), target = i32(n, c);
    target[3] = -100;
    const lossW = new Float32Array(n), lpW = new Float32Array(n * c), loss = f32(n), lp = f32(n * c);
    jsKernels.crossEntropyForward(logits, target, n, c, eps, -100, lossW, lpW);
    K.crossEntropyForward(logits, target, n, c, eps, -100, loss, lp);
    close(`crossEntropyForward eps=${eps}`, loss, lossW, 2e-7, 1e-7);
    close(`crossEntropyForward logProbs eps=${eps}`, lp, lpW, 2e-7, 1e-7);
    const rg = f32(n), dW = new Float32Array(n * c), d = f32(n * c);
    jsKernels.crossEntropyBackward(lpW, target, n, c, eps, -100, rg, dW);
    K.crossEntropyBackward(lpW, target, n, c, eps, -100, rg, d);
    close(`crossEntropyBackward eps=${eps}`, d, dW, 2e-7, 1e-8);
  }
  {
    const bad = i32(2, 1); bad[1] = 12;
    let msgW = "", msg = "";
    try { jsKernels.crossEntropyForward(f32(20), bad, 2, 10, 0, -100, new Float32Array(2), new Float32Array(20)); } catch (e) { msgW = (e as Error).message; }
    try { K.crossEntropyForward(f32(20), bad, 2, 10, 0, -100, f32(2), f32(20)); } catch (e) { msg = (e as Error).message; }
    if (!msg || msg !== msgW) fails.push(`crossEntropyForward bounds error: "${msg}" vs "${msgW}"`);
  }

  // optimizers: several steps of each variant. wasm updates in float32 SIMD (like PyTorch), the
  // reference in float64 rounded on store: they agree to a few float32 ulps.
  const sgdVariants = [
    { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false },
    { momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 1e-2, maximize: false },
    { momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0, maximize: true },
  ];
  for (const v of sgdVariants) {
    const n = 1031, p = f32(n), pW = copy(p), buf = v.momentum ? f32(n) : null, bufW = buf ? copy(buf) : null;
    for (let step = 0; step < 3; step++) {
      const g = f32(n);
      jsKernels.sgdSteps([{ param: pW, grad: g, momentumBuffer: bufW, lr: 0.1, ...v, firstStep: step === 0 }]);
      K.sgdSteps([{ param: p, grad: g, momentumBuffer: buf, lr: 0.1, ...v, firstStep: step === 0 }]);
    }
    close(`sgdStep ${JSON.stringify(v)}`, p, pW, 1e-6, 2e-6);
    if (buf && bufW) close(`sgdStep buffer ${JSON.stringify(v)}`, buf, bufW, 1e-6, 2e-6);
  }
  {
    // One call for several parameters (a group), big enough to be shared across threads, with the
    // cut between threads falling inside a parameter; per-entry settings, one entry without momentum.
    const sizes = [70001, 257, 3, 65537];
    const ps = sizes.map((n) => f32(n)), pWs = ps.map(copy);
    const bufs = sizes.map((n, i) => (i === 2 ? null : f32(n))), bufWs = bufs.map((b) => (b ? copy(b) : null));
    for (let step = 0; step < 2; step++) {
      const gs = sizes.map((n) => f32(n));
      const args = (i: number, param: Float32Array, momentumBuffer: Float32Array | null) => ({ param, grad: gs[i], momentumBuffer,
        ...sgdVariants[i % 3], momentum: momentumBuffer ? 0.9 : 0, lr: 0.05 * (i + 1), firstStep: step === 0 && i !== 1 });
      jsKernels.sgdSteps(sizes.map((_, i) => args(i, pWs[i], bufWs[i])));
      K.sgdSteps(sizes.map((_, i) => args(i, ps[i], bufs[i])));
    }
    ps.forEach((p, i) => close(`sgdSteps list #${i}`, p, pWs[i], 1e-6, 2e-6));
    bufs.forEach((b, i) => { if (b) close(`sgdSteps list buffer #${i}`, b, bufWs[i]!, 1e-6, 2e-6); });
  }
  for (const v of [{ weightDecay: 0, decoupled: false, maximize: false }, { weightDecay: 0.01, decoupled: false, maximize: true }, { weightDecay: 0.01, decoupled: true, maximize: false }]) {
    const n = 1031, p = f32(n), pW = copy(p), m = f32(n, 0, 0), mW = copy(m), s = f32(n, 0, 0), sW = copy(s);
    for (let step = 1; step <= 3; step++) {
      const g = f32(n);
      const h = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step, ...v };
      jsKernels.adamStep({ param: pW, grad: g, expAvg: mW, expAvgSq: sW, ...h });
      K.adamStep({ param: p, grad: g, expAvg: m, expAvgSq: s, ...h });
    }
    close(`adamStep ${JSON.stringify(v)}`, p, pW, 1e-6, 2e-6);
    close(`adamStep expAvgSq ${JSON.stringify(v)}`, s, sW, 1e-6, 2e-6);
  }
  sequenceParity({ K, f32, i32, close, fails });
  return fails;
}
