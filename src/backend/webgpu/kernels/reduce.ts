/**
 * Reductions, softmax and the fused cross-entropy on WebGPU, over the middle axis of an
 * (outer, size, inner) view. Contiguous rows (inner = 1) get a workgroup each and a tree in
 * workgroup memory; strided columns (inner > 1) get a thread each walking the axis in order
 * (coalesced across the inner index), which also reproduces the reference's order exactly.
 * max/min: the first NaN wins, else the first extreme (the reference's strict comparison).
 */
import { checkTargets } from "../../js/loss.js";
import type { ReduceOp } from "../../js/reduce.js";
import { ERR, FLAT, grid, type GpuContext, WGSL_ERRORS } from "../context.js";
import type { GpuStorage } from "../storage.js";
import { header } from "./common.js";

const RW = 256;

/** Workgroup index as a flat row number (rows beyond 65535 spill into y). */
const ROW_MAIN = (wg: number): string => `
@compute @workgroup_size(${wg})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = lid.x;
  let row = wid.x + wid.y * nwg.x;`;

function rowsGrid(rows: number): [number, number] {
  return grid(rows, 1);
}

function reduceSource(op: ReduceOp, dtype: string, indices: boolean, rowwise: boolean) {
  const T = dtype === "int32" ? "i32" : "f32";
  const isNan = (v: string): string => (T === "f32" ? `is_nan(${v})` : "false");
  const cmp = op === "max" ? ">" : "<";
  // (v2, i2) replaces (v1, i1) when it is a NaN and v1 is not, or strictly more extreme, or equal with a lower index.
  const better = `fn better(v1: ${T}, i1: u32, v2: ${T}, i2: u32) -> bool {
    let n1 = ${isNan("v1")}; let n2 = ${isNan("v2")};
    if (n1 || n2) { return n2 && (!n1 || i2 < i1); }
    return v2 ${cmp} v1 || (v2 == v1 && i2 < i1);
  }`;
  const binds: Array<[string, "read" | "read_write", string]> = [
    ["x", "read", T],
    ["out", "read_write", T],
  ];
  if (indices) binds.push(["idx", "read_write", "i32"]);
  const fields = "outer: u32, size: u32, inner: u32, rows: u32";
  if (!rowwise) {
    // One thread per output: the reference's loop.
    const loop =
      op === "sum"
        ? `var s: ${T} = ${T}(0); for (var r = 0u; r < p.size; r = r + 1u) { s = s + x[base + r * p.inner]; } out[i] = s;`
        : `var best = x[base]; var bi = 0u;
         for (var r = 1u; r < p.size; r = r + 1u) {
           if (${isNan("best")}) { break; }
           let v = x[base + r * p.inner];
           if (${isNan("v")} || v ${cmp} best) { best = v; bi = r; }
         }
         out[i] = best; ${indices ? "idx[i] = i32(bi);" : ""}`;
    return {
      key: `reduce:${op}:${dtype}:idx${+indices}:col`,
      code: () => `${header(fields, binds)}
${FLAT()}
  if (i >= p.rows) { return; }
  let o = i / p.inner; let j = i - o * p.inner;
  let base = o * p.size * p.inner + j;
  ${loop}
}`,
    };
  }
  const tree =
    op === "sum"
      ? `var s: ${T} = ${T}(0);
       for (var r = t; r < p.size; r = r + ${RW}u) { s = s + x[base + r]; }
       sv[t] = s; workgroupBarrier();
       for (var w = ${RW / 2}u; w > 0u; w = w >> 1u) { if (t < w) { sv[t] = sv[t] + sv[t + w]; } workgroupBarrier(); }
       if (t == 0u) { out[row] = sv[0]; }`
      : `var best = x[base + min(t, p.size - 1u)]; var bi = min(t, p.size - 1u);
       for (var r = t + ${RW}u; r < p.size; r = r + ${RW}u) { let v = x[base + r]; if (better(best, bi, v, r)) { best = v; bi = r; } }
       sv[t] = best; si[t] = bi; workgroupBarrier();
       for (var w = ${RW / 2}u; w > 0u; w = w >> 1u) {
         if (t < w && better(sv[t], si[t], sv[t + w], si[t + w])) { sv[t] = sv[t + w]; si[t] = si[t + w]; }
         workgroupBarrier();
       }
       if (t == 0u) { out[row] = sv[0]; ${indices ? "idx[row] = i32(si[0]);" : ""} }`;
  return {
    key: `reduce:${op}:${dtype}:idx${+indices}:row`,
    code: () => `${header(fields, binds)}
var<workgroup> sv: array<${T}, ${RW}>;
var<workgroup> si: array<u32, ${RW}>;
${op === "sum" ? "" : better}
${ROW_MAIN(RW)}
  if (row >= p.rows) { return; }
  let base = row * p.size;
  ${tree}
}`,
  };
}

/** Softmax rows: a workgroup per (o, j) row, elements `inner` apart. */
const SW = 64;
const ROW_PRELUDE = `
  if (row >= p.rows) { return; }
  let o = row / p.inner; let j = row - o * p.inner;
  let base = o * p.size * p.inner + j;`;
const TREE_SUM = (v: string): string => `sh[t] = ${v}; workgroupBarrier();
  for (var w = ${SW / 2}u; w > 0u; w = w >> 1u) { if (t < w) { sh[t] = sh[t] + sh[t + w]; } workgroupBarrier(); }
  let total = sh[0]; workgroupBarrier();`;

function softmaxSource(log: boolean) {
  return {
    key: `softmax:log${+log}`,
    code: () => `${header("outer: u32, size: u32, inner: u32, rows: u32", [
      ["x", "read"],
      ["out", "read_write"],
    ])}
var<workgroup> sh: array<f32, ${SW}>;
${ROW_MAIN(SW)}
  ${ROW_PRELUDE}
  var mx = -inf_();
  for (var r = t; r < p.size; r = r + ${SW}u) { mx = max_nan(mx, x[base + r * p.inner]); }
  sh[t] = mx; workgroupBarrier();
  for (var w = ${SW / 2}u; w > 0u; w = w >> 1u) { if (t < w) { sh[t] = max_nan(sh[t], sh[t + w]); } workgroupBarrier(); }
  mx = sh[0]; workgroupBarrier();
  var s = 0.0;
  for (var r = t; r < p.size; r = r + ${SW}u) { s = s + m_exp(x[base + r * p.inner] - mx); }
  ${TREE_SUM("s")}
  ${
    log
      ? // (x − max) − log(sum): both parts small and exact-ish, where x − (max + log(sum)) would round at lse's scale.
        "let ls = m_log(total); for (var r = t; r < p.size; r = r + " +
        SW +
        "u) { let k = base + r * p.inner; out[k] = (x[k] - mx) - ls; }"
      : "for (var r = t; r < p.size; r = r + " +
        SW +
        "u) { let k = base + r * p.inner; out[k] = m_exp(x[k] - mx) / total; }"
  }
}`,
  };
}

function softmaxBackwardSource(log: boolean) {
  return {
    key: `softmaxBackward:log${+log}`,
    code: () => `${header("outer: u32, size: u32, inner: u32, rows: u32", [
      ["y", "read"],
      ["dy", "read"],
      ["dx", "read_write"],
    ])}
var<workgroup> sh: array<f32, ${SW}>;
${ROW_MAIN(SW)}
  ${ROW_PRELUDE}
  var s = 0.0;
  for (var r = t; r < p.size; r = r + ${SW}u) { let k = base + r * p.inner; s = s + ${log ? "dy[k]" : "dy[k] * y[k]"}; }
  ${TREE_SUM("s")}
  for (var r = t; r < p.size; r = r + ${SW}u) {
    let k = base + r * p.inner;
    dx[k] = ${log ? "dy[k] - m_exp(y[k]) * total" : "y[k] * (dy[k] - total)"};
  }
}`,
  };
}

/** Per row: the loss from the log-probabilities; a bad target is reported and its loss is NaN. */
const CE_FORWARD = {
  key: "crossEntropyForward",
  code: () => `${header("n: u32, c: u32, eps: f32, ignore: i32", [
    ["lp", "read"],
    ["tgt", "read", "i32"],
    ["loss", "read_write"],
  ])}
${WGSL_ERRORS(4)}
${FLAT()}
  if (i >= p.n) { return; }
  let t = tgt[i];
  if (t == p.ignore) { loss[i] = 0.0; return; }
  if (t < 0 || t >= i32(p.c)) { report(${ERR.crossEntropyTarget}u, t, p.c); loss[i] = nan_(); return; }
  var s = 0.0;
  if (p.eps > 0.0) { for (var j = 0u; j < p.c; j = j + 1u) { s = s + lp[i * p.c + j]; } }
  loss[i] = -(1.0 - p.eps) * lp[i * p.c + u32(t)] - (p.eps / f32(p.c)) * s;
}`,
};

const CE_BACKWARD = {
  key: "crossEntropyBackward",
  code: () => `${header("n: u32, c: u32, eps: f32, ignore: i32", [
    ["lp", "read"],
    ["tgt", "read", "i32"],
    ["rowGrad", "read"],
    ["d", "read_write"],
  ])}
${FLAT()}
  if (i >= p.n * p.c) { return; }
  let r = i / p.c; let j = i - r * p.c;
  let t = tgt[r];
  let g = select(rowGrad[r], 0.0, t == p.ignore);
  let q = select(0.0, 1.0 - p.eps, i32(j) == t) + p.eps / f32(p.c);
  d[i] = g * (m_exp(lp[i]) - q);
}`,
};

const memo = <T>(f: (...a: never[]) => T) => {
  const m = new Map<string, T>();
  return (...a: Array<string | boolean>): T => {
    const k = a.join(":");
    let r = m.get(k);
    if (!r) m.set(k, (r = (f as (...b: unknown[]) => T)(...a)));
    return r;
  };
};
const reduceS = memo(reduceSource),
  softmaxS = memo(softmaxSource),
  softmaxBackS = memo(softmaxBackwardSource);

export function reduceKernels(ctx: GpuContext) {
  const softmax = (x: GpuStorage, outer: number, size: number, inner: number, out: GpuStorage, log: boolean): void => {
    const rows = outer * inner;
    if (!rows || !size) return;
    ctx.dispatch(softmaxS(log), "uuuu", [outer, size, inner, rows], [x, { s: out, w: true }], rowsGrid(rows));
  };
  return {
    reduce(
      op: ReduceOp,
      x: GpuStorage,
      outer: number,
      size: number,
      inner: number,
      out: GpuStorage,
      indices?: GpuStorage,
    ): void {
      const rows = outer * inner;
      if (!rows) return;
      if (size === 0) throw new Error(`reduce ${op}: the reduced axis is empty`);
      const rowwise = inner === 1 && size > 32;
      const bind: Array<GpuStorage | { s: GpuStorage; w: true }> = [x, { s: out, w: true }];
      const withIdx = op !== "sum" && !!indices;
      if (withIdx) bind.push({ s: indices!, w: true });
      ctx.dispatch(
        reduceS(op, x.dtype, withIdx, rowwise),
        "uuuu",
        [outer, size, inner, rows],
        bind,
        rowwise ? rowsGrid(rows) : grid(rows),
      );
    },
    softmax,
    softmaxBackward(
      y: GpuStorage,
      dy: GpuStorage,
      outer: number,
      size: number,
      inner: number,
      dx: GpuStorage,
      log: boolean,
    ): void {
      const rows = outer * inner;
      if (!rows || !size) return;
      ctx.dispatch(softmaxBackS(log), "uuuu", [outer, size, inner, rows], [y, dy, { s: dx, w: true }], rowsGrid(rows));
    },
    crossEntropyForward(
      logits: GpuStorage,
      target: GpuStorage,
      n: number,
      c: number,
      eps: number,
      ignoreIndex: number,
      lossRows: GpuStorage,
      logProbs: GpuStorage,
    ): void {
      // Targets that came from the host are checked there, at once, with the reference's message;
      // otherwise the kernel reports the first bad one and the next read throws it.
      if (target.host) checkTargets(target.host as Int32Array, n, c, ignoreIndex);
      softmax(logits, n, c, 1, logProbs, true);
      if (n)
        ctx.dispatch(
          CE_FORWARD,
          "uufi",
          [n, c, eps, ignoreIndex],
          [logProbs, target, { s: lossRows, w: true }, "errors"],
          grid(n),
        );
    },
    crossEntropyBackward(
      logProbs: GpuStorage,
      target: GpuStorage,
      n: number,
      c: number,
      eps: number,
      ignoreIndex: number,
      rowGrad: GpuStorage,
      dlogits: GpuStorage,
    ): void {
      if (n * c)
        ctx.dispatch(
          CE_BACKWARD,
          "uufi",
          [n, c, eps, ignoreIndex],
          [logProbs, target, rowGrad, { s: dlogits, w: true }],
          grid(n * c),
        );
    },
  };
}
