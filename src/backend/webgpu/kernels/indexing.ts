/**
 * Data movement by index on WebGPU (values move as u32 bits, so one pipeline serves both dtypes).
 * The scatter-adds are gathers over the output: each output element adds its contributions in
 * the reference's order, so the result is deterministic and bit-identical to the reference —
 * no float atomics. Index checks: host copies are checked at once with the reference's message;
 * otherwise kernels report the first bad index and the next read throws it.
 */
import { stridesOf } from "../../../tensor/shape.js";
import { checkIndices } from "../../js/indexing.js";
import { ERR, FLAT, grid, type GpuContext, WGSL_ERRORS } from "../context.js";
import type { GpuStorage } from "../storage.js";
import { at8, collapse, header, pad8, U8 } from "./common.js";

const PERMUTE = {
  key: "permute",
  code: () => `${header("shape: array<vec4<u32>, 2>, st: array<vec4<u32>, 2>, rank: u32, n: u32", [
    ["x", "read", "u32"],
    ["out", "read_write", "u32"],
  ])}
${FLAT()}
  if (i >= p.n) { return; }
  var rest = i; var src = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d = d - 1) {
    let du = u32(d);
    let s = ${at8("shape", "du")};
    src = src + (rest % s) * ${at8("st", "du")}; rest = rest / s;
  }
  out[i] = x[src];
}`,
};

const GATHER_ROWS = {
  key: "gatherRows",
  code: () => `${header("n: u32, rowSize: u32, rows: u32", [
    ["x", "read", "u32"],
    ["index", "read", "i32"],
    ["out", "read_write", "u32"],
  ])}
${FLAT()}
  if (i >= p.n) { return; }
  let r = i / p.rowSize; let j = i - r * p.rowSize;
  let k = index[r];
  out[i] = select(0u, x[u32(k) * p.rowSize + j], k >= 0 && u32(k) < p.rows);
}`,
};

/** dx[r, j] += Σ dy[i, j] over i with index[i] = r, in increasing i: a thread per dx element. */
const SCATTER_ADD_ROWS = {
  key: "scatterAddRows",
  code: () => `${header("n: u32, rowSize: u32, count: u32", [
    ["dy", "read"],
    ["index", "read", "i32"],
    ["dx", "read_write"],
  ])}
${FLAT()}
  if (i >= p.n) { return; }
  let r = i32(i / p.rowSize); let j = i % p.rowSize;
  var acc = dx[i];
  for (var q = 0u; q < p.count; q = q + 1u) { if (index[q] == r) { acc = acc + dy[q * p.rowSize + j]; } }
  dx[i] = acc;
}`,
};

const GATHER_ALONG = {
  key: "gatherAlong",
  code: () => `${header("n: u32, size: u32, inner: u32, indexSize: u32", [
    ["x", "read", "u32"],
    ["index", "read", "i32"],
    ["out", "read_write", "u32"],
  ])}
${WGSL_ERRORS(4)}
${FLAT()}
  if (i >= p.n) { return; }
  let j = i % p.inner; let o = i / (p.inner * p.indexSize);
  let k = index[i];
  if (k < 0 || u32(k) >= p.size) { report(${ERR.gatherIndex}u, k, p.size); out[i] = 0u; return; }
  out[i] = x[(o * p.size + u32(k)) * p.inner + j];
}`,
};

/** dx[o, s, j] += Σ_r dy[o, r, j] where index[o, r, j] = s, in increasing r; s = 0 threads also check the indices. */
const SCATTER_ADD_ALONG = {
  key: "scatterAddAlong",
  code: () => `${header("n: u32, size: u32, inner: u32, indexSize: u32", [
    ["dy", "read"],
    ["index", "read", "i32"],
    ["dx", "read_write"],
  ])}
${WGSL_ERRORS(4)}
${FLAT()}
  if (i >= p.n) { return; }
  let j = i % p.inner; let os = i / p.inner; let o = os / p.size; let s = i32(os - o * p.size);
  var acc = dx[i];
  for (var r = 0u; r < p.indexSize; r = r + 1u) {
    let k = (o * p.indexSize + r) * p.inner + j;
    let v = index[k];
    if (v == s) { acc = acc + dy[k]; }
    if (s == 0 && (v < 0 || u32(v) >= p.size)) { report(${ERR.scatterAddIndex}u, v, p.size); }
  }
  dx[i] = acc;
}`,
};

export function indexingKernels(ctx: GpuContext) {
  return {
    permute(x: GpuStorage, shape: readonly number[], perm: readonly number[], out: GpuStorage): void {
      const n = x.length;
      if (!n) return;
      const inStrides = stridesOf(shape);
      const c = collapse(
        perm.map((q) => shape[q]),
        [perm.map((q) => inStrides[q])],
      );
      ctx.dispatch(
        PERMUTE,
        `${U8}${U8}uu`,
        [...pad8(c.shape, "permute"), ...pad8(c.strides[0], "permute"), c.shape.length, n],
        [x, { s: out, w: true }],
        grid(n),
      );
    },
    gatherRows(x: GpuStorage, index: GpuStorage, rowSize: number, out: GpuStorage): void {
      const n = index.length * rowSize;
      if (!n) return;
      ctx.dispatch(
        GATHER_ROWS,
        "uuu",
        [n, rowSize, Math.floor(x.length / rowSize)],
        [x, index, { s: out, w: true }],
        grid(n),
      );
    },
    scatterAddRows(dy: GpuStorage, index: GpuStorage, rowSize: number, dx: GpuStorage): void {
      if (!dx.length || !index.length) return;
      ctx.dispatch(
        SCATTER_ADD_ROWS,
        "uuu",
        [dx.length, rowSize, index.length],
        [dy, index, { s: dx, w: true }],
        grid(dx.length),
      );
    },
    gatherAlong(
      x: GpuStorage,
      index: GpuStorage,
      outer: number,
      size: number,
      inner: number,
      indexSize: number,
      out: GpuStorage,
    ): void {
      if (index.host) checkIndices(index.host as Int32Array, size, "gather");
      const n = outer * indexSize * inner;
      if (!n) return;
      ctx.dispatch(
        GATHER_ALONG,
        "uuuu",
        [n, size, inner, indexSize],
        [x, index, { s: out, w: true }, "errors"],
        grid(n),
      );
    },
    scatterAddAlong(
      dy: GpuStorage,
      index: GpuStorage,
      outer: number,
      size: number,
      inner: number,
      indexSize: number,
      dx: GpuStorage,
    ): void {
      if (index.host) checkIndices(index.host as Int32Array, size, "scatterAdd");
      const n = outer * size * inner;
      if (!n || !indexSize) return;
      ctx.dispatch(
        SCATTER_ADD_ALONG,
        "uuuu",
        [n, size, inner, indexSize],
        [dy, index, { s: dx, w: true }, "errors"],
        grid(n),
      );
    },
  };
}
