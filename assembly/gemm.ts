// Single-threaded SGEMM, BLIS-style: op(B) is packed into NR-wide column panels, and a
// register-blocked MR×NR micro-kernel streams it from L1 against op(A) read in place from L2
// (packing A cost more than it saved: each thread packed all of it on every call; reading in place
// took the lecture's 2-thread GEMMs from 247/253/78 to 229/232/74 µs).
// Threads call this on disjoint blocks of C (the JS side splits the work), each with its own
// pack buffers, so nothing here is shared between threads.
import { madd, at, claim, reluVec } from "./simd";

export const MR: i32 = 4;
export const NR: i32 = 8;
// KC·NR floats of B (8 KiB) stay in L1 across a micro-panel sweep; an MC×KC block of A (128 KiB,
// read in place) in L2; KC·NC of B (2 MiB) in L3 / main memory, touched once per MC block.
const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 2048;

/** Floats each thread needs for its pack buffers (B block, A block) and one edge tile. */
export function gemmScratchFloats(): i32 {
  return KC * NC + MR * NR + MC * KC;
}

/**
 * A transposed op(A) with rows this far apart (floats) is packed after all: reading it in place
 * steps a cache line (or a page) per k — 1024³ ran at 34 GFLOP/s instead of 60, and a GPT layer's
 * dW = dYᵀ·X (dY 768×128, lda 128) at 28 instead of 37–44 (1 thread, AMD EPYC; the MNIST MLP's
 * dW, lda 256, unchanged at 39–41).
 */
const PACK_TRANSPOSED_A_FROM: i32 = 64;

/**
 * C = alpha·op(A)·op(B) + beta·C + bias on row-major matrices with leading dimensions lda/ldb/ldc
 * (elements). op(A) is m×k, op(B) is k×n; `bias` (n floats, 0 for none) is added to every row;
 * `relu` then clamps C at 0 (a Linear→ReLU pair in one call). `scratch` holds gemmScratchFloats() floats.
 */
export function gemm(transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, bias: usize, relu: bool, scratch: usize): void {
  if (m <= 0 || n <= 0) return;
  scaleC(m, n, beta, c, ldc, bias);
  if (k > 0) product(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc, scratch);
  if (relu) reluRows(m, n, c, ldc);
}

/**
 * gemm over blocks of C claimed one at a time from the i32 counter at `next`: block i is C's columns
 * (`byCols`) or rows [from + i·block, from + (i+1)·block), clipped to n (or m); the other arguments
 * describe the whole product, as for gemm. The workers of a parallel gemm and the caller, once done
 * with its own share, claim from the same counter, so a worker the OS descheduled in the middle of
 * its share holds up only the block it is on: the caller computes the rest.
 */
export function gemmBlocks(next: usize, byCols: bool, from: i32, block: i32, transA: bool, transB: bool, m: i32, n: i32,
  k: i32, alpha: f32, a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, bias: usize, relu: bool,
  scratch: usize): void {
  const extent = byCols ? n : m;
  for (let s = from + claim(next) * block; s < extent; s = from + claim(next) * block) {
    const len = min(block, extent - s);
    if (byCols) {
      gemm(transA, transB, m, len, k, alpha, a, lda, transB ? at(b, s * ldb) : at(b, s), ldb, beta, at(c, s), ldc,
        bias ? at(bias, s) : 0, relu, scratch);
    } else {
      gemm(transA, transB, len, n, k, alpha, transA ? at(a, s) : at(a, s * lda), lda, b, ldb, beta, at(c, s * ldc), ldc,
        bias, relu, scratch);
    }
  }
}

/** The relu of the unary kernel (NaN kept, -0 to +0, as the reference), over C's rows. */
function reluRows(m: i32, n: i32, c: usize, ldc: i32): void {
  for (let i = 0; i < m; i++) {
    const row = at(c, i * ldc);
    let j = 0;
    for (; j + 4 <= n; j += 4) v128.store(at(row, j), reluVec(v128.load(at(row, j))));
    for (; j < n; j++) { const v = load<f32>(at(row, j)); store<f32>(at(row, j), v > 0 || isNaN(v) ? v : 0); }
  }
}

/** C += alpha·op(A)·op(B), the blocked loops around the micro-kernel. */
function product(transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, scratch: usize): void {
  const packB = scratch;
  const tile = at(packB, KC * NC);
  const packA = at(tile, MR * NR);
  const packingA = transA && lda >= PACK_TRANSPOSED_A_FROM;
  // op(A) is read in place, not packed: the micro-kernel takes row offsets and a step along k,
  // which covers both layouts (row-major A: rows lda apart, k contiguous; transposed: the reverse).
  const rowStep: usize = transA ? <usize>4 : <usize>lda << 2, kStep: usize = transA ? <usize>lda << 2 : <usize>4;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packPanelB(transB, b, ldb, pc, jc, kc, nc, packB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        if (packingA) packTransposedA(a, lda, ic, pc, mc, kc, packA);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = at(packB, jr * kc);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const row = ic + ir;
            let pa: usize, o1: usize, o2: usize, o3: usize, step: usize;
            if (packingA) {
              pa = at(packA, ir * kc); o1 = 4; o2 = 8; o3 = 12; step = MR * 4; // zero-padded panel
            } else {
              pa = a + (transA ? at(0, pc * lda + row) : at(0, row * lda + pc));
              // Rows past the edge read row 0 again (valid memory); the edge path drops their results.
              o1 = mr > 1 ? rowStep : 0; o2 = mr > 2 ? rowStep << 1 : 0; o3 = mr > 3 ? rowStep * 3 : 0; step = kStep;
            }
            const pcPtr = at(c, row * ldc + jc + jr);
            if (mr == MR && nr == NR) micro(kc, pa, o1, o2, o3, step, pb, pcPtr, ldc, alpha);
            else {
              // Edge tile: compute a full tile into scratch (B's pack is zero-padded), add the valid part.
              memory.fill(tile, 0, <usize>(MR * NR * 4));
              micro(kc, pa, o1, o2, o3, step, pb, tile, NR, 1);
              for (let i = 0; i < mr; i++) {
                for (let j = 0; j < nr; j++) {
                  const p = at(pcPtr, i * ldc + j);
                  store<f32>(p, load<f32>(p) + alpha * load<f32>(at(tile, i * NR + j)));
                }
              }
            }
          }
        }
      }
    }
  }
}

/** C = beta·C + bias (rows), before the product is accumulated onto it. */
function scaleC(m: i32, n: i32, beta: f32, c: usize, ldc: i32, bias: usize): void {
  if (beta == 1 && !bias) return;
  for (let i = 0; i < m; i++) {
    const row = at(c, i * ldc);
    // beta == 0 overwrites (NaNs in C must not survive), as BLAS and the JS reference do.
    if (beta == 0) {
      if (bias) memory.copy(row, bias, <usize>n << 2);
      else memory.fill(row, 0, <usize>n << 2);
    } else {
      for (let j = 0; j < n; j++) store<f32>(at(row, j), beta * load<f32>(at(row, j)) + (bias ? load<f32>(at(bias, j)) : 0));
    }
  }
}

/** Packs op(B)[pc:pc+kc, jc:jc+nc] as NR-wide panels, p-major inside a panel, zero-padded. */
function packPanelB(transB: bool, b: usize, ldb: i32, pc: i32, jc: i32, kc: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const d = at(dst, jr * kc);
    if (!transB) {
      let src = at(b, pc * ldb + jc + jr);
      if (nr == NR) {
        for (let p = 0; p < kc; p++) {
          v128.store(at(d, p * NR), v128.load(src));
          v128.store(at(d, p * NR), v128.load(src, 16), 16);
          src += <usize>ldb << 2;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let j = 0; j < NR; j++) store<f32>(at(d, p * NR + j), j < nr ? load<f32>(at(src, j)) : 0);
          src += <usize>ldb << 2;
        }
      }
    } else if (nr == NR) {
      // op(B)[p, j] = B[j, p]: NR rows of B, transposed 4×4 at a time.
      transpose4(at(b, (jc + jr) * ldb + pc), ldb, d, NR, kc);
      transpose4(at(b, (jc + jr + 4) * ldb + pc), ldb, at(d, 4), NR, kc);
    } else {
      for (let j = 0; j < NR; j++) {
        if (j < nr) {
          const src = at(b, (jc + jr + j) * ldb + pc);
          for (let p = 0; p < kc; p++) store<f32>(at(d, p * NR + j), load<f32>(at(src, p)));
        } else {
          for (let p = 0; p < kc; p++) store<f32>(at(d, p * NR + j), 0);
        }
      }
    }
  }
}

/** Packs op(A)[ic:ic+mc, pc:pc+kc] = A[pc:pc+kc, ic:ic+mc]ᵀ as MR-tall panels, p-major, zero-padded. */
function packTransposedA(a: usize, lda: i32, ic: i32, pc: i32, mc: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const d = at(dst, ir * kc);
    let src = at(a, pc * lda + ic + ir);
    for (let p = 0; p < kc; p++) {
      if (mr == MR) v128.store(at(d, p * MR), v128.load(src));
      else for (let i = 0; i < MR; i++) store<f32>(at(d, p * MR + i), i < mr ? load<f32>(at(src, i)) : 0);
      src += <usize>lda << 2;
    }
  }
}

/**
 * Reads 4 rows of `len` floats (row stride `ld`) and writes them column-wise: dst[p·stride + q] =
 * src[q·ld + p] for q < 4. Packing a transposed operand this way costs 4 loads, 8 shuffles and
 * 4 stores per 16 floats instead of 16 scalar gathers.
 */
function transpose4(src: usize, ld: i32, dst: usize, stride: i32, len: i32): void {
  const r1 = at(src, ld), r2 = at(src, 2 * ld), r3 = at(src, 3 * ld);
  let p = 0;
  for (; p + 4 <= len; p += 4) {
    const v0 = v128.load(at(src, p)), v1 = v128.load(at(r1, p)), v2 = v128.load(at(r2, p)), v3 = v128.load(at(r3, p));
    const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5), t1 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
    const t2 = i32x4.shuffle(v0, v1, 2, 6, 3, 7), t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
    v128.store(at(dst, p * stride), i32x4.shuffle(t0, t1, 0, 1, 4, 5));
    v128.store(at(dst, (p + 1) * stride), i32x4.shuffle(t0, t1, 2, 3, 6, 7));
    v128.store(at(dst, (p + 2) * stride), i32x4.shuffle(t2, t3, 0, 1, 4, 5));
    v128.store(at(dst, (p + 3) * stride), i32x4.shuffle(t2, t3, 2, 3, 6, 7));
  }
  for (; p < len; p++) {
    store<f32>(at(dst, p * stride), load<f32>(at(src, p)));
    store<f32>(at(dst, p * stride + 1), load<f32>(at(r1, p)));
    store<f32>(at(dst, p * stride + 2), load<f32>(at(r2, p)));
    store<f32>(at(dst, p * stride + 3), load<f32>(at(r3, p)));
  }
}

/**
 * C[0:MR, 0:NR] += alpha · A·Bpanel over kc steps, A's row i at pa + o_i (o_0 = 0), advancing
 * kStep bytes per k. 4×8 measured clearly faster than 5×8 or 6×8 in V8 (8 accumulators +
 * operands fit the 15 allocatable xmm registers without spills).
 */
function micro(kc: i32, pa: usize, o1: usize, o2: usize, o3: usize, kStep: usize, pb: usize, c: usize, ldc: i32, alpha: f32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let a: v128;
    a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa + o1);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa + o2);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa + o3);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    pa += kStep;
    pb += NR * 4;
  }
  const al = f32x4.splat(alpha);
  const s = <usize>ldc << 2;
  let r = c;
  v128.store(r, madd(al, c00, v128.load(r))); v128.store(r, madd(al, c01, v128.load(r, 16)), 16); r += s;
  v128.store(r, madd(al, c10, v128.load(r))); v128.store(r, madd(al, c11, v128.load(r, 16)), 16); r += s;
  v128.store(r, madd(al, c20, v128.load(r))); v128.store(r, madd(al, c21, v128.load(r, 16)), 16); r += s;
  v128.store(r, madd(al, c30, v128.load(r))); v128.store(r, madd(al, c31, v128.load(r, 16)), 16);
}
