/**
 * The wasm implementation of the Kernels interface: type dispatch, pointer marshalling and the
 * split of big calls across threads. float64 (and int32 arithmetic) go to the JS reference
 * directly — a deliberate delegation, not a registry fallback, so it is not counted.
 */
import { allocArray, type TypedArray } from "../../tensor/dtype.js";
import { broadcastStrides, numel, stridesOf } from "../../tensor/shape.js";
import { jsKernels } from "../js/kernels.js";
import { type BinaryOp, type GemmArgs, gemmsOneByOne, type Kernels, type UnaryOp } from "../kernels.js";
import { Frame } from "./frame.js";
import type { WasmExports } from "./loader.js";
import type { WasmHeap } from "./memory.js";
import type { ThreadPool } from "./pool.js";

const UNARY: readonly UnaryOp[] = ["neg", "exp", "log", "log1p", "sqrt", "abs", "square", "reciprocal",
  "relu", "leakyRelu", "sigmoid", "tanh", "gelu", "geluTanh", "silu"];
const BINARY: readonly BinaryOp[] = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "gt", "lt", "ge", "le", "ne"];
const REDUCE = { sum: 0, max: 1, min: 2 } as const;

/** Below this many multiply-adds a gemm runs on one thread: waking a worker costs ~20–50 µs. */
const GEMM_PARALLEL_MACS = 1 << 20;
/** Smallest products worth a thread each in `gemms` (the lecture's last layer: 164k). */
const GEMM_PAIR_MIN_MACS = 1 << 15;
/** Elements per slice of an optimizer step (~5 µs): a finer tail than fixed halves, few claims. */
const SGD_SLICE = 8192;
/** Elementwise calls split across threads from this many elements. */
const ELEMENTWISE_PARALLEL = 1 << 16;

export interface WasmContext {
  ex: WasmExports;
  heap: WasmHeap;
  pool: ThreadPool | null;
  /** gemm scratch block of the calling thread. */
  scratch: number;
  /** Threads requested by setNumThreads (the caller counts as one). */
  threads: number;
}

const f32 = (...xs: unknown[]): boolean => xs.every((x) => x instanceof Float32Array);

export function makeKernels(ctx: WasmContext): Kernels {
  const { ex, heap } = ctx;

  function withFrame<T>(body: (f: Frame) => T): T {
    const f = new Frame(heap);
    try { return body(f); } finally { f.close(); }
  }

  /** Threads usable now: requested, capped by the workers that have finished starting. */
  const threadsNow = (): number => (ctx.pool ? Math.min(ctx.threads, ctx.pool.readyCount + 1) : 1);

  /**
   * Runs fn over [0, n) on up to threadsNow() threads in 4-aligned chunks; `call(start, len)`
   * returns the argument list for one chunk.
   */
  function parallelRange(fn: "unary" | "unaryBackward" | "binaryInner" | "adamStep", n: number, call: (start: number, len: number) => number[]): void {
    const t = n >= ELEMENTWISE_PARALLEL ? threadsNow() : 1;
    const run = ex[fn] as (...a: number[]) => void;
    if (t <= 1) { run(...call(0, n)); return; }
    const chunk = Math.ceil(n / t / 4) * 4;
    const calls: number[][] = [];
    for (let s = chunk; s < n; s += chunk) calls.push(call(s, Math.min(chunk, n - s)));
    ctx.pool!.run(fn, calls, () => run(...call(0, Math.min(chunk, n))));
  }

  /** float32 operands (bias included): anything else goes to the JS reference. */
  const onWasm = (g: GemmArgs): boolean => f32(g.a, g.b, g.c) && (!g.bias || f32(g.bias));

  function gemm(args: GemmArgs): void {
    const { transA, transB, m, n, k } = args;
    if (!onWasm(args)) { jsKernels.gemm(args); return; }
    if (m <= 0 || n <= 0) return;
    withFrame((f) => {
      const whole = gemmCall(f, args, ctx.scratch);
      const t = m * n * k >= GEMM_PARALLEL_MACS ? threadsNow() : 1;
      if (t <= 1) { (ex.gemm as (...a: number[]) => void)(...whole); return; }
      const [tA, tB, , , , alpha, pa, lda, pb, ldb, beta, pc, ldc, pbias, relu] = whole;
      // Each thread owns a block of C's columns (or rows, for tall C), aligned to the micro-tile.
      // (Blocks claimed dynamically, 4–16 per thread, measured 1–4% slower: smaller blocks cost
      // more than the balance they bought.)
      const byCols = n >= m;
      // Column blocks are whole cache lines (16 floats), so no line of C is written by two threads.
      const chunk = byCols ? Math.ceil(n / t / 16) * 16 : Math.ceil(m / t / 4) * 4;
      const part = (s: number, scratch: number): number[] => byCols
        ? [tA, tB, m, Math.min(chunk, n - s), k, alpha, pa, lda, pb + 4 * (transB ? s * ldb : s), ldb, beta, pc + 4 * s, ldc, pbias && pbias + 4 * s, relu, scratch]
        : [tA, tB, Math.min(chunk, m - s), n, k, alpha, pa + 4 * (transA ? s : s * lda), lda, pb, ldb, beta, pc + 4 * s * ldc, ldc, pbias, relu, scratch];
      const calls: number[][] = [];
      for (let s = chunk, w = 1; s < (byCols ? n : m); s += chunk, w++) calls.push(part(s, ctx.pool!.scratchOf(w)));
      const mine = part(0, ctx.scratch);
      ctx.pool!.run("gemm", calls, () => (ex.gemm as (...a: number[]) => void)(...mine));
    });
  }

  /**
   * Two similar-sized products run side by side, one per thread, in one parallel region: each is
   * packed once and needs no split (a layer's dX and dW: 166 -> ~150 µs at 256×256×64).
   */
  const gemmsEach = gemmsOneByOne(gemm);
  function gemms(list: readonly GemmArgs[]): void {
    const macs = list.map((g) => g.m * g.n * g.k);
    const side = list.length === 2 && threadsNow() >= 2 && list.every(onWasm) &&
      Math.min(...macs) >= GEMM_PAIR_MIN_MACS && Math.max(...macs) <= 2 * Math.min(...macs);
    if (!side) { gemmsEach(list); return; }
    withFrame((f) => {
      const [mine, theirs] = list.map((args, i) => gemmCall(f, args, i === 0 ? ctx.scratch : ctx.pool!.scratchOf(1)));
      ctx.pool!.run("gemm", [theirs], () => (ex.gemm as (...a: number[]) => void)(...mine));
    });
  }

  /** The wasm gemm's argument list for one whole product, operands marshalled through `f`. */
  function gemmCall(f: Frame, args: GemmArgs, scratch: number): number[] {
    const { transA, transB, m, n, k, a, b, c, aOffset = 0, bOffset = 0, cOffset = 0, alpha = 1, beta = 0, bias, biasOffset = 0, relu = false } = args;
    const pa = f.in(a as Float32Array, aOffset, m * k), pb = f.in(b as Float32Array, bOffset, k * n);
    // beta = 0 overwrites C (NaNs included), so a foreign C need not be copied in.
    const pc = beta === 0 ? f.overwrite(c as Float32Array, cOffset, m * n) : f.out(c as Float32Array, cOffset, m * n);
    const pbias = bias ? f.in(bias as Float32Array, biasOffset, n) : 0;
    return [+transA, +transB, m, n, k, alpha, pa, transA ? m : k, pb, transB ? k : n, beta, pc, n, pbias, +relu, scratch];
  }

  function binary(op: BinaryOp, a: TypedArray, aShape: readonly number[], b: TypedArray, bShape: readonly number[], out: TypedArray, outShape: readonly number[]): void {
    if (!f32(a, b, out)) { jsKernels.binary(op, a, aShape, b, bShape, out, outShape); return; }
    const code = BINARY.indexOf(op), n = out.length;
    if (n === 0) return;
    withFrame((f) => {
      const pa = f.in(a as Float32Array), pb = f.in(b as Float32Array), po = f.overwrite(out as Float32Array);
      // The reference's fast paths, in its order: same length, scalar b, scalar a.
      let sa = -1, sb = -1;
      if (a.length === n && b.length === n) { sa = 1; sb = 1; }
      else if (b.length === 1 && a.length === n) { sa = 1; sb = 0; }
      else if (a.length === 1 && b.length === n) { sa = 0; sb = 1; }
      if (sa >= 0) {
        parallelRange("binaryInner", n, (s, len) => [code, pa + 4 * s * sa, sa, pb + 4 * s * sb, sb, po + 4 * s, len]);
        return;
      }
      const dims = collapse(outShape, broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape));
      const r = dims.length;
      ex.binaryStrided(code, pa, pb, po, r, f.ints(dims.map((d) => d[0])), f.ints(dims.map((d) => d[1])),
        f.ints(dims.map((d) => d[2])), f.raw(4 * r));
    });
  }

  // Outputs a kernel writes in full use f.overwrite (a foreign array is not copied in first);
  // read-modify-write outputs (axpy, scatterAddRows, optimizer state, beta ≠ 0 gemm) use f.out.
  return {
    alloc: (dtype, n, persistent) => (persistent ? heap.alloc(dtype, n) : allocArray(dtype, n)),
    gemm,
    gemms,
    unary(op, x, out, alpha = 0.01) {
      if (!f32(x, out)) { jsKernels.unary(op, x, out, alpha); return; }
      const code = UNARY.indexOf(op), n = x.length;
      withFrame((f) => {
        const px = f.in(x as Float32Array), po = f.overwrite(out as Float32Array);
        parallelRange("unary", n, (s, len) => [code, px + 4 * s, po + 4 * s, len, alpha]);
      });
    },
    unaryBackward(op, x, y, dy, dx, alpha = 0.01) {
      if (!f32(x, y, dy, dx)) { jsKernels.unaryBackward(op, x, y, dy, dx, alpha); return; }
      const code = UNARY.indexOf(op), n = dy.length;
      withFrame((f) => {
        // relu's derivative reads only x: its output need not be copied in (the training hot path).
        const px = f.in(x as Float32Array), py = op === "relu" ? px : f.in(y as Float32Array), pdy = f.in(dy as Float32Array);
        const pdx = f.overwrite(dx as Float32Array);
        parallelRange("unaryBackward", n, (s, len) => [code, px + 4 * s, py + 4 * s, pdy + 4 * s, pdx + 4 * s, len, alpha]);
      });
    },
    binary,
    reduce(op, x, outer, size, inner, out, indices) {
      if (!f32(x, out) || size === 0) { jsKernels.reduce(op, x, outer, size, inner, out, indices); return; }
      withFrame((f) => {
        const px = f.in(x as Float32Array, 0, outer * size * inner), po = f.overwrite(out as Float32Array, 0, outer * inner);
        const pi = indices && op !== "sum" ? f.overwrite(indices, 0, outer * inner) : 0;
        ex.reduce(REDUCE[op], px, outer, size, inner, po, pi, op === "sum" && inner > 1 ? f.raw(8 * inner) : 0);
      });
    },
    clamp(x, lo, hi, out) {
      if (!f32(x, out)) { jsKernels.clamp(x, lo, hi, out); return; }
      withFrame((f) => ex.clamp(f.in(x as Float32Array), lo, hi, f.overwrite(out as Float32Array), x.length));
    },
    softmax(x, outer, size, inner, out, log) {
      if (!f32(x, out)) { jsKernels.softmax(x, outer, size, inner, out, log); return; }
      const n = outer * size * inner;
      withFrame((f) => ex.softmax(f.in(x as Float32Array, 0, n), outer, size, inner, f.overwrite(out as Float32Array, 0, n), +log));
    },
    softmaxBackward(y, dy, outer, size, inner, dx, log) {
      if (!f32(y, dy, dx)) { jsKernels.softmaxBackward(y, dy, outer, size, inner, dx, log); return; }
      const n = outer * size * inner;
      withFrame((f) => ex.softmaxBackward(f.in(y as Float32Array, 0, n), f.in(dy as Float32Array, 0, n), outer, size, inner,
        f.overwrite(dx as Float32Array, 0, n), +log));
    },
    permute(x, shape, perm, out) {
      const n = numel(shape);
      if (x.constructor !== out.constructor || x instanceof Float64Array || shape.length === 0 || n === 0) {
        jsKernels.permute(x, shape, perm, out); return;
      }
      const st = stridesOf(shape);
      withFrame((f) => ex.permute(f.in(x as Float32Array, 0, n), f.overwrite(out as Float32Array, 0, n), shape.length,
        f.ints(perm.map((p) => shape[p])), f.ints(perm.map((p) => st[p])), f.raw(4 * shape.length)));
    },
    gatherRows(x, index, rowSize, out) {
      const rows = rowSize > 0 ? Math.floor(x.length / rowSize) : 0;
      // A source outside wasm memory (a dataset) would be copied whole: a plain row copy is cheaper.
      if (x.constructor !== out.constructor || x instanceof Float64Array || !inRange(index, rows) || rowSize === 0 || heap.ptrOf(x) < 0) {
        jsKernels.gatherRows(x, index, rowSize, out); return; // out-of-range rows: keep the reference's behaviour
      }
      withFrame((f) => ex.gatherRows(f.in(x as Float32Array), f.in(index), index.length, rowSize,
        f.overwrite(out as Float32Array, 0, index.length * rowSize)));
    },
    scatterAddRows(dy, index, rowSize, dx) {
      const rows = rowSize > 0 ? Math.floor(dx.length / rowSize) : 0;
      if (!f32(dy, dx) || !inRange(index, rows) || rowSize === 0) { jsKernels.scatterAddRows(dy, index, rowSize, dx); return; }
      withFrame((f) => ex.scatterAddRows(f.in(dy as Float32Array, 0, index.length * rowSize), f.in(index), index.length, rowSize,
        f.out(dx as Float32Array)));
    },
    axpy(alpha, x, y) {
      if (!f32(x, y)) { jsKernels.axpy(alpha, x, y); return; }
      withFrame((f) => ex.axpy(alpha, f.in(x as Float32Array), f.out(y as Float32Array, 0, x.length), x.length));
    },
    crossEntropyForward(logits, target, n, c, eps, ignoreIndex, lossRows, logProbs) {
      if (!f32(logits, lossRows, logProbs)) {
        jsKernels.crossEntropyForward(logits, target, n, c, eps, ignoreIndex, lossRows, logProbs); return;
      }
      for (let i = 0; i < n; i++) {
        const t = target[i];
        if (t !== ignoreIndex && (t < 0 || t >= c)) throw new Error(`cross_entropy: target ${t} is out of bounds for ${c} classes (expected 0..${c - 1})`);
      }
      withFrame((f) => ex.crossEntropyForward(f.in(logits as Float32Array, 0, n * c), f.in(target, 0, n), n, c, eps, ignoreIndex,
        f.overwrite(lossRows as Float32Array, 0, n), f.overwrite(logProbs as Float32Array, 0, n * c)));
    },
    crossEntropyBackward(logProbs, target, n, c, eps, ignoreIndex, rowGrad, dlogits) {
      if (!f32(logProbs, rowGrad, dlogits)) {
        jsKernels.crossEntropyBackward(logProbs, target, n, c, eps, ignoreIndex, rowGrad, dlogits); return;
      }
      withFrame((f) => ex.crossEntropyBackward(f.in(logProbs as Float32Array, 0, n * c), f.in(target, 0, n), n, c, eps, ignoreIndex,
        f.in(rowGrad as Float32Array, 0, n), f.overwrite(dlogits as Float32Array, 0, n * c)));
    },
    sgdSteps(list) {
      const fast = list.filter((a) => f32(a.param, a.grad) && (!a.momentumBuffer || f32(a.momentumBuffer)));
      if (fast.length < list.length) jsKernels.sgdSteps(list.filter((a) => !fast.includes(a)));
      if (fast.length === 0) return;
      withFrame((f) => {
        const params = fast.map((a) => {
          const n = a.param.length;
          return { a, n, pp: f.out(a.param as Float32Array), pg: f.in(a.grad as Float32Array, 0, n), pb: a.momentumBuffer ? f.out(a.momentumBuffer as Float32Array, 0, n) : 0 };
        });
        // All parameters in one parallel region, as slices the threads claim one at a time: the
        // small tensors (biases) no longer cost a call each, and no thread waits on a fixed share.
        const total = params.reduce((s, p) => s + p.n, 0);
        const t = total >= ELEMENTWISE_PARALLEL ? threadsNow() : 1;
        const rows: number[] = [];
        for (const { a, n, pp, pg, pb } of params) {
          for (let s = 0; s < n; s += SGD_SLICE) {
            rows.push(pp + 4 * s, pg + 4 * s, pb ? pb + 4 * s : 0, Math.min(SGD_SLICE, n - s), a.lr, a.momentum, a.dampening,
              +a.nesterov, a.weightDecay, +a.maximize, +a.firstStep);
          }
        }
        const table = f.raw(8 * rows.length), next = f.raw(4), count = rows.length / 11;
        new Float64Array(heap.buffer, table, rows.length).set(rows);
        new Int32Array(heap.buffer, next, 1)[0] = 0;
        const mine = () => ex.sgdStepTasks(next, table, count);
        if (t <= 1) mine();
        else ctx.pool!.run("sgdStepTasks", Array.from({ length: t - 1 }, () => [next, table, count]), mine);
      });
    },
    adamStep(args) {
      const { param, grad, expAvg, expAvgSq, lr, beta1, beta2, step } = args;
      if (!f32(param, grad, expAvg, expAvgSq)) { jsKernels.adamStep(args); return; }
      // Same scalar expressions as the reference, so the f64 math inside wasm sees identical inputs.
      const bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
      const n = param.length;
      withFrame((f) => {
        const pp = f.out(param as Float32Array), pg = f.in(grad as Float32Array, 0, n);
        const pm = f.out(expAvg as Float32Array, 0, n), pv = f.out(expAvgSq as Float32Array, 0, n);
        parallelRange("adamStep", n, (s, len) => [pp + 4 * s, pg + 4 * s, pm + 4 * s, pv + 4 * s, len, lr, beta1, beta2,
          args.eps, args.weightDecay, +args.decoupled, +args.maximize, lr / bc1, Math.sqrt(bc2)]);
      });
    },
  };
}

function inRange(index: Int32Array, rows: number): boolean {
  for (let i = 0; i < index.length; i++) if (!(index[i] >= 0 && index[i] < rows)) return false;
  return true;
}

/**
 * Drops size-1 dims and merges neighbours that are contiguous in a, b and out alike, so the
 * wasm loop's inner dimension is as long as possible. Returns [size, strideA, strideB] per dim.
 */
export function collapse(shape: readonly number[], sa: readonly number[], sb: readonly number[]): Array<[number, number, number]> {
  const dims: Array<[number, number, number]> = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const prev = dims[dims.length - 1];
    if (prev && prev[1] === sa[d] * shape[d] && prev[2] === sb[d] * shape[d]) {
      prev[0] *= shape[d]; prev[1] = sa[d]; prev[2] = sb[d];
    } else dims.push([shape[d], sa[d], sb[d]]);
  }
  return dims.length ? dims : [[1, 0, 0]];
}
