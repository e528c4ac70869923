/**
 * Checks every kernel of a backend against the JS reference on random inputs and returns a list
 * of failures (empty = all good). Shared by the vitest suites and by child processes that run
 * with other Node flags (relaxed SIMD), so it uses no test-framework API.
 */
import { jsKernels } from "../../src/backend/js/index.js";
import type { BinaryOp, Kernels, UnaryOp } from "../../src/backend/kernels.js";
import type { ConvGeometry } from "../../src/backend/js/conv.js";
import { Binary, Unary } from "../../src/backend/opcodes.js";
import type { PoolWindow } from "../../src/backend/js/pool.js";
import { type PadMode, padShape } from "../../src/backend/js/pad.js";
import type { UpsampleArgs } from "../../src/backend/js/upsample.js";
import { sequenceParity } from "./parity_sequence.js";

/** Every op of the shared op-code table: a new op is checked on every backend without editing this file. */
const namesOf = <T extends string>(e: object): T[] => Object.keys(e).filter((k) => Number.isNaN(Number(k))) as T[];
const UNARY = namesOf<UnaryOp>(Unary);
const BINARY = namesOf<BinaryOp>(Binary);

/** Deterministic PRNG so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A convolution's geometry from PyTorch's arguments (padding before / after each dim). */
function convGeometry(
  n: number,
  cIn: number,
  h: number,
  w: number,
  cOut: number,
  kH: number,
  kW: number,
  stride: number[],
  before: number[],
  after: number[],
  dilation: number[],
  groups: number,
): ConvGeometry {
  const out = (len: number, k: number, i: number): number =>
    Math.floor((len + before[i] + after[i] - dilation[i] * (k - 1) - 1) / stride[i]) + 1;
  return {
    n,
    cIn,
    h,
    w,
    cOut,
    kH,
    kW,
    strideH: stride[0],
    strideW: stride[1],
    padH: before[0],
    padW: before[1],
    dilationH: dilation[0],
    dilationW: dilation[1],
    groups,
    hOut: out(h, kH, 0),
    wOut: out(w, kW, 1),
  };
}

export interface ParityOptions {
  /** Where inputs live: "wasm" = K.alloc views, "foreign" = plain typed arrays (copy path). */
  placement: "wasm" | "foreign";
  seed?: number;
}

/** `kernels` may be a backend's partial set (wasm leaves some to the JS reference): calling a kernel it lacks fails the run. */
export function runParity(kernels: Partial<Kernels>, opts: ParityOptions): string[] {
  const K = kernels as Kernels;
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
  const close = (
    name: string,
    got: ArrayLike<number>,
    want: ArrayLike<number>,
    rtol = 1e-6,
    atol = 1e-7,
    scale?: (i: number) => number,
  ): void => {
    if (got.length !== want.length) {
      fails.push(`${name}: length ${got.length} vs ${want.length}`);
      return;
    }
    for (let i = 0; i < got.length; i++) {
      const g = got[i],
        w = want[i];
      if (
        Number.isNaN(w) ? Number.isNaN(g) : g === w || Math.abs(g - w) <= atol + rtol * (scale ? scale(i) : Math.abs(w))
      )
        continue;
      fails.push(`${name}: [${i}] got ${g}, want ${w}`);
      return;
    }
  };

  // gemm: all transpose combos, odd sizes, offsets, alpha/beta, sizes crossing the cache blocks.
  const shapes: Array<[number, number, number]> = [
    [1, 1, 1],
    [3, 5, 7],
    [13, 17, 19],
    [64, 256, 784],
    [129, 70, 300],
    [5, 2050, 3],
    [260, 9, 33],
    [1030, 20, 70],
  ];
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true])
      for (const transB of [false, true]) {
        for (const [alpha, beta, off] of [
          [1, 0, 0],
          [0.5, 1, 3],
          [-2, 0.25, 1],
        ]) {
          const a = f32(m * k + off),
            b = f32(k * n + off + 1),
            c = f32(m * n + off + 2);
          const want = copy(c);
          const common = {
            transA,
            transB,
            m,
            n,
            k,
            a,
            b,
            alpha,
            beta,
            aOffset: off,
            bOffset: off + 1,
            cOffset: off + 2,
          };
          // Every other case also adds a bias row (at an offset).
          const bias = off % 2 ? f32(n + 2) : undefined;
          const args = { ...common, bias, biasOffset: bias ? 2 : 0, relu: alpha === 1 };
          jsKernels.gemm({ ...args, c: want });
          K.gemm({ ...args, c });
          // f32 accumulation vs the reference's f64: error grows with k and the operand size.
          close(
            `gemm ${m}x${n}x${k} tA=${transA} tB=${transB} a=${alpha} b=${beta}${bias ? " +bias" : ""}${args.relu ? " relu" : ""}`,
            c,
            want,
            0,
            1e-6 * (k + 1) * 4 * Math.abs(alpha) + 1e-6 * 4,
          );
        }
      }
  }

  // gemms: a layer's dX and dW side by side (beta = 1 accumulates into a gradient), a pair too
  // unequal to share, and a single product.
  const lists: Array<Array<[boolean, boolean, number, number, number, number]>> = [
    [
      [false, false, 64, 256, 256, 0],
      [true, false, 256, 256, 64, 1],
    ],
    [
      [false, false, 64, 256, 10, 0],
      [true, false, 10, 256, 64, 0],
    ],
    [
      [false, true, 64, 256, 784, 0],
      [false, false, 8, 8, 8, 0],
    ],
    [[true, false, 256, 784, 64, 1]],
  ];
  for (const list of lists) {
    const args = list.map(([transA, transB, m, n, k, beta]) => ({
      transA,
      transB,
      m,
      n,
      k,
      a: f32(m * k),
      b: f32(k * n),
      c: f32(m * n),
      beta,
    }));
    const want = args.map((g) => copy(g.c));
    args.forEach((g, i) => jsKernels.gemm({ ...g, c: want[i] }));
    K.gemms(args);
    args.forEach((g, i) =>
      close(
        `gemms [${list.map((x) => x.slice(2, 5).join("x")).join(", ")}] #${i}`,
        g.c,
        want[i],
        0,
        1e-6 * (g.k + 1) * 4 + 1e-6 * 4,
      ),
    );
  }

  // unary / unaryBackward for every op, lengths that leave SIMD tails, plus special values.
  for (const op of UNARY) {
    for (const n of [1, 7, 1031]) {
      const x = f32(n, -6, 6);
      if (n > 6) x.set([0, -0, NaN, Infinity, -Infinity, 1e-30]);
      const want = new Float32Array(n),
        out = f32(n);
      jsKernels.unary(op, x, want, 0.1);
      K.unary(op, x, out, 0.1);
      const tol = op === "gelu" ? 5e-7 : 2e-7;
      close(`unary ${op} n=${n}`, out, want, tol, 1e-7);
      const y = copy(want),
        dy = f32(n),
        dxWant = new Float32Array(n),
        dx = f32(n);
      jsKernels.unaryBackward(op, x, y, dy, dxWant, 0.1);
      K.unaryBackward(op, x, y, dy, dx, 0.1);
      // gelu's backward runs in float32 (as PyTorch's does): where Φ(x) and x·φ(x) cancel (x ≈ -0.75)
      // its error is a few ulps of the terms (≤ ~0.25·|dy|), not of the result.
      const scale = op === "gelu" ? (i: number) => Math.abs(dxWant[i]) + Math.abs(dy[i]) : undefined;
      close(`unaryBackward ${op} n=${n}`, dx, dxWant, tol, 1e-7, scale);
    }
  }

  // binary: same shape, scalar on either side, row/column broadcast, 3-D broadcast.
  const bshapes: Array<[number[], number[]]> = [
    [[1031], [1031]],
    [[5, 7], [1]],
    [[1], [5, 7]],
    [[6, 9], [9]],
    [
      [5, 1],
      [1, 7],
    ],
    [
      [2, 1, 3],
      [4, 1],
    ],
    [
      [3, 4, 5],
      [3, 1, 5],
    ],
    [[], []],
  ];
  for (const op of BINARY) {
    for (const [as, bs] of bshapes) {
      const os =
        as.length >= bs.length
          ? as.map((d, i) => Math.max(d, bs[i - (as.length - bs.length)] ?? 1))
          : bs.map((d, i) => Math.max(d, as[i - (bs.length - as.length)] ?? 1));
      const size = (s: number[]): number => s.reduce((p, q) => p * q, 1);
      const a = f32(size(as), op === "pow" ? 0.1 : -3, 3),
        b = f32(size(bs), -3, 3);
      if (op !== "pow" && a.length > 3 && b.length > 3) {
        a[0] = b[0];
        a[1] = NaN;
        b[2] = -0;
        a[2] = 0;
      }
      const want = new Float32Array(size(os)),
        out = f32(size(os));
      jsKernels.binary(op, a, as, b, bs, want, os);
      K.binary(op, a, as, b, bs, out, os);
      close(`binary ${op} ${JSON.stringify(as)}∘${JSON.stringify(bs)}`, out, want, op === "pow" ? 2e-7 : 0, 0);
    }
  }

  // reduce: sum/max/min over each position of a 3-D view, with a NaN in one row.
  for (const op of ["sum", "max", "min"] as const) {
    for (const [outer, size, inner] of [
      [1, 1031, 1],
      [7, 5, 3],
      [4, 9, 1],
      [1, 64, 130],
    ]) {
      const x = f32(outer * size * inner);
      if (x.length > 20) x[17] = NaN;
      const want = new Float32Array(outer * inner),
        out = f32(outer * inner);
      const wi = new Int32Array(outer * inner),
        gi = i32(outer * inner, 1);
      jsKernels.reduce(op, x, outer, size, inner, want, wi);
      K.reduce(op, x, outer, size, inner, out, gi);
      close(`reduce ${op} ${outer}x${size}x${inner}`, out, want, 0, 0);
      if (op !== "sum") close(`reduce ${op} indices ${outer}x${size}x${inner}`, gi, wi, 0, 0);
    }
  }

  {
    // clamp, axpy
    const x = f32(1031, -3, 3);
    x[5] = NaN;
    const want = new Float32Array(x.length),
      out = f32(x.length);
    jsKernels.clamp(x, -1, 0.5, want);
    K.clamp(x, -1, 0.5, out);
    close("clamp", out, want, 0, 0);
    const y = f32(1031),
      yWant = copy(y);
    jsKernels.axpy(-0.3, x, yWant);
    K.axpy(-0.3, x, y);
    close("axpy", y, yWant, 0, 0);
  }

  // softmax / log-softmax and their backward, along the last and a middle axis.
  for (const log of [false, true]) {
    for (const [outer, size, inner] of [
      [9, 10, 1],
      [2, 7, 3],
    ]) {
      const n = outer * size * inner,
        x = f32(n, -8, 8);
      const want = new Float32Array(n),
        out = f32(n);
      jsKernels.softmax(x, outer, size, inner, want, log);
      K.softmax(x, outer, size, inner, out, log);
      close(`softmax log=${log} ${outer}x${size}x${inner}`, out, want, 2e-7, 1e-8);
      const dy = f32(n),
        dxWant = new Float32Array(n),
        dx = f32(n);
      jsKernels.softmaxBackward(want, dy, outer, size, inner, dxWant, log);
      K.softmaxBackward(want, dy, outer, size, inner, dx, log);
      close(`softmaxBackward log=${log}`, dx, dxWant, 2e-7, 1e-7);
    }
  }

  // permute (f32 and i32), gatherRows, scatterAddRows with repeated rows.
  for (const [shape, perm] of [
    [
      [3, 4],
      [1, 0],
    ],
    [
      [2, 3, 5],
      [2, 0, 1],
    ],
    [
      [2, 3, 4, 5],
      [0, 2, 3, 1],
    ],
    [[7], [0]],
  ] as Array<[number[], number[]]>) {
    const n = shape.reduce((p, q) => p * q, 1);
    const x = f32(n),
      want = new Float32Array(n),
      out = f32(n);
    jsKernels.permute(x, shape, perm, want);
    K.permute(x, shape, perm, out);
    close(`permute ${JSON.stringify(shape)} ${JSON.stringify(perm)}`, out, want, 0, 0);
    const xi = i32(n, 1000),
      wi = new Int32Array(n),
      oi = i32(n, 1);
    jsKernels.permute(xi, shape, perm, wi);
    K.permute(xi, shape, perm, oi);
    close(`permute int32 ${JSON.stringify(shape)}`, oi, wi, 0, 0);
  }
  {
    const rows = 10,
      rowSize = 7,
      x = f32(rows * rowSize),
      idx = i32(23, rows);
    const want = new Float32Array(23 * rowSize),
      out = f32(23 * rowSize);
    jsKernels.gatherRows(x, idx, rowSize, want);
    K.gatherRows(x, idx, rowSize, out);
    close("gatherRows", out, want, 0, 0);
    const dy = f32(23 * rowSize),
      dx = f32(rows * rowSize),
      dxWant = copy(dx);
    jsKernels.scatterAddRows(dy, idx, rowSize, dxWant);
    K.scatterAddRows(dy, idx, rowSize, dx);
    close("scatterAddRows", dx, dxWant, 0, 0);
  }

  // torch.gather along a middle axis and its scatter-add backward, float32 and int32, repeated indices.
  for (const [outer, size, inner, indexSize] of [
    [3, 5, 4, 6],
    [1, 10, 1, 23],
    [2, 1, 7, 3],
  ]) {
    const x = f32(outer * size * inner),
      index = i32(outer * indexSize * inner, size);
    const want = new Float32Array(index.length),
      out = f32(index.length);
    jsKernels.gatherAlong(x, index, outer, size, inner, indexSize, want);
    K.gatherAlong(x, index, outer, size, inner, indexSize, out);
    close(`gatherAlong ${outer}x${size}x${inner} by ${indexSize}`, out, want, 0, 0);
    const xi = i32(x.length, 1000),
      wi = new Int32Array(index.length),
      oi = i32(index.length, 1);
    jsKernels.gatherAlong(xi, index, outer, size, inner, indexSize, wi);
    K.gatherAlong(xi, index, outer, size, inner, indexSize, oi);
    close(`gatherAlong int32 ${outer}x${size}x${inner}`, oi, wi, 0, 0);
    const dy = f32(index.length),
      dx = f32(x.length),
      dxWant = copy(dx);
    jsKernels.scatterAddAlong(dy, index, outer, size, inner, indexSize, dxWant);
    K.scatterAddAlong(dy, index, outer, size, inner, indexSize, dx);
    close(`scatterAddAlong ${outer}x${size}x${inner} by ${indexSize}`, dx, dxWant, 1e-6, 1e-7);
  }
  {
    const bad = i32(4, 3);
    bad[2] = 3;
    for (const [name, run] of [
      ["gatherAlong", (k: Kernels) => k.gatherAlong(f32(3), bad, 1, 3, 1, 4, f32(4))],
      ["scatterAddAlong", (k: Kernels) => k.scatterAddAlong(f32(4), bad, 1, 3, 1, 4, f32(3))],
    ] as const) {
      let msgW = "",
        msg = "";
      try {
        run(jsKernels);
      } catch (e) {
        msgW = (e as Error).message;
      }
      try {
        run(K);
      } catch (e) {
        msg = (e as Error).message;
      }
      if (!msgW || msg !== msgW) fails.push(`${name} bounds error: "${msg}" vs "${msgW}"`);
    }
  }

  // pad (every mode, negative pads, int32 constant fill) and its scatter-add backward; upsample
  // (nearest, bilinear both alignCorners, 1-D linear, scale factors) and backward; where
  // (broadcast three ways, float and int conditions, ±inf/NaN carried); tril/triu.
  const size = (s: readonly number[]): number => s.reduce((p, q) => p * q, 1);
  const padCases: Array<[PadMode, number[], number[]]> = [
    ["constant", [2, 3, 7, 6], [0, 0, 0, 0, 0, 1, 1, 2]],
    ["constant", [5, 9], [-1, 2, 3, -2]],
    ["constant", [300, 7, 40], [0, 0, 2, 2, 3, 3]],
    ["reflect", [2, 3, 7, 6], [0, 0, 0, 0, 2, 1, 1, 1]],
    ["reflect", [4, 11], [0, 0, -2, 5]],
    ["reflect", [2, 2, 3, 4, 5], [0, 0, 0, 0, 2, 2, 1, 2, 3, 4]],
    ["replicate", [2, 3, 5, 6], [0, 0, 0, 0, 4, 1, 0, 7]],
    ["replicate", [64, 16, 70], [0, 0, 0, 0, 3, 3]],
    ["circular", [2, 3, 5, 6], [0, 0, 0, 0, 5, 1, 2, 6]],
    ["circular", [3, 8], [0, 0, -2, 3]],
  ];
  for (const [mode, shape, pads] of padCases) {
    const outShape = padShape(shape, pads),
      label = `pad ${mode} ${JSON.stringify(shape)} ${JSON.stringify(pads)}`;
    const x = f32(size(shape)),
      want = new Float32Array(size(outShape)),
      out = f32(size(outShape));
    jsKernels.pad(mode, x, shape, pads, 0.5, want);
    K.pad(mode, x, shape, pads, 0.5, out);
    close(label, out, want, 0, 0);
    const dy = f32(size(outShape)),
      dxWant = new Float32Array(x.length),
      dx = f32(x.length);
    jsKernels.padBackward(mode, dy, shape, pads, dxWant);
    K.padBackward(mode, dy, shape, pads, dx);
    close(`${label} backward`, dx, dxWant, 0, 0);
    if (mode === "constant") {
      const xi = i32(x.length, 1000),
        wi = new Int32Array(out.length),
        oi = i32(out.length, 1);
      jsKernels.pad(mode, xi, shape, pads, -7, wi);
      K.pad(mode, xi, shape, pads, -7, oi);
      close(`${label} int32`, oi, wi, 0, 0);
    }
  }
  const upCases: UpsampleArgs[] = [
    { mode: "nearest", planes: 6, inH: 7, inW: 6, outH: 14, outW: 12, alignCorners: false, scaleH: 2, scaleW: 2 },
    { mode: "nearest", planes: 3, inH: 5, inW: 9, outH: 8, outW: 4, alignCorners: false, scaleH: null, scaleW: null },
    { mode: "nearest", planes: 1, inH: 1, inW: 10, outH: 1, outW: 33, alignCorners: false, scaleH: null, scaleW: 3.3 },
    { mode: "linear", planes: 6, inH: 7, inW: 6, outH: 10, outW: 8, alignCorners: false, scaleH: null, scaleW: null },
    { mode: "linear", planes: 4, inH: 5, inW: 6, outH: 9, outW: 13, alignCorners: true, scaleH: null, scaleW: null },
    { mode: "linear", planes: 2, inH: 8, inW: 9, outH: 4, outW: 3, alignCorners: false, scaleH: 0.5, scaleW: 0.4 },
    { mode: "linear", planes: 64, inH: 28, inW: 28, outH: 56, outW: 56, alignCorners: false, scaleH: 2, scaleW: 2 },
    {
      mode: "linear",
      planes: 5,
      inH: 1,
      inW: 7,
      outH: 1,
      outW: 17,
      alignCorners: false,
      scaleH: null,
      scaleW: null,
      rows1d: true,
    },
  ];
  for (const a of upCases) {
    const sizes = `${a.planes}x${a.inH}x${a.inW} -> ${a.outH}x${a.outW}`;
    const label = `upsample ${a.mode}${a.rows1d ? " 1-D" : ""} ${sizes} ac=${a.alignCorners}`;
    const x = f32(a.planes * a.inH * a.inW),
      n = a.planes * a.outH * a.outW;
    const want = new Float32Array(n),
      out = f32(n);
    jsKernels.upsample(a, x, want);
    K.upsample(a, x, out);
    close(label, out, want, 1e-6, 1e-7);
    const dy = f32(n),
      dxWant = new Float32Array(x.length),
      dx = f32(x.length);
    jsKernels.upsampleBackward(a, dy, dxWant);
    K.upsampleBackward(a, dy, dx);
    close(`${label} backward`, dx, dxWant, 1e-6, 1e-6);
  }
  const whereShapes: Array<[number[], number[], number[]]> = [
    [[1031], [1031], [1031]],
    [[1031], [], [1031]],
    [
      [7, 1],
      [1, 9],
      [7, 9],
    ],
    [[5, 5], [2, 3, 5, 5], []],
    [
      [3, 1, 4],
      [2, 1, 1, 1],
      [1, 5, 4],
    ],
    [[], [], []],
    [[80000], [80000], []],
  ];
  for (const [cs, as, bs] of whereShapes) {
    const os = [cs, as, bs].reduce((p, q) => {
      const r = Math.max(p.length, q.length);
      return Array.from({ length: r }, (_, i) => Math.max(p[i - (r - p.length)] ?? 1, q[i - (r - q.length)] ?? 1));
    }, [] as number[]);
    const ci = i32(size(cs), 2),
      cf = f32(size(cs), 0, 1).map((v) => (v < 0.5 ? 0 : v)) as Float32Array;
    if (cf.length > 3) {
      cf[0] = NaN;
      cf[1] = -0;
    }
    const a = f32(size(as)),
      b = f32(size(bs));
    if (a.length > 2) {
      a[0] = -Infinity;
      a[1] = NaN;
    }
    if (b.length > 2) {
      b[1] = Infinity;
    }
    for (const [kind, cond] of [
      ["int32", ci],
      ["float32", cf],
    ] as const) {
      const want = new Float32Array(size(os)),
        out = f32(size(os));
      jsKernels.where(cond, cs, a, as, b, bs, want, os);
      K.where(cond, cs, a, as, b, bs, out, os);
      close(`where ${kind} cond ${JSON.stringify(cs)} ${JSON.stringify(as)} ${JSON.stringify(bs)}`, out, want, 0, 0);
    }
    const ai = i32(size(as), 50),
      bi = i32(size(bs), 50),
      wi = new Int32Array(size(os)),
      oi = i32(size(os), 1);
    jsKernels.where(ci, cs, ai, as, bi, bs, wi, os);
    K.where(ci, cs, ai, as, bi, bs, oi, os);
    close(`where int32 values ${JSON.stringify(os)}`, oi, wi, 0, 0);
  }
  for (const [batch, rows, cols] of [
    [2, 7, 7],
    [3, 4, 9],
    [1, 9, 4],
  ]) {
    for (const diagonal of [0, 1, -2, 20, -20]) {
      for (const upper of [false, true]) {
        const x = f32(batch * rows * cols);
        x[0] = Infinity;
        x[x.length - 1] = NaN;
        const want = new Float32Array(x.length),
          out = f32(x.length);
        jsKernels.triangle(x, batch, rows, cols, diagonal, upper, want);
        K.triangle(x, batch, rows, cols, diagonal, upper, out);
        close(`${upper ? "triu" : "tril"} ${batch}x${rows}x${cols} diagonal ${diagonal}`, out, want, 0, 0);
      }
    }
  }

  // storage: fill, block copies (narrow/cat's pattern) in both dtypes, casts both ways.
  {
    const src = f32(60),
      dst = f32(80),
      want = copy(dst);
    jsKernels.copyBlocks(src, 3, 10, want, 5, 15, 7, 5);
    K.copyBlocks(src, 3, 10, dst, 5, 15, 7, 5);
    close("copyBlocks", dst, want, 0, 0);
    const si = i32(60, 99),
      di = i32(80, 1),
      wi = copy(di);
    jsKernels.copyBlocks(si, 0, 12, wi, 1, 16, 12, 5);
    K.copyBlocks(si, 0, 12, di, 1, 16, 12, 5);
    close("copyBlocks int32", di, wi, 0, 0);
    const filled = f32(37);
    K.fill(filled, -2.5);
    close("fill", filled, new Float32Array(37).fill(-2.5), 0, 0);
    const x = f32(41, -9, 9);
    x[3] = -0.5;
    const ci = i32(41, 1),
      cw = new Int32Array(41);
    jsKernels.cast(x, cw);
    K.cast(x, ci);
    close("cast float32 -> int32", ci, cw, 0, 0);
    const back = f32(41),
      backW = new Float32Array(41);
    jsKernels.cast(cw, backW);
    K.cast(ci, back);
    close("cast int32 -> float32", back, backW, 0, 0);
  }

  // cross-entropy with label smoothing and an ignored row; the bounds error message.
  for (const eps of [0, 0.1]) {
    const n = 9,
      c = 10,
      logits = f32(n * c, -5, 5),
      target = i32(n, c);
    target[3] = -100;
    const lossW = new Float32Array(n),
      lpW = new Float32Array(n * c),
      loss = f32(n),
      lp = f32(n * c);
    jsKernels.crossEntropyForward(logits, target, n, c, eps, -100, lossW, lpW);
    K.crossEntropyForward(logits, target, n, c, eps, -100, loss, lp);
    close(`crossEntropyForward eps=${eps}`, loss, lossW, 2e-7, 1e-7);
    close(`crossEntropyForward logProbs eps=${eps}`, lp, lpW, 2e-7, 1e-7);
    const rg = f32(n),
      dW = new Float32Array(n * c),
      d = f32(n * c);
    jsKernels.crossEntropyBackward(lpW, target, n, c, eps, -100, rg, dW);
    K.crossEntropyBackward(lpW, target, n, c, eps, -100, rg, d);
    close(`crossEntropyBackward eps=${eps}`, d, dW, 2e-7, 1e-8);
  }
  {
    const bad = i32(2, 1);
    bad[1] = 12;
    let msgW = "",
      msg = "";
    try {
      jsKernels.crossEntropyForward(f32(20), bad, 2, 10, 0, -100, new Float32Array(2), new Float32Array(20));
    } catch (e) {
      msgW = (e as Error).message;
    }
    try {
      K.crossEntropyForward(f32(20), bad, 2, 10, 0, -100, f32(2), f32(20));
    } catch (e) {
      msg = (e as Error).message;
    }
    if (!msg || msg !== msgW) fails.push(`crossEntropyForward bounds error: "${msg}" vs "${msgW}"`);
  }

  // convolutions: stride 1 (the implicit GEMM) and strided (im2col / col2im), dilation, asymmetric
  // padding ("same" with an even kernel), padding wider than the kernel's reach, groups, depthwise,
  // 1×1, rows not a multiple of the tiles, a 1-D conv, and batches big enough to be split across threads.
  const convs: Array<[string, ConvGeometry]> = [
    ["3x3 pad 1", convGeometry(3, 3, 7, 6, 5, 3, 3, [1, 1], [1, 1], [1, 1], [1, 1], 1)],
    ["LeNet conv1", convGeometry(9, 1, 28, 28, 6, 5, 5, [1, 1], [2, 2], [2, 2], [1, 1], 1)],
    ["LeNet conv2", convGeometry(5, 6, 14, 14, 16, 5, 5, [1, 1], [0, 0], [0, 0], [1, 1], 1)],
    ["stride 2 pad 1", convGeometry(4, 3, 9, 8, 7, 3, 3, [2, 2], [1, 1], [1, 1], [1, 1], 1)],
    ["stride 1x3 rect", convGeometry(2, 2, 6, 11, 3, 2, 4, [1, 3], [0, 2], [0, 2], [1, 1], 1)],
    ["dilation 2 same", convGeometry(2, 4, 7, 6, 5, 3, 3, [1, 1], [2, 2], [2, 2], [2, 2], 1)],
    ["same even kernel", convGeometry(2, 3, 5, 6, 2, 4, 2, [1, 1], [1, 0], [2, 1], [1, 1], 1)],
    ["pad beyond reach", convGeometry(2, 2, 3, 4, 3, 1, 1, [1, 1], [2, 1], [2, 1], [1, 1], 1)],
    ["groups 2 strided", convGeometry(3, 4, 8, 7, 6, 3, 2, [2, 1], [1, 0], [1, 0], [1, 2], 2)],
    ["depthwise", convGeometry(2, 5, 6, 6, 5, 3, 3, [1, 1], [1, 1], [1, 1], [1, 1], 5)],
    ["depthwise wide dilated", convGeometry(3, 4, 12, 13, 4, 3, 2, [1, 1], [2, 1], [2, 1], [2, 1], 4)],
    ["depthwise strided", convGeometry(2, 3, 9, 11, 3, 3, 3, [2, 1], [1, 1], [1, 1], [1, 1], 3)],
    ["depthwise stride 2", convGeometry(2, 3, 9, 11, 3, 3, 3, [2, 2], [1, 1], [1, 1], [1, 1], 3)],
    ["depthwise multiplier 2", convGeometry(2, 3, 7, 9, 6, 3, 3, [1, 1], [1, 1], [1, 1], [1, 1], 3)],
    ["1x1", convGeometry(3, 9, 5, 5, 10, 1, 1, [1, 1], [0, 0], [0, 0], [1, 1], 1)],
    ["1x1 stride 2", convGeometry(3, 9, 6, 5, 10, 1, 1, [2, 2], [0, 0], [0, 0], [1, 1], 1)],
    ["1-D dilated", convGeometry(4, 3, 1, 19, 4, 1, 3, [1, 1], [0, 2], [0, 2], [1, 2], 1)],
    ["ResNet block", convGeometry(3, 32, 14, 14, 32, 3, 3, [1, 1], [1, 1], [1, 1], [1, 1], 1)],
  ];
  for (const [name, g] of convs) {
    const cig = g.cIn / g.groups,
      kSize = cig * g.kH * g.kW;
    const nx = g.n * g.cIn * g.h * g.w,
      ny = g.n * g.cOut * g.hOut * g.wOut,
      nw = g.cOut * kSize;
    const x = f32(nx),
      w = f32(nw),
      bias = f32(g.cOut),
      dy = f32(ny);
    const tol = 1e-6 * (kSize + 1) * 4 + 1e-6 * 4;
    for (const [b, relu] of [
      [bias, false],
      [null, true],
    ] as const) {
      const want = new Float32Array(ny),
        out = f32(ny);
      out.fill(NaN); // overwritten, never read
      jsKernels.conv2dForward(x, w, b, want, g, relu);
      K.conv2dForward(x, w, b, out, g, relu);
      close(`conv2dForward ${name}${b ? " +bias" : ""}${relu ? " relu" : ""}`, out, want, 0, tol);
    }
    const dxWant = new Float32Array(nx),
      dx = f32(nx);
    dx.fill(NaN);
    jsKernels.conv2dBackwardInput(dy, w, dxWant, g);
    K.conv2dBackwardInput(dy, w, dx, g);
    close(`conv2dBackwardInput ${name}`, dx, dxWant, 0, 1e-6 * (g.cOut * g.kH * g.kW + 1) * 4 + 4e-6);
    const dTol = 1e-6 * (g.n * g.hOut * g.wOut + 1) * 4 + 4e-6;
    for (const beta of [0, 1]) {
      const dw = f32(nw),
        db = f32(g.cOut);
      if (beta === 0) {
        dw.fill(NaN);
        db.fill(NaN);
      }
      const dwWant = copy(dw),
        dbWant = copy(db);
      jsKernels.conv2dBackwardWeight(x, dy, dwWant, dbWant, g, beta);
      K.conv2dBackwardWeight(x, dy, dw, db, g, beta);
      close(`conv2dBackwardWeight ${name} beta=${beta}`, dw, dwWant, 0, dTol);
      close(`conv2dBackwardWeight bias ${name} beta=${beta}`, db, dbWant, 0, dTol);
    }
    const dwOnly = f32(nw),
      dwOnlyWant = copy(dwOnly),
      dbOnly = f32(g.cOut),
      dbOnlyWant = copy(dbOnly);
    jsKernels.conv2dBackwardWeight(x, dy, dwOnlyWant, null, g, 1);
    K.conv2dBackwardWeight(x, dy, dwOnly, null, g, 1);
    jsKernels.conv2dBackwardWeight(x, dy, null, dbOnlyWant, g, 0, 0.5);
    K.conv2dBackwardWeight(x, dy, null, dbOnly, g, 0, 0.5);
    close(`conv2dBackwardWeight ${name} weight only`, dwOnly, dwOnlyWant, 0, dTol);
    close(`conv2dBackwardWeight ${name} bias only`, dbOnly, dbOnlyWant, 0, dTol);
  }

  // pooling: max (values and argmax indices, a NaN), average (padding, ceil-mode windows, countIncludePad,
  // divisorOverride) and adaptive average, forward and backward; plane counts that split across threads.
  const pools: Array<[number, number, number, PoolWindow]> = [
    [6, 7, 6, { kH: 2, kW: 2, sH: 2, sW: 2, pH: 0, pW: 0, dH: 1, dW: 1, outH: 3, outW: 3 }],
    [6, 7, 6, { kH: 3, kW: 3, sH: 2, sW: 2, pH: 1, pW: 1, dH: 1, dW: 1, outH: 4, outW: 3 }],
    [5, 7, 6, { kH: 2, kW: 2, sH: 2, sW: 2, pH: 0, pW: 0, dH: 1, dW: 1, outH: 4, outW: 3 }], // ceil mode
    [3, 9, 8, { kH: 3, kW: 2, sH: 1, sW: 3, pH: 1, pW: 1, dH: 2, dW: 1, outH: 7, outW: 3 }], // dilation (max only)
    [4, 1, 10, { kH: 1, kW: 3, sH: 1, sW: 2, pH: 0, pW: 1, dH: 1, dW: 1, outH: 1, outW: 5 }], // 1-D
    [384, 28, 28, { kH: 2, kW: 2, sH: 2, sW: 2, pH: 0, pW: 0, dH: 1, dW: 1, outH: 14, outW: 14 }], // LeNet's, threaded
  ];
  for (const [planes, h, w, p] of pools) {
    const tag = `${planes}x${h}x${w} k${p.kH}x${p.kW} s${p.sH}x${p.sW} p${p.pH}x${p.pW} d${p.dH}x${p.dW}`;
    const x = f32(planes * h * w),
      outN = planes * p.outH * p.outW;
    x[Math.min(5, x.length - 1)] = NaN;
    const want = new Float32Array(outN),
      out = f32(outN),
      wi = new Int32Array(outN),
      gi = i32(outN, 1);
    jsKernels.maxPool2d(x, planes, h, w, p, want, wi);
    K.maxPool2d(x, planes, h, w, p, out, gi);
    close(`maxPool2d ${tag}`, out, want, 0, 0);
    close(`maxPool2d indices ${tag}`, gi, wi, 0, 0);
    if (p.dH !== 1 || p.dW !== 1) continue;
    x[Math.min(5, x.length - 1)] = 0.5;
    for (const [countIncludePad, divisor] of [
      [true, 0],
      [false, 0],
      [true, 5],
    ] as const) {
      const avgW = new Float32Array(outN),
        avg = f32(outN);
      jsKernels.avgPool2d(x, planes, h, w, p, countIncludePad, divisor, avgW);
      K.avgPool2d(x, planes, h, w, p, countIncludePad, divisor, avg);
      close(`avgPool2d ${tag} includePad=${countIncludePad} divisor=${divisor}`, avg, avgW, 2e-7, 1e-7);
      const dy = f32(outN),
        dxW = new Float32Array(planes * h * w),
        dx = f32(planes * h * w);
      jsKernels.avgPool2dBackward(dy, planes, h, w, p, countIncludePad, divisor, dxW);
      K.avgPool2dBackward(dy, planes, h, w, p, countIncludePad, divisor, dx);
      close(`avgPool2dBackward ${tag} includePad=${countIncludePad} divisor=${divisor}`, dx, dxW, 1e-6, 1e-7);
    }
  }
  const adaptive = [
    [6, 7, 6, 1, 1],
    [6, 7, 6, 2, 3],
    [5, 5, 7, 3, 4],
    [2, 3, 2, 5, 4],
    [512, 14, 14, 4, 4],
  ];
  for (const [planes, h, w, oh, ow] of adaptive) {
    const x = f32(planes * h * w),
      outN = planes * oh * ow;
    const want = new Float32Array(outN),
      out = f32(outN);
    jsKernels.adaptiveAvgPool2d(x, planes, h, w, oh, ow, want);
    K.adaptiveAvgPool2d(x, planes, h, w, oh, ow, out);
    close(`adaptiveAvgPool2d ${planes}x${h}x${w} → ${oh}x${ow}`, out, want, 2e-7, 1e-7);
    const dy = f32(outN),
      dxW = new Float32Array(planes * h * w),
      dx = f32(planes * h * w);
    jsKernels.adaptiveAvgPool2dBackward(dy, planes, h, w, oh, ow, dxW);
    K.adaptiveAvgPool2dBackward(dy, planes, h, w, oh, ow, dx);
    close(`adaptiveAvgPool2dBackward ${planes}x${h}x${w} → ${oh}x${ow}`, dx, dxW, 1e-6, 1e-7);
  }

  // LayerNorm: with and without affine, rows too short and long for SIMD, a big call split across threads.
  const layerNorms = [
    [5, 6, true],
    [3, 42, false],
    [7, 1, true],
    [9, 13, true],
    [256, 784, true],
  ] as const;
  for (const [rows, d, affine] of layerNorms) {
    const n = rows * d,
      x = f32(n, -3, 5),
      w = affine ? f32(d) : null,
      b = affine ? f32(d) : null;
    const want = new Float32Array(n),
      mW = new Float32Array(rows),
      rW = new Float32Array(rows);
    const out = f32(n),
      m = f32(rows),
      r = f32(rows);
    jsKernels.layerNormForward({ x, rows, d, weight: w, bias: b, eps: 1e-5, out: want, mean: mW, rstd: rW });
    K.layerNormForward({ x, rows, d, weight: w, bias: b, eps: 1e-5, out, mean: m, rstd: r });
    const tag = `${rows}x${d}${affine ? " affine" : ""}`;
    close(`layerNormForward ${tag}`, out, want, 1e-6, 1e-6);
    close(`layerNormForward mean ${tag}`, m, mW, 1e-6, 1e-7);
    close(`layerNormForward rstd ${tag}`, r, rW, 1e-6, 1e-7);
    const dy = f32(n),
      dxW = new Float32Array(n),
      dx = f32(n);
    const dwW = affine ? new Float32Array(d) : null,
      dbW = affine ? new Float32Array(d) : null;
    const dw = affine ? f32(d) : null,
      db = affine ? f32(d) : null;
    jsKernels.layerNormBackward({ x, dy, mean: mW, rstd: rW, weight: w, rows, d, dx: dxW, dweight: dwW, dbias: dbW });
    K.layerNormBackward({ x, dy, mean: mW, rstd: rW, weight: w, rows, d, dx, dweight: dw, dbias: db });
    // dx is a difference of O(1) terms: compare on the scale of dy.
    close(`layerNormBackward dx ${tag}`, dx, dxW, 0, 2e-6);
    if (dw && dwW && db && dbW) {
      close(`layerNormBackward dweight ${tag}`, dw, dwW, 1e-5, 1e-5 * Math.sqrt(rows));
      close(`layerNormBackward dbias ${tag}`, db, dbW, 1e-5, 1e-5 * Math.sqrt(rows));
    }
  }

  // BatchNorm over (n, c, l): training (running stats updated) and eval, with and without affine,
  // l = 1 (BatchNorm1d on (N, C)), odd l, and a BatchNorm2d-sized call split across threads.
  for (const [n, c, l] of [
    [6, 3, 1],
    [4, 5, 7],
    [2, 3, 42],
    [64, 16, 196],
  ]) {
    for (const [training, affine] of [
      [true, true],
      [true, false],
      [false, true],
    ] as const) {
      const size = n * c * l,
        x = f32(size, -2, 4),
        w = affine ? f32(c) : null,
        b = affine ? f32(c) : null;
      const rm = f32(c),
        rv = f32(c, 0.5, 2),
        rmW = copy(rm),
        rvW = copy(rv);
      const want = new Float32Array(size),
        mW = new Float32Array(c),
        rW = new Float32Array(c);
      const out = f32(size),
        m = f32(c),
        r = f32(c);
      const common = { x, n, c, l, weight: w, bias: b, training, momentum: 0.1, eps: 1e-5 };
      jsKernels.batchNormForward({ ...common, runningMean: rmW, runningVar: rvW, out: want, mean: mW, rstd: rW });
      K.batchNormForward({ ...common, runningMean: rm, runningVar: rv, out, mean: m, rstd: r });
      const tag = `${n}x${c}x${l} training=${training} affine=${affine}`;
      close(`batchNormForward ${tag}`, out, want, 1e-6, 1e-6);
      close(`batchNormForward mean ${tag}`, m, mW, 1e-6, 1e-7);
      close(`batchNormForward rstd ${tag}`, r, rW, 1e-6, 1e-7);
      close(`batchNormForward running mean ${tag}`, rm, rmW, 1e-6, 1e-7);
      close(`batchNormForward running var ${tag}`, rv, rvW, 1e-6, 1e-7);
      const dy = f32(size),
        dxW = new Float32Array(size),
        dx = f32(size);
      const dwW = new Float32Array(c),
        dbW = new Float32Array(c),
        dw = f32(c),
        db = f32(c);
      const back = { x, dy, mean: mW, rstd: rW, weight: w, n, c, l, training };
      jsKernels.batchNormBackward({ ...back, dx: dxW, dweight: dwW, dbias: dbW });
      K.batchNormBackward({ ...back, dx, dweight: dw, dbias: db });
      close(`batchNormBackward dx ${tag}`, dx, dxW, 0, 2e-6);
      close(`batchNormBackward dweight ${tag}`, dw, dwW, 1e-5, 1e-5 * Math.sqrt(n * l));
      close(`batchNormBackward dbias ${tag}`, db, dbW, 1e-5, 1e-5 * Math.sqrt(n * l));
      // Only the statistics' gradients (a frozen input): dx may be null.
      const dwOnly = f32(c);
      K.batchNormBackward({ ...back, dx: null, dweight: dwOnly, dbias: null });
      close(`batchNormBackward dweight only ${tag}`, dwOnly, dwW, 1e-5, 1e-5 * Math.sqrt(n * l));
    }
  }

  // optimizers: several steps of each variant. wasm updates in float32 SIMD (like PyTorch), the
  // reference in float64 rounded on store: they agree to a few float32 ulps.
  const sgdVariants = [
    { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false },
    { momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 1e-2, maximize: false },
    { momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0, maximize: true },
  ];
  for (const v of sgdVariants) {
    const n = 1031,
      p = f32(n),
      pW = copy(p),
      buf = v.momentum ? f32(n) : null,
      bufW = buf ? copy(buf) : null;
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
    const ps = sizes.map((n) => f32(n)),
      pWs = ps.map(copy);
    const bufs = sizes.map((n, i) => (i === 2 ? null : f32(n))),
      bufWs = bufs.map((b) => (b ? copy(b) : null));
    for (let step = 0; step < 2; step++) {
      const gs = sizes.map((n) => f32(n));
      const args = (i: number, param: Float32Array, momentumBuffer: Float32Array | null) => ({
        param,
        grad: gs[i],
        momentumBuffer,
        ...sgdVariants[i % 3],
        momentum: momentumBuffer ? 0.9 : 0,
        lr: 0.05 * (i + 1),
        firstStep: step === 0 && i !== 1,
      });
      jsKernels.sgdSteps(sizes.map((_, i) => args(i, pWs[i], bufWs[i])));
      K.sgdSteps(sizes.map((_, i) => args(i, ps[i], bufs[i])));
    }
    ps.forEach((p, i) => close(`sgdSteps list #${i}`, p, pWs[i], 1e-6, 2e-6));
    bufs.forEach((b, i) => {
      if (b) close(`sgdSteps list buffer #${i}`, b, bufWs[i]!, 1e-6, 2e-6);
    });
  }
  for (const v of [
    { weightDecay: 0, decoupled: false, maximize: false, amsgrad: false },
    { weightDecay: 0.01, decoupled: false, maximize: true, amsgrad: true },
    { weightDecay: 0.01, decoupled: true, maximize: false, amsgrad: false },
  ]) {
    const n = 1031,
      p = f32(n),
      pW = copy(p),
      m = f32(n, 0, 0),
      mW = copy(m),
      s = f32(n, 0, 0),
      sW = copy(s);
    const mx = v.amsgrad ? f32(n, 0, 0) : null,
      mxW = mx ? copy(mx) : null;
    for (let step = 1; step <= 3; step++) {
      const g = f32(n);
      const h = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step, ...v };
      jsKernels.adamSteps([{ param: pW, grad: g, expAvg: mW, expAvgSq: sW, maxExpAvgSq: mxW, ...h }]);
      K.adamSteps([{ param: p, grad: g, expAvg: m, expAvgSq: s, maxExpAvgSq: mx, ...h }]);
    }
    close(`adamSteps ${JSON.stringify(v)}`, p, pW, 1e-6, 2e-6);
    close(`adamSteps expAvgSq ${JSON.stringify(v)}`, s, sW, 1e-6, 2e-6);
    if (mx && mxW) close(`adamSteps maxExpAvgSq ${JSON.stringify(v)}`, mx, mxW, 1e-6, 2e-6);
  }
  {
    // A group in one call, big enough to be shared across threads, per-entry settings and steps.
    const sizes = [70001, 257, 3, 65537];
    const ps = sizes.map((n) => f32(n)),
      pWs = ps.map(copy);
    const ms = sizes.map((n) => f32(n, 0, 0)),
      mWs = ms.map(copy),
      vs = sizes.map((n) => f32(n, 0, 0)),
      vWs = vs.map(copy);
    for (let step = 1; step <= 2; step++) {
      const gs = sizes.map((n) => f32(n));
      const args = (i: number, param: Float32Array, expAvg: Float32Array, expAvgSq: Float32Array) => ({
        param,
        grad: gs[i],
        expAvg,
        expAvgSq,
        lr: 1e-3 * (i + 1),
        beta1: 0.9,
        beta2: 0.99,
        eps: 1e-8,
        weightDecay: i % 2 ? 0.01 : 0,
        decoupled: i === 3,
        maximize: false,
        step: step + i,
      });
      jsKernels.adamSteps(sizes.map((_, i) => args(i, pWs[i], mWs[i], vWs[i])));
      K.adamSteps(sizes.map((_, i) => args(i, ps[i], ms[i], vs[i])));
    }
    ps.forEach((p, i) => close(`adamSteps list #${i}`, p, pWs[i], 1e-6, 2e-6));
  }
  sequenceParity({ K, f32, i32, close, fails });
  return fails;
}
