/**
 * LayerNorm and BatchNorm on WebGPU, forward and backward. A workgroup of 64 threads owns one
 * row (LayerNorm) or one channel (BatchNorm): each thread walks a strided share of its elements,
 * partial sums meet in a tree in workgroup memory, and the same workgroup then writes the outputs.
 * Statistics use the reference's two passes (mean, then squared deviations), in float32 where the
 * reference sums in float64 (the parity test's tolerances account for it). LayerNorm's dweight /
 * dbias are column sums over rows: a thread per column, walking the rows in order.
 * Optional tensors (weight, bias, running stats, dx, ...) select pipeline variants, since every
 * declared binding must be used.
 */
import { FLAT, grid, type GpuContext } from "../context.js";
import type { GpuStorage } from "../storage.js";
import { type Access, header } from "./common.js";

const NW = 64;
/** A workgroup per group (row or channel) `g`, thread `t`; groups beyond 65535 spill into y. */
const GROUP_MAIN = `
var<workgroup> sh: array<f32, ${NW}>;
var<workgroup> sh2: array<f32, ${NW}>;
@compute @workgroup_size(${NW})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = lid.x;
  let g = wid.x + wid.y * nwg.x;`;
/** Tree sums of a and b across the workgroup, leaving the totals in sa and sb for every thread (uniform control flow). */
const TREE2 = (a: string, b: string): string => `
  sh[t] = ${a}; sh2[t] = ${b}; workgroupBarrier();
  for (var w = ${NW / 2}u; w > 0u; w = w >> 1u) {
    if (t < w) { sh[t] = sh[t] + sh[t + w]; sh2[t] = sh2[t] + sh2[t + w]; }
    workgroupBarrier();
  }
  let sa = sh[0]; let sb = sh2[0]; workgroupBarrier();`;

type B = [string, Access, string?];
const memo = new Map<string, { key: string; code: () => string }>();
const src = (key: string, code: () => string) => {
  let s = memo.get(key);
  if (!s) memo.set(key, (s = { key, code }));
  return s;
};

/** Row g of (rows, d): y = (x − μ)·rstd (·w + b), saving μ and rstd. */
function layerNormForward(hasW: boolean, hasB: boolean) {
  const binds: B[] = [
    ["x", "read"],
    ["out", "read_write"],
    ["mean", "read_write"],
    ["rstd", "read_write"],
  ];
  if (hasW) binds.push(["weight", "read"]);
  if (hasB) binds.push(["bias", "read"]);
  return src(
    `layerNormForward:w${+hasW}:b${+hasB}`,
    () => `${header("rows: u32, d: u32, eps: f32", binds)}
${GROUP_MAIN}
  if (g >= p.rows) { return; }
  let o = g * p.d;
  var s = 0.0;
  for (var j = t; j < p.d; j = j + ${NW}u) { s = s + x[o + j]; }
  ${TREE2("s", "0.0")}
  let mu = sa / f32(p.d);
  var q = 0.0;
  for (var j = t; j < p.d; j = j + ${NW}u) { let v = x[o + j] - mu; q = q + v * v; }
  sh[t] = q; workgroupBarrier();
  for (var w = ${NW / 2}u; w > 0u; w = w >> 1u) { if (t < w) { sh[t] = sh[t] + sh[t + w]; } workgroupBarrier(); }
  let rs = 1.0 / sqrt(sh[0] / f32(p.d) + p.eps);
  if (t == 0u) { mean[g] = mu; rstd[g] = rs; }
  for (var j = t; j < p.d; j = j + ${NW}u) {
    var y = (x[o + j] - mu) * rs;
    ${hasW ? "y = y * weight[j];" : ""}
    ${hasB ? "y = y + bias[j];" : ""}
    out[o + j] = y;
  }
}`,
  );
}

/** dx of row g: rstd·gr + B·(x − μ) + C with gr = dy·w, B = −rstd³·Σgr(x−μ)/d, C = −rstd·Σgr/d. */
function layerNormBackwardDx(hasW: boolean) {
  const binds: B[] = [
    ["x", "read"],
    ["dy", "read"],
    ["mean", "read"],
    ["rstd", "read"],
    ["dx", "read_write"],
  ];
  if (hasW) binds.push(["weight", "read"]);
  const gr = hasW ? "dy[o + j] * weight[j]" : "dy[o + j]";
  return src(
    `layerNormBackwardDx:w${+hasW}`,
    () => `${header("rows: u32, d: u32", binds)}
${GROUP_MAIN}
  if (g >= p.rows) { return; }
  let o = g * p.d; let mu = mean[g]; let rs = rstd[g];
  var sg = 0.0; var sgx = 0.0;
  for (var j = t; j < p.d; j = j + ${NW}u) { let gv = ${gr}; sg = sg + gv; sgx = sgx + gv * (x[o + j] - mu); }
  ${TREE2("sg", "sgx")}
  let B = -rs * rs * rs * sb / f32(p.d); let C = -rs * sa / f32(p.d);
  for (var j = t; j < p.d; j = j + ${NW}u) { dx[o + j] = rs * ${gr} + B * (x[o + j] - mu) + C; }
}`,
  );
}

/** Column j: dweight[j] = Σ_r dy·(x − μ_r)·rstd_r, dbias[j] = Σ_r dy, rows in order. */
function layerNormBackwardDwb(hasDw: boolean, hasDb: boolean) {
  // dbias alone needs only dy.
  const binds: B[] = hasDw
    ? [
        ["x", "read"],
        ["dy", "read"],
        ["mean", "read"],
        ["rstd", "read"],
        ["dw", "read_write"],
      ]
    : [["dy", "read"]];
  if (hasDb) binds.push(["db", "read_write"]);
  return src(
    `layerNormBackwardDwb:${+hasDw}${+hasDb}`,
    () => `${header("rows: u32, d: u32", binds)}
${FLAT()}
  if (i >= p.d) { return; }
  var sw = 0.0; var sb = 0.0;
  for (var r = 0u; r < p.rows; r = r + 1u) {
    let k = r * p.d + i;
    ${hasDw ? "sw = sw + dy[k] * (x[k] - mean[r]) * rstd[r];" : ""}
    sb = sb + dy[k];
  }
  ${hasDw ? "dw[i] = sw;" : ""}
  ${hasDb ? "db[i] = sb;" : ""}
}`,
  );
}

/**
 * Channel g of (n, c, l): its elements are x[(i·c + g)·l + j]. Training: batch statistics (and the
 * running ones updated in place by thread 0, with the unbiased variance); eval: the running ones.
 */
function batchNormForward(training: boolean, running: boolean, hasW: boolean, hasB: boolean) {
  const binds: B[] = [
    ["x", "read"],
    ["out", "read_write"],
    ["mean", "read_write"],
    ["rstd", "read_write"],
  ];
  if (running) binds.push(["rmean", training ? "read_write" : "read"], ["rvar", training ? "read_write" : "read"]);
  if (hasW) binds.push(["weight", "read"]);
  if (hasB) binds.push(["bias", "read"]);
  const stats = training
    ? `
  var s = 0.0;
  for (var e = t; e < m; e = e + ${NW}u) { s = s + x[at(e)]; }
  ${TREE2("s", "0.0")}
  let mu = sa / f32(m);
  var q = 0.0;
  for (var e = t; e < m; e = e + ${NW}u) { let v = x[at(e)] - mu; q = q + v * v; }
  sh[t] = q; workgroupBarrier();
  for (var w = ${NW / 2}u; w > 0u; w = w >> 1u) { if (t < w) { sh[t] = sh[t] + sh[t + w]; } workgroupBarrier(); }
  let qs = sh[0];
  let rs = 1.0 / sqrt(qs / f32(m) + p.eps);
  ${
    running
      ? `if (t == 0u) {
    rmean[g] = (1.0 - p.momentum) * rmean[g] + p.momentum * mu;
    rvar[g] = (1.0 - p.momentum) * rvar[g] + p.momentum * (qs / f32(m - 1u));
  }`
      : ""
  }`
    : `
  let mu = rmean[g];
  let rs = 1.0 / sqrt(rvar[g] + p.eps);`;
  return src(
    `batchNormForward:t${+training}:r${+running}:w${+hasW}:b${+hasB}`,
    () => `${header("n: u32, c: u32, l: u32, eps: f32, momentum: f32", binds)}
fn at(e: u32) -> u32 { let i = e / p.l; return (i * p.c + g_) * p.l + (e - i * p.l); }
var<private> g_: u32;
${GROUP_MAIN}
  if (g >= p.c) { return; }
  g_ = g;
  let m = p.n * p.l;
  ${stats}
  if (t == 0u) { mean[g] = mu; rstd[g] = rs; }
  let scale = ${hasW ? "rs * weight[g]" : "rs"}; let shift = ${hasB ? "bias[g]" : "0.0"};
  for (var e = t; e < m; e = e + ${NW}u) { let k = at(e); out[k] = (x[k] - mu) * scale + shift; }
}`,
  );
}

/** Channel g: dβ = Σdy, dγ = Σdy·(x − μ)·rstd, dx = A·dy + B·(x − μ) + C (B = C = 0 in eval). */
function batchNormBackward(training: boolean, hasW: boolean, hasDx: boolean, hasDw: boolean, hasDb: boolean) {
  const binds: B[] = [
    ["x", "read"],
    ["dy", "read"],
    ["mean", "read"],
    ["rstd", "read"],
  ];
  if (hasW && hasDx) binds.push(["weight", "read"]);
  if (hasDx) binds.push(["dx", "read_write"]);
  if (hasDw) binds.push(["dw", "read_write"]);
  if (hasDb) binds.push(["db", "read_write"]);
  return src(
    `batchNormBackward:t${+training}:w${+hasW}:${+hasDx}${+hasDw}${+hasDb}`,
    () => `${header("n: u32, c: u32, l: u32", binds)}
fn at(e: u32) -> u32 { let i = e / p.l; return (i * p.c + g_) * p.l + (e - i * p.l); }
var<private> g_: u32;
${GROUP_MAIN}
  if (g >= p.c) { return; }
  g_ = g;
  let m = p.n * p.l; let mu = mean[g]; let rs = rstd[g];
  var sdy = 0.0; var sdyx = 0.0;
  for (var e = t; e < m; e = e + ${NW}u) { let k = at(e); sdy = sdy + dy[k]; sdyx = sdyx + dy[k] * (x[k] - mu); }
  ${TREE2("sdy", "sdyx")}
  let dgamma = sb * rs;
  if (t == 0u) { ${hasDw ? "dw[g] = dgamma;" : ""} ${hasDb ? "db[g] = sa;" : ""} }
  ${
    hasDx
      ? `let wv = ${hasW ? "weight[g]" : "1.0"};
  let A = wv * rs;
  let B = ${training ? "-wv * rs * rs * dgamma / f32(m)" : "0.0"};
  let C = ${training ? "-wv * rs * sa / f32(m)" : "0.0"};
  for (var e = t; e < m; e = e + ${NW}u) { let k = at(e); dx[k] = A * dy[k] + B * (x[k] - mu) + C; }`
      : ""
  }
}`,
  );
}

/** Workgroups for `groups` groups: x ≤ 65535, the rest in y. */
const groupsGrid = (groups: number): [number, number] => grid(groups, 1);
type F = GpuStorage;
const w = (s: F): { s: F; w: true } => ({ s, w: true });

export function normKernels(ctx: GpuContext) {
  return {
    layerNormForward({
      x,
      rows,
      d,
      weight,
      bias,
      eps,
      out,
      mean,
      rstd,
    }: {
      x: F;
      rows: number;
      d: number;
      weight: F | null;
      bias: F | null;
      eps: number;
      out: F;
      mean: F;
      rstd: F;
    }): void {
      if (!rows) return;
      const b: Array<F | { s: F; w: true }> = [x, w(out), w(mean), w(rstd)];
      if (weight) b.push(weight);
      if (bias) b.push(bias);
      ctx.dispatch(layerNormForward(!!weight, !!bias), "uuf", [rows, d, eps], b, groupsGrid(rows));
    },
    layerNormBackward({
      x,
      dy,
      mean,
      rstd,
      weight,
      rows,
      d,
      dx,
      dweight,
      dbias,
    }: {
      x: F;
      dy: F;
      mean: F;
      rstd: F;
      weight: F | null;
      rows: number;
      d: number;
      dx: F;
      dweight: F | null;
      dbias: F | null;
    }): void {
      if (rows && d) {
        const b: Array<F | { s: F; w: true }> = [x, dy, mean, rstd, w(dx)];
        if (weight) b.push(weight);
        ctx.dispatch(layerNormBackwardDx(!!weight), "uu", [rows, d], b, groupsGrid(rows));
      }
      if ((dweight || dbias) && d) {
        const b: Array<F | { s: F; w: true }> = dweight ? [x, dy, mean, rstd, w(dweight)] : [dy];
        if (dbias) b.push(w(dbias));
        ctx.dispatch(layerNormBackwardDwb(!!dweight, !!dbias), "uu", [rows, d], b, grid(d));
      }
    },
    batchNormForward(a: {
      x: F;
      n: number;
      c: number;
      l: number;
      weight: F | null;
      bias: F | null;
      runningMean: F | null;
      runningVar: F | null;
      training: boolean;
      momentum: number;
      eps: number;
      out: F;
      mean: F;
      rstd: F;
    }): void {
      if (!a.c) return;
      const running = !!(a.runningMean && a.runningVar);
      if (!a.training && !running) throw new Error("batchNormForward: eval mode needs runningMean and runningVar");
      const b: Array<F | { s: F; w: true }> = [a.x, w(a.out), w(a.mean), w(a.rstd)];
      if (running) b.push(...(a.training ? [w(a.runningMean!), w(a.runningVar!)] : [a.runningMean!, a.runningVar!]));
      if (a.weight) b.push(a.weight);
      if (a.bias) b.push(a.bias);
      ctx.dispatch(
        batchNormForward(a.training, running, !!a.weight, !!a.bias),
        "uuuff",
        [a.n, a.c, a.l, a.eps, a.momentum],
        b,
        groupsGrid(a.c),
      );
    },
    batchNormBackward(a: {
      x: F;
      dy: F;
      mean: F;
      rstd: F;
      weight: F | null;
      n: number;
      c: number;
      l: number;
      training: boolean;
      dx: F | null;
      dweight: F | null;
      dbias: F | null;
    }): void {
      if (!a.c || !(a.dx || a.dweight || a.dbias)) return;
      const b: Array<F | { s: F; w: true }> = [a.x, a.dy, a.mean, a.rstd];
      if (a.weight && a.dx) b.push(a.weight);
      if (a.dx) b.push(w(a.dx));
      if (a.dweight) b.push(w(a.dweight));
      if (a.dbias) b.push(w(a.dbias));
      ctx.dispatch(
        batchNormBackward(a.training, !!a.weight, !!a.dx, !!a.dweight, !!a.dbias),
        "uuu",
        [a.n, a.c, a.l],
        b,
        groupsGrid(a.c),
      );
    },
  };
}
