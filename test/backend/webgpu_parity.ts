/**
 * Every WebGPU kernel against the JS reference on random inputs (odd sizes, offsets, broadcasting,
 * NaN/±inf), plus the machinery: pool reuse, the pipeline cache, batching, aliasing, device-side
 * index errors, float64 refusal. Returns a list of failures (empty = all good) and some facts;
 * uses no test-framework API, so the same code runs in Node (Dawn) and in Chromium.
 *
 * Tolerances: where WebGPU computes what the reference computes in float64 and rounds once, the
 * GPU's float32 result may differ by a few ULP; each tolerance below says why. Data movement,
 * comparisons, max/min, +, −, ×, casts and the scatter-adds (which add in the reference's order)
 * must match exactly.
 */
import { jsKernels } from "../../src/backend/js/index.js";
import type { BinaryOp, UnaryOp } from "../../src/backend/kernels.js";
import { Binary, Unary } from "../../src/backend/opcodes.js";
import type { GpuContext } from "../../src/backend/webgpu/context.js";
import { type GpuKernels, webgpuKernels } from "../../src/backend/webgpu/index.js";
import type { GpuStorage } from "../../src/backend/webgpu/storage.js";
import { nnParity } from "./webgpu_parity_nn.js";

const namesOf = <T extends string>(e: object): T[] => Object.keys(e).filter((k) => Number.isNaN(Number(k))) as T[];
const UNARY = namesOf<UnaryOp>(Unary);
const BINARY = namesOf<BinaryOp>(Binary);
/**
 * Kernels of the reference the WebGPU backend does not have (checked both ways): the fused attention
 * pair, which the attention ops call only on the CPU backends (src/backend/webgpu/kernels/common.ts, HostOnly).
 */
export const NOT_ON_WEBGPU: string[] = ["attentionForward", "attentionBackward"];
const ULP = 2 ** -23;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** erfc(z) for z ≥ 3 in float64: Lentz's continued fraction (converges fast there). */
function erfcLarge(z: number): number {
  let f = z,
    C = z,
    D = 0;
  for (let k = 1; k < 300; k++) {
    D = 1 / (z + (k / 2) * D);
    C = z + k / 2 / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-z * z) / (f * Math.sqrt(Math.PI));
}

export interface GpuParityResult {
  failures: string[];
  facts: Record<string, unknown>;
}

export async function runGpuParity(ctx: GpuContext, seed = 1): Promise<GpuParityResult> {
  // Kernels not on WebGPU yet are listed in NOT_ON_WEBGPU (checked below); the rest are called directly.
  const K = webgpuKernels(ctx) as GpuKernels;
  const fails: string[] = [];
  const facts: Record<string, unknown> = {};
  const rand = rng(seed);
  const f32 = (n: number, lo = -2, hi = 2): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rand();
    return a;
  };
  const i32 = (n: number, hi: number): Int32Array => {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = Math.floor(rand() * hi);
    return a;
  };
  const up = (a: Float32Array | Int32Array): GpuStorage => ctx.upload(a);
  const get = (s: GpuStorage): Promise<Float32Array | Int32Array> => ctx.read(s);
  const close = async (
    name: string,
    got: GpuStorage | ArrayLike<number>,
    want: ArrayLike<number>,
    rtol = 0,
    atol = 0,
    scale?: (i: number) => number,
  ): Promise<void> => {
    const g =
      "buffer" in got && !(got instanceof Float32Array) && !(got instanceof Int32Array)
        ? await get(got as GpuStorage)
        : (got as ArrayLike<number>);
    if (g.length !== want.length) {
      fails.push(`${name}: length ${g.length} vs ${want.length}`);
      return;
    }
    for (let i = 0; i < g.length; i++) {
      const x = g[i],
        w = want[i];
      if (
        Number.isNaN(w) ? Number.isNaN(x) : x === w || Math.abs(x - w) <= atol + rtol * (scale ? scale(i) : Math.abs(w))
      )
        continue;
      fails.push(`${name}: [${i}] got ${x}, want ${w}`);
      return;
    }
  };
  const throws = async (f: () => unknown): Promise<string> => {
    try {
      await f();
      return "";
    } catch (e) {
      return (e as Error).message;
    }
  };

  // Every reference kernel exists here, or is listed as not yet on WebGPU.
  const missing = Object.keys(jsKernels).filter((k) => !(k in K));
  if (missing.join() !== NOT_ON_WEBGPU.join())
    fails.push(`kernels missing on WebGPU: [${missing}] but NOT_ON_WEBGPU lists [${NOT_ON_WEBGPU}]`);

  // gemm: all transposes, odd sizes, offsets, alpha/beta, bias, relu; sizes crossing the 64×64×16 tiles.
  const shapes: Array<[number, number, number]> = [
    [1, 1, 1],
    [3, 5, 7],
    [13, 17, 19],
    [64, 256, 784],
    [129, 70, 300],
    [5, 2050, 3],
    [65, 9, 33],
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
          if (beta === 0) c.fill(NaN); // beta = 0 must ignore C, NaN included
          const bias = off % 2 ? f32(n + 2) : undefined;
          const args = {
            transA,
            transB,
            m,
            n,
            k,
            alpha,
            beta,
            aOffset: off,
            bOffset: off + 1,
            cOffset: off + 2,
            biasOffset: bias ? 2 : 0,
            relu: alpha === 1,
          };
          const want = c.slice();
          jsKernels.gemm({ ...args, a, b, c: want, bias });
          const cs = up(c);
          K.gemm({ ...args, a: up(a), b: up(b), c: cs, bias: bias && up(bias) });
          // float32 accumulation vs the reference's float64: error grows with k.
          await close(
            `gemm ${m}x${n}x${k} tA=${transA} tB=${transB} a=${alpha} b=${beta}${bias ? " +bias" : ""}${args.relu ? " relu" : ""}`,
            cs,
            want,
            0,
            1e-6 * (k + 1) * 4 * Math.abs(alpha) + 1e-6 * 4,
          );
        }
      }
  }
  {
    // the relu epilogue keeps NaN (PyTorch's relu propagates it), and zeroes negatives
    const a = new Float32Array([NaN, 1, -1, 1, 2, 2]),
      b = new Float32Array([1, 1]);
    const c = up(new Float32Array(3));
    K.gemm({ transA: false, transB: false, m: 3, n: 1, k: 2, a: up(a), b: up(b), c, relu: true });
    await close("gemm relu keeps NaN", c, [NaN, 0, 4]);
  }
  {
    // gemms: a layer's dX and dW in one call
    const list = [
      [false, false, 64, 256, 10, 0],
      [true, false, 10, 256, 64, 1],
    ] as const;
    const host = list.map(([transA, transB, m, n, k, beta]) => ({
      transA,
      transB,
      m,
      n,
      k,
      beta,
      a: f32(m * k),
      b: f32(k * n),
      c: f32(m * n),
    }));
    const dev = host.map((g) => ({ ...g, a: up(g.a), b: up(g.b), c: up(g.c) }));
    host.forEach((g) => jsKernels.gemm(g));
    K.gemms(dev);
    for (let i = 0; i < host.length; i++)
      await close(`gemms #${i}`, dev[i].c, host[i].c, 0, 1e-6 * (host[i].k + 1) * 4 + 4e-6);
  }

  // unary / unaryBackward for every op of the shared table, with special values. Our exp/log are
  // within an ULP; composites (tanh via expm1, sigmoid, silu, erf-based gelu) within a few.
  // leakyRelu: the slope is rounded to float32 before the product (the reference multiplies in float64).
  const uTol: Partial<Record<UnaryOp, number>> = { neg: 0, abs: 0, square: 0, relu: 0, leakyRelu: 2 * ULP };
  for (const op of UNARY) {
    for (const n of [1, 7, 1031]) {
      const x = f32(n, -6, 6);
      if (n > 6) x.set([0, -0, NaN, Infinity, -Infinity, 1e-30]);
      const want = new Float32Array(n);
      jsKernels.unary(op, x, want, 0.1);
      const xs = up(x),
        out = ctx.empty("float32", n);
      K.unary(op, xs, out, 0.1);
      const tol = uTol[op] ?? 6 * ULP;
      await close(`unary ${op} n=${n}`, out, want, tol, tol ? 1e-7 : 0);
      const dy = f32(n),
        dxWant = new Float32Array(n),
        dx = ctx.empty("float32", n);
      jsKernels.unaryBackward(op, x, want, dy, dxWant, 0.1);
      K.unaryBackward(op, xs, up(want), up(dy), dx, 0.1);
      await close(`unaryBackward ${op} n=${n}`, dx, dxWant, 8 * ULP, 1e-7);
    }
  }
  {
    // erf (through gelu) over a dense grid: the largest error in float32 ULPs of the exact value.
    // Below x = −5 the reference's 1 + erf(x/√2) cancels in float64, so there the exact value
    // comes from erfc's continued fraction instead.
    const n = 240001,
      x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = -12 + (24 * i) / (n - 1);
    const want = new Float32Array(n),
      out = ctx.empty("float32", n);
    jsKernels.unary("gelu", x, want);
    K.unary("gelu", up(x), out);
    for (let i = 0; i < n; i++) if (x[i] < -5) want[i] = 0.5 * x[i] * erfcLarge(-x[i] * Math.SQRT1_2);
    const got = await get(out);
    let worst = 0,
      at = 0;
    for (let i = 0; i < n; i++) {
      if (want[i] === 0 || Math.abs(want[i]) < 2 ** -126) continue; // denormals may flush on a GPU
      const e = Math.abs(got[i] - want[i]) / (Math.abs(want[i]) * ULP);
      if (e > worst) {
        worst = e;
        at = x[i];
      }
    }
    facts.geluMaxUlp = +worst.toFixed(2);
    facts.geluMaxUlpAt = at;
    if (!(worst <= 8)) fails.push(`gelu: ${worst.toFixed(1)} ULP from the exact value at x=${at}`);
  }

  // binary: same shape, scalars, row/column/3-D broadcasts, mixed and int32 dtypes.
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
    [
      [2, 3, 1, 2, 1, 3, 1, 2, 1, 2],
      [3, 1, 2, 1, 3, 1, 2, 1, 1],
    ],
  ];
  const bTol: Partial<Record<BinaryOp, number>> = { div: 3 * ULP, pow: 8 * ULP };
  const size = (s: number[]): number => s.reduce((p, q) => p * q, 1);
  for (const op of BINARY) {
    for (const [as, bs] of bshapes) {
      const os =
        as.length >= bs.length
          ? as.map((d, i) => Math.max(d, bs[i - (as.length - bs.length)] ?? 1))
          : bs.map((d, i) => Math.max(d, as[i - (bs.length - as.length)] ?? 1));
      const a = f32(size(as), op === "pow" ? 0.1 : -3, 3),
        b = f32(size(bs), -3, 3);
      if (op !== "pow" && a.length > 3 && b.length > 3) {
        a[0] = b[0];
        a[1] = NaN;
        b[2] = -0;
        a[2] = 0;
        b[3] = Infinity;
      }
      const want = new Float32Array(size(os)),
        out = ctx.empty("float32", want.length);
      jsKernels.binary(op, a, as, b, bs, want, os);
      K.binary(op, up(a), as, up(b), bs, out, os);
      await close(`binary ${op} ${JSON.stringify(as)}∘${JSON.stringify(bs)}`, out, want, bTol[op] ?? 0, 0);
    }
    // int32 ∘ int32 → int32 (exact), and int32 ∘ float32 → float32.
    const ai = i32(35, 20),
      bi = i32(7, 9);
    for (let i = 0; i < ai.length; i += 3) ai[i] -= 10;
    bi[1] = 0;
    bi[2] = -3;
    const wi = new Int32Array(35),
      oi = ctx.empty("int32", 35);
    jsKernels.binary(op, ai, [5, 7], bi, [7], wi, [5, 7]);
    K.binary(op, up(ai), [5, 7], up(bi), [7], oi, [5, 7]);
    await close(`binary ${op} int32`, oi, wi);
    const bf = f32(7, -3, 3),
      wf = new Float32Array(35),
      of = ctx.empty("float32", 35);
    jsKernels.binary(op, ai, [5, 7], bf, [7], wf, [5, 7]);
    K.binary(op, up(ai), [5, 7], up(bf), [7], of, [5, 7]);
    await close(`binary ${op} int32∘float32`, of, wf, bTol[op] ?? 0, op === "pow" ? 1e-6 : 0);
  }

  // reduce: rows (tree) and columns (thread per output), a NaN in a row, int32.
  for (const op of ["sum", "max", "min"] as const) {
    for (const [outer, sz, inner] of [
      [1, 1031, 1],
      [7, 5, 3],
      [4, 9, 1],
      [1, 64, 130],
      [3, 300, 1],
      [2, 20000, 1],
    ]) {
      const x = f32(outer * sz * inner);
      if (x.length > 20) x[17] = NaN;
      if (x.length > 700) {
        x[600] = x[650] = 5;
      } // ties: the first index wins
      const want = new Float32Array(outer * inner),
        wi = new Int32Array(outer * inner);
      jsKernels.reduce(op, x, outer, sz, inner, want, wi);
      const out = ctx.empty("float32", want.length),
        gi = ctx.empty("int32", want.length);
      K.reduce(op, up(x), outer, sz, inner, out, gi);
      // A sum in float32 (tree or running) vs float64: bounded by the sum of magnitudes.
      const mag = (i: number): number => {
        let s = 0;
        const o = Math.floor(i / inner),
          j = i % inner;
        for (let r = 0; r < sz; r++) s += Math.abs(x[(o * sz + r) * inner + j]);
        return s;
      };
      await close(
        `reduce ${op} ${outer}x${sz}x${inner}`,
        out,
        want,
        op === "sum" ? 4 * ULP * Math.log2(sz + 1) : 0,
        0,
        op === "sum" ? mag : undefined,
      );
      if (op !== "sum") await close(`reduce ${op} indices ${outer}x${sz}x${inner}`, gi, wi);
    }
    const xi = i32(3 * 50, 1000).map((v) => v - 500),
      wi = new Int32Array(3),
      oi = ctx.empty("int32", 3);
    jsKernels.reduce(op, xi, 3, 50, 1, wi);
    K.reduce(op, up(xi), 3, 50, 1, oi);
    await close(`reduce ${op} int32`, oi, wi);
  }

  {
    // clamp (NaN stays), axpy (alpha rounded to float32 first: within an ULP or two)
    const x = f32(1031, -3, 3);
    x[5] = NaN;
    x[6] = Infinity;
    const want = new Float32Array(x.length),
      out = ctx.empty("float32", x.length);
    jsKernels.clamp(x, -1, 0.5, want);
    K.clamp(up(x), -1, 0.5, out);
    await close("clamp", out, want);
    const y = f32(1031),
      yWant = y.slice(),
      ys = up(y);
    jsKernels.axpy(-0.3, x, yWant);
    K.axpy(-0.3, up(x), ys);
    await close("axpy", ys, yWant, 2 * ULP, 1e-7);
  }

  // softmax / log-softmax and backward along the last and a middle axis, rows longer than a workgroup.
  for (const log of [false, true]) {
    for (const [outer, sz, inner] of [
      [9, 10, 1],
      [2, 7, 3],
      [3, 1000, 1],
    ]) {
      const n = outer * sz * inner,
        x = f32(n, -8, 8);
      const want = new Float32Array(n),
        out = ctx.empty("float32", n);
      jsKernels.softmax(x, outer, sz, inner, want, log);
      K.softmax(up(x), outer, sz, inner, out, log);
      await close(`softmax log=${log} ${outer}x${sz}x${inner}`, out, want, 8 * ULP, 1e-7);
      const dy = f32(n),
        dxWant = new Float32Array(n),
        dx = ctx.empty("float32", n);
      jsKernels.softmaxBackward(want, dy, outer, sz, inner, dxWant, log);
      K.softmaxBackward(up(want), up(dy), outer, sz, inner, dx, log);
      await close(`softmaxBackward log=${log} ${outer}x${sz}x${inner}`, dx, dxWant, 8 * ULP, 1e-6);
    }
  }

  // permute (float32 and int32, collapsing dims), gatherRows, scatterAddRows with repeated rows.
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
    [
      [2, 1, 3, 2, 2, 1, 2, 3, 2, 1],
      [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ],
  ] as Array<[number[], number[]]>) {
    const n = size(shape);
    const x = f32(n),
      want = new Float32Array(n),
      out = ctx.empty("float32", n);
    jsKernels.permute(x, shape, perm, want);
    K.permute(up(x), shape, perm, out);
    await close(`permute ${JSON.stringify(shape)} ${JSON.stringify(perm)}`, out, want);
    const xi = i32(n, 1000),
      wi = new Int32Array(n),
      oi = ctx.empty("int32", n);
    jsKernels.permute(xi, shape, perm, wi);
    K.permute(up(xi), shape, perm, oi);
    await close(`permute int32 ${JSON.stringify(shape)}`, oi, wi);
  }
  {
    const rows = 10,
      rowSize = 7,
      x = f32(rows * rowSize),
      idx = i32(23, rows);
    const want = new Float32Array(23 * rowSize),
      out = ctx.empty("float32", want.length);
    jsKernels.gatherRows(x, idx, rowSize, want);
    K.gatherRows(up(x), up(idx), rowSize, out);
    await close("gatherRows", out, want);
    const dy = f32(23 * rowSize),
      dx = f32(rows * rowSize),
      dxWant = dx.slice(),
      dxs = up(dx);
    jsKernels.scatterAddRows(dy, idx, rowSize, dxWant);
    K.scatterAddRows(up(dy), up(idx), rowSize, dxs);
    await close("scatterAddRows (bit-identical: the reference's order)", dxs, dxWant);
  }
  for (const [outer, sz, inner, indexSize] of [
    [3, 5, 4, 6],
    [1, 10, 1, 23],
    [2, 1, 7, 3],
  ]) {
    const x = f32(outer * sz * inner),
      index = i32(outer * indexSize * inner, sz);
    const want = new Float32Array(index.length),
      out = ctx.empty("float32", index.length);
    jsKernels.gatherAlong(x, index, outer, sz, inner, indexSize, want);
    K.gatherAlong(up(x), up(index), outer, sz, inner, indexSize, out);
    await close(`gatherAlong ${outer}x${sz}x${inner} by ${indexSize}`, out, want);
    const xi = i32(x.length, 1000),
      wi = new Int32Array(index.length),
      oi = ctx.empty("int32", index.length);
    jsKernels.gatherAlong(xi, index, outer, sz, inner, indexSize, wi);
    K.gatherAlong(up(xi), up(index), outer, sz, inner, indexSize, oi);
    await close(`gatherAlong int32 ${outer}x${sz}x${inner}`, oi, wi);
    const dy = f32(index.length),
      dx = f32(x.length),
      dxWant = dx.slice(),
      dxs = up(dx);
    jsKernels.scatterAddAlong(dy, index, outer, sz, inner, indexSize, dxWant);
    K.scatterAddAlong(up(dy), up(index), outer, sz, inner, indexSize, dxs);
    await close(`scatterAddAlong ${outer}x${sz}x${inner} by ${indexSize} (bit-identical)`, dxs, dxWant);
  }

  // Bad indices and targets: from the host, thrown at once; from the device, thrown by the next
  // read — both with the reference's message.
  {
    const bad = new Int32Array([0, 1, 3, 2]);
    for (const [name, run] of [
      [
        "gatherAlong",
        (k: typeof jsKernels | typeof K, idx: Int32Array | GpuStorage, out: Float32Array | GpuStorage) =>
          (k.gatherAlong as (...a: unknown[]) => void)(k === jsKernels ? f32(3) : up(f32(3)), idx, 1, 3, 1, 4, out),
      ],
      [
        "scatterAddAlong",
        (k: typeof jsKernels | typeof K, idx: Int32Array | GpuStorage, out: Float32Array | GpuStorage) =>
          (k.scatterAddAlong as (...a: unknown[]) => void)(k === jsKernels ? f32(4) : up(f32(4)), idx, 1, 3, 1, 4, out),
      ],
    ] as const) {
      const outLen = name === "gatherAlong" ? 4 : 3;
      const msgW = await throws(() => run(jsKernels, bad, new Float32Array(outLen)));
      const msgHost = await throws(() => run(K, ctx.upload(bad, { keepHostCopy: true }), ctx.empty("float32", outLen)));
      const out = ctx.empty("float32", outLen);
      const msgDev = await throws(async () => {
        run(K, up(bad), out);
        await get(out);
      });
      if (!msgW || msgHost !== msgW) fails.push(`${name} host-side bounds error: "${msgHost}" vs "${msgW}"`);
      if (msgDev !== msgW) fails.push(`${name} device-side bounds error: "${msgDev}" vs "${msgW}"`);
      if (await throws(() => get(out))) fails.push(`${name}: the error is reported once, then cleared`);
    }
  }

  {
    // storage: fill (incl. a 2-D grid past 65535 workgroups), block copies, casts with JS's conversions
    const src = f32(60),
      dst = f32(80),
      want = dst.slice(),
      ds = up(dst);
    jsKernels.copyBlocks(src, 3, 10, want, 5, 15, 7, 5);
    K.copyBlocks(up(src), 3, 10, ds, 5, 15, 7, 5);
    await close("copyBlocks", ds, want);
    const si = i32(60, 99),
      di = i32(80, 1),
      wi = di.slice(),
      dis = up(di);
    jsKernels.copyBlocks(si, 0, 12, wi, 1, 16, 12, 5);
    K.copyBlocks(up(si), 0, 12, dis, 1, 16, 12, 5);
    await close("copyBlocks int32", dis, wi);
    const big = 65535 * 256 + 77,
      filled = ctx.empty("float32", big);
    K.fill(filled, -2.5);
    const fb = await get(filled);
    if (fb[0] !== -2.5 || fb[big - 1] !== -2.5 || fb.some((v) => v !== -2.5)) fails.push("fill past 65535 workgroups");
    filled.dispose();
    const fi = ctx.empty("int32", 5);
    K.fill(fi, -7.9);
    await close("fill int32 (truncates like Int32Array.fill)", fi, new Int32Array(5).fill(-7.9));
    const z = K.alloc("float32", 9);
    await close("alloc is zero-filled", z, new Float32Array(9));
    const x = f32(41, -9, 9);
    x.set([-0.5, NaN, Infinity, -Infinity, 3e9, -3e9, 2.5e10, 2 ** 31, -(2 ** 31) - 256]);
    const cw = new Int32Array(41),
      ci = ctx.empty("int32", 41);
    jsKernels.cast(x, cw);
    K.cast(up(x), ci);
    await close("cast float32 -> int32 (trunc, NaN/inf -> 0, wraps)", ci, cw);
    const iv = new Int32Array([0, -1, 7, 16777217, -16777219, 2147483647, -2147483648]);
    const backW = new Float32Array(iv.length),
      back = ctx.empty("float32", iv.length);
    jsKernels.cast(iv, backW);
    K.cast(up(iv), back);
    await close("cast int32 -> float32", back, backW);
  }

  // cross-entropy with label smoothing and an ignored row; bad targets.
  for (const eps of [0, 0.1]) {
    const n = 9,
      c = 10,
      logits = f32(n * c, -5, 5),
      target = i32(n, c);
    target[3] = -100;
    const lossW = new Float32Array(n),
      lpW = new Float32Array(n * c),
      loss = ctx.empty("float32", n),
      lp = ctx.empty("float32", n * c);
    jsKernels.crossEntropyForward(logits, target, n, c, eps, -100, lossW, lpW);
    K.crossEntropyForward(up(logits), up(target), n, c, eps, -100, loss, lp);
    await close(`crossEntropyForward eps=${eps}`, loss, lossW, 8 * ULP, 1e-6);
    await close(`crossEntropyForward logProbs eps=${eps}`, lp, lpW, 8 * ULP, 1e-6);
    const rg = f32(n),
      dW = new Float32Array(n * c),
      d = ctx.empty("float32", n * c);
    jsKernels.crossEntropyBackward(lpW, target, n, c, eps, -100, rg, dW);
    K.crossEntropyBackward(up(lpW), up(target), n, c, eps, -100, up(rg), d);
    await close(`crossEntropyBackward eps=${eps}`, d, dW, 8 * ULP, 1e-7);
  }
  {
    const bad = new Int32Array([1, 12]);
    const msgW = await throws(() =>
      jsKernels.crossEntropyForward(f32(20), bad, 2, 10, 0, -100, new Float32Array(2), new Float32Array(20)),
    );
    const msgHost = await throws(() =>
      K.crossEntropyForward(
        up(f32(20)),
        ctx.upload(bad, { keepHostCopy: true }),
        2,
        10,
        0,
        -100,
        ctx.empty("float32", 2),
        ctx.empty("float32", 20),
      ),
    );
    const loss = ctx.empty("float32", 2);
    const msgDev = await throws(async () => {
      K.crossEntropyForward(up(f32(20)), up(bad), 2, 10, 0, -100, loss, ctx.empty("float32", 20));
      await get(loss);
    });
    if (!msgW || msgHost !== msgW) fails.push(`crossEntropyForward host-side bounds error: "${msgHost}" vs "${msgW}"`);
    if (msgDev !== msgW) fails.push(`crossEntropyForward device-side bounds error: "${msgDev}" vs "${msgW}"`);
  }

  // optimizers: several steps of each variant, float32 on the device vs float64 rounded on store.
  const sgdVariants = [
    { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false },
    { momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 1e-2, maximize: false },
    { momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0, maximize: true },
  ];
  {
    const sizes = [1031, 257, 3];
    const ps = sizes.map((n) => f32(n)),
      pWs = ps.map((p) => p.slice()),
      pd = ps.map(up);
    const bufWs = sizes.map((n, i) => (sgdVariants[i].momentum ? f32(n) : null)),
      bd = bufWs.map((b) => (b ? up(b) : null));
    for (let step = 0; step < 3; step++) {
      const gs = sizes.map((n) => f32(n)),
        gd = gs.map(up);
      jsKernels.sgdSteps(
        sizes.map((_, i) => ({
          param: pWs[i],
          grad: gs[i],
          momentumBuffer: bufWs[i],
          lr: 0.1,
          ...sgdVariants[i],
          firstStep: step === 0,
        })),
      );
      K.sgdSteps(
        sizes.map((_, i) => ({
          param: pd[i],
          grad: gd[i],
          momentumBuffer: bd[i],
          lr: 0.1,
          ...sgdVariants[i],
          firstStep: step === 0,
        })),
      );
    }
    for (let i = 0; i < sizes.length; i++) {
      await close(`sgdSteps ${JSON.stringify(sgdVariants[i])}`, pd[i], pWs[i], 1e-6, 2e-6);
      if (bd[i]) await close(`sgdSteps buffer ${JSON.stringify(sgdVariants[i])}`, bd[i]!, bufWs[i]!, 1e-6, 2e-6);
    }
  }
  for (const v of [
    { weightDecay: 0, decoupled: false, maximize: false, ams: false },
    { weightDecay: 0.01, decoupled: false, maximize: true, ams: true },
    { weightDecay: 0.01, decoupled: true, maximize: false, ams: false },
  ]) {
    const n = 1031,
      p = f32(n),
      pW = p.slice(),
      m = new Float32Array(n),
      mW = m.slice(),
      s = new Float32Array(n),
      sW = s.slice();
    const x = new Float32Array(n),
      xW = x.slice();
    const pd = up(p),
      md = up(m),
      sd = up(s),
      xd = up(x);
    for (let step = 1; step <= 3; step++) {
      const g = f32(n),
        h = {
          lr: 1e-3,
          beta1: 0.9,
          beta2: 0.999,
          eps: 1e-8,
          step,
          weightDecay: v.weightDecay,
          decoupled: v.decoupled,
          maximize: v.maximize,
        };
      jsKernels.adamSteps([{ param: pW, grad: g, expAvg: mW, expAvgSq: sW, maxExpAvgSq: v.ams ? xW : null, ...h }]);
      K.adamSteps([{ param: pd, grad: up(g), expAvg: md, expAvgSq: sd, maxExpAvgSq: v.ams ? xd : null, ...h }]);
    }
    if (v.ams) await close("adamSteps maxExpAvgSq", xd, xW, 1e-6, 2e-6);
    await close(`adamStep ${JSON.stringify(v)}`, pd, pW, 1e-6, 2e-6);
    await close(`adamStep expAvgSq ${JSON.stringify(v)}`, sd, sW, 1e-6, 2e-6);
  }

  await nnParity({ ctx, K, fails, facts, rand, f32, i32, up, get, close, throws });
  await machinery(ctx, K, fails, facts, f32, throws);
  return { failures: fails, facts };
}

/** The pool, the pipeline cache, batching and aliasing. */
async function machinery(
  ctx: GpuContext,
  K: GpuKernels,
  fails: string[],
  facts: Record<string, unknown>,
  f32: (n: number) => Float32Array,
  throws: (f: () => unknown) => Promise<string>,
): Promise<void> {
  // In place: x and out the same storage (WebGPU forbids the aliasing; the context reads a copy).
  const x = f32(1000),
    want = new Float32Array(1000);
  jsKernels.unary("exp", x, want);
  const s = ctx.upload(x);
  K.unary("exp", s, s);
  const got = await ctx.read(s);
  if (!got.every((v, i) => Math.abs(v - want[i]) <= 6 * ULP * Math.abs(want[i])))
    fails.push("unary in place (aliased input and output)");
  K.axpy(2, s, s);
  const tripled = await ctx.read(s);
  if (!tripled.every((v, i) => v === Math.fround(got[i] * 3))) fails.push("axpy(2, y, y) in place");

  // Shapes travel as uniforms: new sizes reuse the compiled pipeline.
  const before = ctx.counters.pipelinesCompiled;
  for (const n of [3, 300, 3000]) {
    const a = ctx.upload(f32(n));
    K.unary("exp", a, ctx.empty("float32", n));
  }
  if (ctx.counters.pipelinesCompiled !== before)
    fails.push(`pipeline cache: ${ctx.counters.pipelinesCompiled - before} recompiles for new sizes`);

  // Batching: 200 dispatches with no read in between submit every 64.
  await ctx.sync();
  const submits = ctx.counters.submits;
  const acc = ctx.upload(new Float32Array(10));
  const one = ctx.upload(new Float32Array(10).fill(1));
  for (let i = 0; i < 200; i++) K.axpy(1, one, acc);
  const mid = ctx.counters.submits - submits;
  const sum = await ctx.read(acc);
  if (mid !== 3 || !sum.every((v) => v === 200))
    fails.push(`batching: ${mid} submits during 200 dispatches (want 3), values ${sum[0]}`);

  // The pool: released buffers come back once their batch is submitted, not before.
  const stats0 = ctx.pool.snapshot();
  for (let step = 0; step < 50; step++) {
    const t = ctx.empty("float32", 4096);
    K.fill(t, step);
    t.dispose();
    if (step % 10 === 9) ctx.flush();
  }
  const stats1 = ctx.pool.snapshot();
  facts.poolCreatedIn50Steps = stats1.buffersCreated - stats0.buffersCreated;
  if (stats1.buffersCreated - stats0.buffersCreated > 10)
    fails.push(`pool: ${stats1.buffersCreated - stats0.buffersCreated} buffers created for 50 temporaries`);
  if (stats1.bytesInUse !== stats0.bytesInUse)
    fails.push(`pool: bytes in use ${stats0.bytesInUse} → ${stats1.bytesInUse} after disposing everything`);
  // A reused buffer never receives an upload before the commands that used it have run.
  const keep: GpuStorage[] = [];
  for (let r = 0; r < 20; r++) {
    const a = ctx.upload(new Float32Array(64).fill(r));
    const b = ctx.empty("float32", 64);
    K.unary("neg", a, b);
    a.dispose();
    keep.push(b);
  }
  const vals = await Promise.all(keep.map((b) => ctx.read(b)));
  if (!vals.every((v, r) => v.every((e) => e === -r)))
    fails.push("pool: an upload overwrote a buffer still used by recorded commands");

  // float64 is refused with one clear message.
  const msg = await throws(() => ctx.upload(new Float64Array(2)));
  if (!/float64/.test(msg) || !/CPU backends/.test(msg)) fails.push(`float64 refusal: "${msg}"`);
  const msg2 = await throws(() => K.alloc("float64", 2));
  if (!/float64/.test(msg2)) fails.push(`alloc float64 refusal: "${msg2}"`);
  facts.pipelines = ctx.pipelineCount;
  facts.counters = { ...ctx.counters };
}
