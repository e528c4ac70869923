/**
 * Sorting and sampling on WebGPU over the middle axis of an (outer, size, inner) view, as the
 * reference (src/backend/js/sort.ts).
 * - topk: a thread per element computes its rank in the reference's stable order (how many
 *   elements rank before it: more extreme, or equal with a lower index; NaN above every number)
 *   and, when the rank is below k, writes itself there — O(size) per element. A few picks from a
 *   long column (top-k sampling over a vocabulary) instead take k selection rounds per column.
 * - cumsum: a thread per (outer, inner) column walking the axis in order — float32 running sums
 *   where the reference's are float64; int32 sums wrap as the reference's Int32Array stores do.
 * - multinomial: a thread per row with the reference's algorithm on the same uniforms (uploaded
 *   as float32, kept below 1): cumulative sums and a binary search with replacement, draw-and-
 *   remove without. Sums are float32, so a draw within float32 rounding of a category boundary
 *   may pick the neighbour the float64 reference would not. Rows no distribution can come from
 *   are reported (the reference's messages) and the next read throws; host copies are checked at once.
 */
import { checkDistributions } from "../../js/sort.js";
import { ERR, FLAT, grid, type GpuContext, WGSL_ERRORS } from "../context.js";
import type { GpuStorage } from "../storage.js";
import { header } from "./common.js";

const memo = new Map<string, { key: string; code: () => string }>();
const src = (key: string, code: () => string) => {
  let s = memo.get(key);
  if (!s) memo.set(key, (s = { key, code }));
  return s;
};

/** Element (o, r, j) of x: x[(o·size + r)·inner + j]; its rank among the column's elements. */
const topkSource = (dtype: string, largest: boolean) =>
  src(`topk:${dtype}:largest${+largest}`, () => {
    const T = dtype === "int32" ? "i32" : "f32";
    const nan = (v: string): string => (T === "f32" ? `is_nan(${v})` : "false");
    return `${header("outer: u32, size: u32, inner: u32, k: u32", [
      ["x", "read", T],
      ["values", "read_write", T],
      ["indices", "read_write", "i32"],
    ])}
// a ranks above b when looking for the largest: NaN above every number.
fn greater(a: ${T}, b: ${T}) -> bool { return (${nan("a")} && !${nan("b")}) || a > b; }
fn before(a: ${T}, b: ${T}) -> bool { return ${largest ? "greater(a, b)" : "greater(b, a)"}; }
${FLAT()}
  if (i >= p.outer * p.size * p.inner) { return; }
  let j = i % p.inner; let r = (i / p.inner) % p.size; let o = i / (p.inner * p.size);
  let base = o * p.size * p.inner + j;
  let v = x[i];
  var rank = 0u;
  for (var m = 0u; m < p.size; m = m + 1u) {
    let u = x[base + m * p.inner];
    if (before(u, v) || (m < r && !before(v, u))) { rank = rank + 1u; }
  }
  if (rank < p.k) {
    let dst = (o * p.k + rank) * p.inner + j;
    values[dst] = v; indices[dst] = i32(r);
  }
}`;
  });

const SW = 256;
/**
 * topk for k much smaller than size: a workgroup per (o, j) column picks the k elements one at a
 * time — each round every thread finds, among its strided share, the best element ranking after
 * the previous pick (in the same stable order), and a tree in workgroup memory keeps the best.
 * O(k·size) per column instead of the rank kernel's O(size²); identical results.
 */
const topkSelectSource = (dtype: string, largest: boolean) =>
  src(`topkSelect:${dtype}:largest${+largest}`, () => {
    const T = dtype === "int32" ? "i32" : "f32";
    const nan = (v: string): string => (T === "f32" ? `is_nan(${v})` : "false");
    return `${header("outer: u32, size: u32, inner: u32, k: u32", [
      ["x", "read", T],
      ["values", "read_write", T],
      ["indices", "read_write", "i32"],
    ])}
fn greater(a: ${T}, b: ${T}) -> bool { return (${nan("a")} && !${nan("b")}) || a > b; }
fn before(a: ${T}, b: ${T}) -> bool { return ${largest ? "greater(a, b)" : "greater(b, a)"}; }
// (v1, i1) ranks before (v2, i2): more extreme, or equal with a lower index.
fn ranks_before(v1: ${T}, i1: u32, v2: ${T}, i2: u32) -> bool { return before(v1, v2) || (!before(v2, v1) && i1 < i2); }
var<workgroup> sv: array<${T}, ${SW}>;
var<workgroup> si: array<u32, ${SW}>;
@compute @workgroup_size(${SW})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = lid.x;
  let col = wid.x + wid.y * nwg.x;
  if (col >= p.outer * p.inner) { return; }
  let j = col % p.inner; let o = col / p.inner;
  let base = o * p.size * p.inner + j;
  var pv: ${T} = x[base]; var pi = 0xffffffffu; // the previous pick; none yet
  for (var r = 0u; r < p.k; r = r + 1u) {
    var bv: ${T} = pv; var bi = 0xffffffffu;   // no candidate
    for (var m = t; m < p.size; m = m + ${SW}u) {
      let v = x[base + m * p.inner];
      let after = pi == 0xffffffffu || ranks_before(pv, pi, v, m);
      if (after && (bi == 0xffffffffu || ranks_before(v, m, bv, bi))) { bv = v; bi = m; }
    }
    sv[t] = bv; si[t] = bi; workgroupBarrier();
    for (var w = ${SW / 2}u; w > 0u; w = w >> 1u) {
      if (t < w && si[t + w] != 0xffffffffu && (si[t] == 0xffffffffu || ranks_before(sv[t + w], si[t + w], sv[t], si[t]))) {
        sv[t] = sv[t + w]; si[t] = si[t + w];
      }
      workgroupBarrier();
    }
    pv = sv[0]; pi = si[0]; workgroupBarrier();
    if (t == 0u) { let dst = (o * p.k + r) * p.inner + j; values[dst] = pv; indices[dst] = i32(pi); }
  }
}`;
  });

const cumsumSource = (dtype: string) =>
  src(`cumsum:${dtype}`, () => {
    const T = dtype === "int32" ? "i32" : "f32";
    return `${header("outer: u32, size: u32, inner: u32, reverse: u32", [
      ["x", "read", T],
      ["out", "read_write", T],
    ])}
${FLAT()}
  if (i >= p.outer * p.inner) { return; }
  let j = i % p.inner; let o = i / p.inner;
  let base = o * p.size * p.inner + j;
  var s: ${T} = ${T}(0);
  for (var r = 0u; r < p.size; r = r + 1u) {
    let k = base + select(r, p.size - 1u - r, p.reverse != 0u) * p.inner;
    s = s + x[k];
    out[k] = s;
  }
}`;
  });

/** Row r: probs[r·n ..], uniforms u[r·numSamples ..]; w (rows × n scratch) holds the running weights. */
const multinomialSource = (replacement: boolean) =>
  src(
    `multinomial:repl${+replacement}`,
    () =>
      `${header("rows: u32, n: u32, numSamples: u32", [
        ["probs", "read"],
        ["u", "read"],
        ["w", "read_write"],
        ["out", "read_write", "i32"],
      ])}
${WGSL_ERRORS(5)}
// The reference's checks of row r, in its order: 0 if fine, else the error's code (reported when report_it).
fn row_error(r: u32, report_it: bool) -> u32 {
  let o = r * p.n;
  var positive = 0u; var sum = 0.0;
  for (var j = 0u; j < p.n; j = j + 1u) {
    let q = probs[o + j];
    if (is_nan(q) || q < 0.0 || is_inf(q)) {
      if (report_it) { report_at(${ERR.multinomialWeight}u, bitcast<i32>(q), r, j); }
      return ${ERR.multinomialWeight}u;
    }
    sum = sum + q;
    if (q > 0.0) { positive = positive + 1u; }
  }
  if (sum <= 0.0) { if (report_it) { report(${ERR.multinomialZeroRow}u, 0, r); } return ${ERR.multinomialZeroRow}u; }
  ${
    replacement
      ? ""
      : `if (positive < p.numSamples) {
    if (report_it) { report_at(${ERR.multinomialTooFew}u, i32(positive), r, p.numSamples); }
    return ${ERR.multinomialTooFew}u;
  }`
  }
  return 0u;
}
${FLAT()}
  if (i >= p.rows) { return; }
  let o = i * p.n;
  if (row_error(i, false) != 0u) {
    // Only the first bad row reports, as the reference throws for it (earlier rows are re-checked on errors only).
    for (var r = 0u; r < i; r = r + 1u) { if (row_error(r, false) != 0u) { return; } }
    _ = row_error(i, true);
    return;
  }
  ${
    replacement
      ? `
  var acc = 0.0;
  for (var j = 0u; j < p.n; j = j + 1u) { acc = acc + probs[o + j]; w[o + j] = acc; } // cumulative sums
  for (var s = 0u; s < p.numSamples; s = s + 1u) {
    let goal = u[i * p.numSamples + s] * w[o + p.n - 1u];
    // The first category whose cumulative sum exceeds the target (never one of weight 0).
    var lo = 0u; var hi = p.n - 1u;
    while (lo < hi) { let mid = (lo + hi) >> 1u; if (w[o + mid] > goal) { hi = mid; } else { lo = mid + 1u; } }
    out[i * p.numSamples + s] = i32(lo);
  }`
      : `
  for (var j = 0u; j < p.n; j = j + 1u) { w[o + j] = probs[o + j]; }
  for (var s = 0u; s < p.numSamples; s = s + 1u) {
    var total = 0.0;
    for (var j = 0u; j < p.n; j = j + 1u) { total = total + w[o + j]; }
    let goal = u[i * p.numSamples + s] * total;
    var acc = 0.0; var pick = 0u;
    for (var j = 0u; j < p.n; j = j + 1u) {
      let q = w[o + j];
      if (q <= 0.0) { continue; }
      acc = acc + q; pick = j;
      if (acc > goal) { break; }
    }
    out[i * p.numSamples + s] = i32(pick);
    w[o + pick] = 0.0;
  }`
  }
}`,
  );

/** The largest float32 below 1: a float64 uniform rounded to float32 must stay in [0, 1). */
const BELOW_ONE = 1 - 2 ** -24;

export function sortKernels(ctx: GpuContext) {
  return {
    topk(
      x: GpuStorage,
      outer: number,
      size: number,
      inner: number,
      k: number,
      largest: boolean,
      values: GpuStorage,
      indices: GpuStorage,
    ): void {
      const n = outer * size * inner;
      if (!n || !k) return;
      const bind = [x, { s: values, w: true as const }, { s: indices, w: true as const }];
      // Few picks from long columns: k selection rounds; otherwise every element's rank at once.
      if (size > 512 && k * 16 <= size)
        ctx.dispatch(topkSelectSource(x.dtype, largest), "uuuu", [outer, size, inner, k], bind, grid(outer * inner, 1));
      else ctx.dispatch(topkSource(x.dtype, largest), "uuuu", [outer, size, inner, k], bind, grid(n));
    },
    cumsum(x: GpuStorage, outer: number, size: number, inner: number, reverse: boolean, out: GpuStorage): void {
      const cols = outer * inner;
      if (!cols || !size) return;
      ctx.dispatch(cumsumSource(x.dtype), "uuuu", [outer, size, inner, +reverse], [x, { s: out, w: true }], grid(cols));
    },
    multinomial(
      probs: GpuStorage,
      rows: number,
      n: number,
      u: Float64Array,
      numSamples: number,
      replacement: boolean,
      out: GpuStorage,
    ): void {
      // The sample-count check needs no data; a host copy of the weights is checked at once.
      checkDistributions(
        probs.host ? (probs.host as Float32Array) : new Float32Array(0),
        probs.host ? rows : 0,
        n,
        numSamples,
        replacement,
      );
      if (!rows || !numSamples) return;
      const uf = new Float32Array(u.length);
      for (let i = 0; i < u.length; i++) uf[i] = Math.min(Math.fround(u[i]), BELOW_ONE);
      const us = ctx.upload(uf),
        scratch = ctx.empty("float32", rows * n);
      ctx.dispatch(
        multinomialSource(replacement),
        "uuu",
        [rows, n, numSamples],
        [probs, us, { s: scratch, w: true }, { s: out, w: true }, "errors"],
        grid(rows),
      );
      us.dispose();
      scratch.dispose();
    },
  };
}
