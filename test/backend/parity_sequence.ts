/**
 * The sequence kernels (embedding, recurrent cells, sort/top-k, cumsum, multinomial) against the
 * JS reference; called from runParity with its input makers, so both placements and thread counts
 * are covered there.
 */
import { jsKernels } from "../../src/backend/js/index.js";
import type { Kernels } from "../../src/backend/kernels.js";

export interface ParityTools {
  K: Kernels;
  f32(n: number, lo?: number, hi?: number): Float32Array;
  i32(n: number, hi: number): Int32Array;
  close(name: string, got: ArrayLike<number>, want: ArrayLike<number>, rtol?: number, atol?: number): void;
  fails: string[];
}

/** Runs `run` on both kernel sets and records a mismatch of their error messages (or a missing error). */
function sameError(t: ParityTools, name: string, run: (k: Kernels) => void): void {
  let want = "",
    got = "";
  try {
    run(jsKernels);
  } catch (e) {
    want = (e as Error).message;
  }
  try {
    run(t.K);
  } catch (e) {
    got = (e as Error).message;
  }
  if (!want || got !== want) t.fails.push(`${name} error: "${got}" vs "${want}"`);
}

/** rtol, atol for the recurrent cells. */
const CELL_TOL = [2e-6, 1e-6] as const;

export function sequenceParity(t: ParityTools): void {
  const { K, f32, i32, close } = t;
  const copy = (a: Float32Array): Float32Array => a.slice();

  {
    // embedding: repeated indices, a padding row, the bounds message.
    const rows = 11,
      dim = 13,
      w = f32(rows * dim),
      idx = i32(29, rows);
    idx[3] = idx[7] = 4;
    const want = new Float32Array(29 * dim),
      out = f32(29 * dim);
    jsKernels.embedding(w, rows, dim, idx, want);
    K.embedding(w, rows, dim, idx, out);
    close("embedding", out, want, 0, 0);
    for (const pad of [-1, 4]) {
      const dy = f32(29 * dim),
        dw = f32(rows * dim),
        dwWant = copy(dw);
      jsKernels.embeddingBackward(dy, idx, dim, pad, dwWant);
      K.embeddingBackward(dy, idx, dim, pad, dw);
      close(`embeddingBackward pad=${pad}`, dw, dwWant, 0, 0);
    }
    const bad = i32(3, rows);
    bad[1] = rows;
    sameError(t, "embedding bounds", (k) => k.embedding(w, rows, dim, bad, f32(3 * dim)));
  }

  // recurrent cells at offsets inside longer buffers, with and without a gradient from the output.
  // The wasm cells compute in f32 SIMD with polynomial exp/tanh, the reference in f64: with inputs
  // of magnitude ≤ 3, a few f32 roundings of O(1) terms (~1e-6 absolute; a wrong gate is off by ~0.1).
  for (const [n, hs] of [
    [3, 5],
    [2, 33],
  ]) {
    const len = n * hs,
      off = 7;
    for (const relu of [false, true]) {
      const x = f32(off + len),
        h = f32(off + len),
        hWant = copy(h);
      jsKernels.rnnCell(n, hs, relu, x, off, hWant, off);
      K.rnnCell(n, hs, relu, x, off, h, off);
      close(`rnnCell relu=${relu} ${n}x${hs}`, h, hWant, ...CELL_TOL);
      for (const withOut of [true, false]) {
        const dOut = withOut ? f32(len + 2) : null,
          rec = f32(len),
          dp = f32(off + len),
          dpWant = copy(dp);
        jsKernels.rnnCellBackward(n, hs, relu, hWant, off, dOut, 2, rec, dpWant, off);
        K.rnnCellBackward(n, hs, relu, hWant, off, dOut, 2, rec, dp, off);
        close(`rnnCellBackward relu=${relu} out=${withOut} ${n}x${hs}`, dp, dpWant, ...CELL_TOL);
      }
    }
    {
      // LSTM
      const x = f32(off + 4 * len, -3, 3),
        g = f32(off + 4 * len, -3, 3),
        gWant = copy(g),
        cp = f32(len + 1);
      const c = f32(off + len),
        cWant = copy(c),
        h = f32(off + len),
        hWant = copy(h);
      jsKernels.lstmCell(n, hs, x, off, gWant, off, cp, 1, cWant, off, hWant, off);
      K.lstmCell(n, hs, x, off, g, off, cp, 1, c, off, h, off);
      close(`lstmCell gates ${n}x${hs}`, g, gWant, ...CELL_TOL);
      close(`lstmCell c ${n}x${hs}`, c, cWant, ...CELL_TOL);
      close(`lstmCell h ${n}x${hs}`, h, hWant, ...CELL_TOL);
      for (const withOut of [true, false]) {
        const dOut = withOut ? f32(len) : null,
          rec = f32(len),
          dc = f32(len),
          dcWant = copy(dc);
        const dg = f32(off + 4 * len),
          dgWant = copy(dg);
        jsKernels.lstmCellBackward(n, hs, gWant, off, cp, 1, cWant, off, dOut, 0, rec, dcWant, dgWant, off);
        K.lstmCellBackward(n, hs, gWant, off, cp, 1, cWant, off, dOut, 0, rec, dc, dg, off);
        close(`lstmCellBackward dGates out=${withOut} ${n}x${hs}`, dg, dgWant, ...CELL_TOL);
        close(`lstmCellBackward dc out=${withOut} ${n}x${hs}`, dc, dcWant, ...CELL_TOL);
      }
    }
    {
      // GRU
      const x = f32(off + 3 * len, -3, 3),
        hp = f32(3 * len, -3, 3),
        hPrev = f32(len + 3);
      const g = f32(off + 3 * len),
        gWant = copy(g),
        h = f32(off + len),
        hWant = copy(h);
      jsKernels.gruCell(n, hs, x, off, hp, 0, hPrev, 3, gWant, off, hWant, off);
      K.gruCell(n, hs, x, off, hp, 0, hPrev, 3, g, off, h, off);
      close(`gruCell gates ${n}x${hs}`, g, gWant, ...CELL_TOL);
      close(`gruCell h ${n}x${hs}`, h, hWant, ...CELL_TOL);
      for (const withOut of [true, false]) {
        const dOut = withOut ? f32(len) : null,
          rec = f32(len),
          recWant = copy(rec);
        const dx = f32(3 * len),
          dxWant = copy(dx),
          dhp = f32(off + 3 * len),
          dhpWant = copy(dhp);
        jsKernels.gruCellBackward(n, hs, gWant, off, hp, 0, hPrev, 3, dOut, 0, recWant, dxWant, 0, dhpWant, off);
        K.gruCellBackward(n, hs, gWant, off, hp, 0, hPrev, 3, dOut, 0, rec, dx, 0, dhp, off);
        close(`gruCellBackward dX out=${withOut} ${n}x${hs}`, dx, dxWant, ...CELL_TOL);
        close(`gruCellBackward dHProj out=${withOut} ${n}x${hs}`, dhp, dhpWant, ...CELL_TOL);
        close(`gruCellBackward dhRec out=${withOut} ${n}x${hs}`, rec, recWant, ...CELL_TOL);
      }
    }
  }

  // top-k / sort: both directions, the insertion path (small k) and the merge sort (large k), ties and NaNs,
  // a middle axis.
  for (const [outer, size, inner] of [
    [3, 100, 1],
    [2, 7, 3],
    [1, 65, 1],
    [4, 1, 2],
  ]) {
    const x = f32(outer * size * inner);
    for (let i = 0; i < x.length; i++) x[i] = Math.round(x[i] * 3) / 3; // few distinct values: many ties
    if (x.length > 20) {
      x[5] = NaN;
      x[17] = NaN;
      x[9] = -0;
    }
    for (const k of [...new Set([0, 1, Math.min(5, size), Math.min(40, size), size])]) {
      for (const largest of [true, false]) {
        const v = f32(outer * k * inner),
          ix = i32(outer * k * inner, 1),
          vW = new Float32Array(v.length),
          ixW = new Int32Array(v.length);
        jsKernels.topk(x, outer, size, inner, k, largest, vW, ixW);
        K.topk(x, outer, size, inner, k, largest, v, ix);
        close(`topk ${outer}x${size}x${inner} k=${k} largest=${largest}`, v, vW, 0, 0);
        close(`topk indices ${outer}x${size}x${inner} k=${k} largest=${largest}`, ix, ixW, 0, 0);
      }
    }
  }

  for (const [outer, size, inner] of [
    [3, 100, 1],
    [2, 7, 3],
  ]) {
    for (const reverse of [false, true]) {
      const x = f32(outer * size * inner),
        want = new Float32Array(x.length),
        out = f32(x.length);
      jsKernels.cumsum(x, outer, size, inner, reverse, want);
      K.cumsum(x, outer, size, inner, reverse, out);
      close(`cumsum ${outer}x${size}x${inner} reverse=${reverse}`, out, want, 0, 0);
    }
  }

  {
    // multinomial: the same uniforms give the same draws; zero weights are never drawn; the errors.
    const rows = 4,
      n = 65,
      p = f32(rows * n, 0, 1);
    for (let j = 0; j < n; j += 3) p[j] = 0;
    for (const [samples, replacement] of [
      [50, true],
      [20, false],
      [1, true],
    ] as const) {
      const u = Float64Array.from({ length: rows * samples }, (_, i) => ((i * 7919) % 1000) / 1000);
      const out = i32(rows * samples, 1),
        want = new Int32Array(rows * samples);
      jsKernels.multinomial(p, rows, n, u, samples, replacement, want);
      K.multinomial(p, rows, n, u, samples, replacement, out);
      close(`multinomial samples=${samples} replacement=${replacement}`, out, want, 0, 0);
    }
    const u = new Float64Array(8).fill(0.5),
      neg = f32(10, 0, 1);
    neg[3] = -1;
    sameError(t, "multinomial negative weight", (k) => k.multinomial(neg, 1, 10, u, 1, true, new Int32Array(1)));
    sameError(t, "multinomial zero row", (k) => k.multinomial(f32(10, 0, 0), 1, 10, u, 1, true, new Int32Array(1)));
    sameError(t, "multinomial too many without replacement", (k) =>
      k.multinomial(f32(4, 0.1, 1), 1, 4, u, 5, false, new Int32Array(5)),
    );
  }
}
