/**
 * gemm on wasm: the packed SIMD micro-kernel of assembly/gemm.ts, with big products split across
 * threads by blocks of C, and a layer's two backward products run side by side.
 */
import { type GemmArgs, gemmsOneByOne } from "../../js/gemm.js";
import { jsKernels } from "../../js/index.js";
import { f32, threadsNow, type WasmContext, type WasmFamily, withFrame } from "../context.js";
import type { Frame } from "../frame.js";

/** Below this many multiply-adds a gemm runs on one thread: waking a worker costs ~20–50 µs. */
const GEMM_PARALLEL_MACS = 1 << 20;
/** Blocks each worker's share of a parallel gemm is cut into, for the threads to claim. */
const GEMM_SUB_BLOCKS = 4;
/** Smallest products worth a thread each in `gemms` (the lecture's last layer: 164k). */
const GEMM_PAIR_MIN_MACS = 1 << 15;

/** float32 operands (bias included): anything else goes to the JS reference. */
const onWasm = (g: GemmArgs): boolean => f32(g.a, g.b, g.c) && (!g.bias || f32(g.bias));

/** The wasm gemm's argument list for one whole product, operands marshalled through `f`. */
function gemmCall(f: Frame, args: GemmArgs, scratch: number): number[] {
  const {
    transA,
    transB,
    m,
    n,
    k,
    a,
    b,
    c,
    aOffset = 0,
    bOffset = 0,
    cOffset = 0,
    alpha = 1,
    beta = 0,
    bias,
    biasOffset = 0,
    relu = false,
  } = args;
  const pa = f.in(a as Float32Array, aOffset, m * k),
    pb = f.in(b as Float32Array, bOffset, k * n);
  // beta = 0 overwrites C (NaNs included), so a foreign C need not be copied in.
  const pc = beta === 0 ? f.overwrite(c as Float32Array, cOffset, m * n) : f.out(c as Float32Array, cOffset, m * n);
  const pbias = bias ? f.in(bias as Float32Array, biasOffset, n) : 0;
  return [+transA, +transB, m, n, k, alpha, pa, transA ? m : k, pb, transB ? k : n, beta, pc, n, pbias, +relu, scratch];
}

export const gemmFamily: WasmFamily = (ctx: WasmContext) => {
  const gemmExport = ctx.ex.gemm,
    blocksExport = ctx.ex.gemmBlocks;

  function gemm(args: GemmArgs): void {
    const { m, n, k } = args;
    if (!onWasm(args)) {
      jsKernels.gemm(args);
      return;
    }
    if (m <= 0 || n <= 0) return;
    withFrame(ctx, (f) => {
      const whole = gemmCall(f, args, ctx.scratch);
      const t = m * n * k >= GEMM_PARALLEL_MACS ? threadsNow(ctx) : 1;
      if (t <= 1) {
        gemmExport(...whole);
        return;
      }
      const [tA, tB, , , , alpha, pa, lda, pb, ldb, beta, pc, ldc, pbias, relu] = whole;
      // The caller owns the first block of C's columns (or rows, for tall C), aligned to the
      // micro-tile; the rest is cut into GEMM_SUB_BLOCKS blocks per worker that the workers claim
      // one at a time, and so does the caller when done with its own: a worker the OS descheduled
      // in the middle of its share then delays the product by one block, not by a time slice.
      // (Each thread claiming all its blocks dynamically, 4–16 per thread, measured 1–4% slower:
      // smaller blocks cost more than the balance they bought; the caller's block stays whole.)
      const byCols = n >= m;
      const extent = byCols ? n : m,
        align = byCols ? 16 : 4;
      // Column blocks are whole cache lines (16 floats), so no line of C is written by two threads.
      const chunk = Math.ceil(extent / t / align) * align;
      const block = Math.max(align, Math.ceil(chunk / GEMM_SUB_BLOCKS / align) * align);
      const next = f.raw(4);
      new Int32Array(ctx.heap.buffer, next, 1)[0] = 0;
      const share = (scratch: number): number[] => [
        next,
        +byCols,
        chunk,
        block,
        tA,
        tB,
        m,
        n,
        k,
        alpha,
        pa,
        lda,
        pb,
        ldb,
        beta,
        pc,
        ldc,
        pbias,
        relu,
        scratch,
      ];
      const calls: number[][] = [];
      for (let w = 1; w < t && chunk + (w - 1) * block < extent; w++) calls.push(share(ctx.pool!.scratchOf(w)));
      const mine = byCols
        ? [tA, tB, m, Math.min(chunk, n), k, alpha, pa, lda, pb, ldb, beta, pc, ldc, pbias, relu, ctx.scratch]
        : [tA, tB, Math.min(chunk, m), n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, pbias, relu, ctx.scratch];
      const rest = share(ctx.scratch);
      ctx.pool!.run("gemmBlocks", calls, () => {
        gemmExport(...mine);
        blocksExport(...rest);
      });
    });
  }

  /**
   * Two similar-sized products run side by side, one per thread, in one parallel region: each is
   * packed once and needs no split (a layer's dX and dW: 166 -> ~150 µs at 256×256×64).
   */
  const gemmsEach = gemmsOneByOne(gemm);
  function gemms(list: readonly GemmArgs[]): void {
    const macs = list.map((g) => g.m * g.n * g.k);
    const side =
      list.length === 2 &&
      threadsNow(ctx) >= 2 &&
      list.every(onWasm) &&
      Math.min(...macs) >= GEMM_PAIR_MIN_MACS &&
      Math.max(...macs) <= 2 * Math.min(...macs);
    if (!side) {
      gemmsEach(list);
      return;
    }
    withFrame(ctx, (f) => {
      const [mine, theirs] = list.map((args, i) => gemmCall(f, args, i === 0 ? ctx.scratch : ctx.pool!.scratchOf(1)));
      ctx.pool!.run("gemm", [theirs], () => gemmExport(...mine));
    });
  }

  return { gemm, gemms };
};
