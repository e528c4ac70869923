/**
 * 2-D convolution on WebGPU (NCHW, groups, stride, padding, dilation), forward and both backward
 * products — the three kernels every convolution (1-D, transposed) is built from, as in the
 * reference (src/backend/js/conv.ts).
 *
 * - Forward: an implicit GEMM per group, Y[m, o] = Σ_k P[m, k]·W[o, k] with m = (b, i, j) an output
 *   position, o an output channel of the group and k = (c, ka, kb) a tap of the group's input
 *   channels; P (the im2col patch matrix) is never stored: each 16×16 workgroup loads a 16×16 tile of
 *   P straight from x (0 outside the input) and one of W into workgroup memory per K step.
 *   Bias and relu are applied on the way out.
 * - Input gradient: a thread per dx element gathers the (o, ka, kb) that reach it (a transposed
 *   convolution without atomics): the output row i = (r + padH − ka·dilationH)/strideH must be a whole
 *   number in range, the same for columns.
 * - Weight gradient: a workgroup of 64 per weight element (o, c', ka, kb), summing dy·x over
 *   (b, i, j) in a tree; the bias gradient a workgroup per output channel.
 * Sums are float32 (the reference sums in float64 and rounds once); the parity test's tolerance
 * grows with the length of the sum.
 */
import type { ConvGeometry } from "../../js/conv.js";
import { FLAT, grid, type GpuContext } from "../context.js";
import type { GpuStorage } from "../storage.js";
import { header } from "./common.js";

/** The geometry as uniform fields (all u32 but the pads, which are i32 so negative offsets stay signed). */
const GEOM = "n: u32, cIn: u32, h: u32, w: u32, cOut: u32, kH: u32, kW: u32, sH: u32, sW: u32, pH: i32, pW: i32, "
  + "dH: u32, dW: u32, groups: u32, hOut: u32, wOut: u32, cig: u32, cog: u32";
const GEOM_FMT = "uuuuuuuuuiiuuuuuuu";
const geomValues = (g: ConvGeometry): number[] => [g.n, g.cIn, g.h, g.w, g.cOut, g.kH, g.kW, g.strideH, g.strideW, g.padH,
  g.padW, g.dilationH, g.dilationW, g.groups, g.hOut, g.wOut, g.cIn / g.groups, g.cOut / g.groups];

const T = 16;
/**
 * Workgroup (16, 16): lid.x walks 16 output positions m (consecutive j: coalesced x reads and y
 * writes), lid.y 16 output channels. Grid: x·z = position tiles, y = channel tiles × groups.
 */
const forwardSource = (bias: boolean, relu: boolean) => ({
  key: `conv2dForward:bias${+bias}:relu${+relu}`,
  code: () => `${header(`${GEOM}, mTiles: u32, oTiles: u32`, [["x", "read"], ["wt", "read"], ["y", "read_write"],
    ...(bias ? [["bias", "read"] as const] : [])])}
var<workgroup> Ps: array<array<f32, ${T}>, ${T}>; // Ps[k][m]: patch values
var<workgroup> Ws: array<array<f32, ${T}>, ${T}>; // Ws[k][o]: weights
@compute @workgroup_size(${T}, ${T})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let mTile = wid.x + wid.z * nwg.x;
  if (mTile >= p.mTiles) { return; }  // uniform across the workgroup
  let grp = wid.y / p.oTiles; let oTile = wid.y - grp * p.oTiles;
  let M = p.n * p.hOut * p.wOut; let K = p.cig * p.kH * p.kW; let taps = p.kH * p.kW;
  // This thread's output (m, o) and the position it loads patch values for (the same m).
  let m = mTile * ${T}u + lid.x;
  let o = oTile * ${T}u + lid.y;          // within the group
  let mj = m % p.wOut; let mi = (m / p.wOut) % p.hOut; let mb = m / (p.wOut * p.hOut);
  let r0 = i32(mi * p.sH) - p.pH; let c0 = i32(mj * p.sW) - p.pW;
  // Weights are loaded with lid.x as the output channel (so that Ws rows are filled by k = lid.y).
  let oLoad = oTile * ${T}u + lid.x;
  var acc = 0.0;
  for (var k0 = 0u; k0 < K; k0 = k0 + ${T}u) {
    let k = k0 + lid.y;
    var pv = 0.0;
    if (m < M && k < K) {
      let c = k / taps; let t = k - c * taps; let ka = t / p.kW; let kb = t - ka * p.kW;
      let r = r0 + i32(ka * p.dH); let col = c0 + i32(kb * p.dW);
      if (r >= 0 && r < i32(p.h) && col >= 0 && col < i32(p.w)) {
        pv = x[((mb * p.cIn + grp * p.cig + c) * p.h + u32(r)) * p.w + u32(col)];
      }
    }
    Ps[lid.y][lid.x] = pv;
    var wv = 0.0;
    if (oLoad < p.cog && k < K) { wv = wt[(grp * p.cog + oLoad) * K + k]; }
    Ws[lid.y][lid.x] = wv;
    workgroupBarrier();
    for (var t = 0u; t < ${T}u; t = t + 1u) { acc = acc + Ps[t][lid.x] * Ws[t][lid.y]; }
    workgroupBarrier();
  }
  if (m < M && o < p.cog) {
    let oc = grp * p.cog + o;
    var v = acc${bias ? " + bias[oc]" : ""};
    ${relu ? "v = relu_(v);" : ""}
    y[((mb * p.cOut + oc) * p.hOut + mi) * p.wOut + mj] = v;
  }
}`,
});

/** A thread per dx[b, c, r, col]: Σ over the group's o and the taps (ka, kb) whose output (i, j) exists. */
const BACKWARD_INPUT = {
  key: "conv2dBackwardInput",
  code: () => `${header(`${GEOM}, total: u32`, [["dy", "read"], ["wt", "read"], ["dx", "read_write"]])}
${FLAT()}
  if (i >= p.total) { return; }
  let col = i32(i % p.w); let r = i32((i / p.w) % p.h); let c = (i / (p.w * p.h)) % p.cIn; let b = i / (p.w * p.h * p.cIn);
  let grp = c / p.cig; let cl = c - grp * p.cig;
  var acc = 0.0;
  for (var ka = 0u; ka < p.kH; ka = ka + 1u) {
    let ti = r + p.pH - i32(ka * p.dH);
    if (ti < 0 || ti % i32(p.sH) != 0) { continue; }
    let oi = u32(ti) / p.sH;
    if (oi >= p.hOut) { continue; }
    for (var kb = 0u; kb < p.kW; kb = kb + 1u) {
      let tj = col + p.pW - i32(kb * p.dW);
      if (tj < 0 || tj % i32(p.sW) != 0) { continue; }
      let oj = u32(tj) / p.sW;
      if (oj >= p.wOut) { continue; }
      for (var o = grp * p.cog; o < (grp + 1u) * p.cog; o = o + 1u) {
        acc = acc + wt[((o * p.cig + cl) * p.kH + ka) * p.kW + kb] * dy[((b * p.cOut + o) * p.hOut + oi) * p.wOut + oj];
      }
    }
  }
  dx[i] = acc;
}`,
};

const RW = 64;
const TREE = `sh[t] = s; workgroupBarrier();
  for (var w = ${RW / 2}u; w > 0u; w = w >> 1u) { if (t < w) { sh[t] = sh[t] + sh[t + w]; } workgroupBarrier(); }`;
const GROUP_MAIN = `
var<workgroup> sh: array<f32, ${RW}>;
@compute @workgroup_size(${RW})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = lid.x;
  let g = wid.x + wid.y * nwg.x;`;

/** Workgroup g = weight element (o, c', ka, kb): Σ dy[b, o, i, j]·x[b, c, i·sH − pH + ka·dH, …] over (b, i, j). */
const BACKWARD_WEIGHT = {
  key: "conv2dBackwardWeight",
  code: () => `${header(`${GEOM}, total: u32, beta: f32`, [["x", "read"], ["dy", "read"], ["dw", "read_write"]])}
${GROUP_MAIN}
  if (g >= p.total) { return; }
  let kb = g % p.kW; let ka = (g / p.kW) % p.kH; let cl = (g / (p.kW * p.kH)) % p.cig; let o = g / (p.kW * p.kH * p.cig);
  let c = (o / p.cog) * p.cig + cl;
  let plane = p.hOut * p.wOut;
  var s = 0.0;
  for (var e = t; e < p.n * plane; e = e + ${RW}u) {
    let b = e / plane; let q = e - b * plane; let oi = q / p.wOut; let oj = q - oi * p.wOut;
    let r = i32(oi * p.sH + ka * p.dH) - p.pH; let col = i32(oj * p.sW + kb * p.dW) - p.pW;
    if (r >= 0 && r < i32(p.h) && col >= 0 && col < i32(p.w)) {
      s = s + dy[(b * p.cOut + o) * plane + q] * x[((b * p.cIn + c) * p.h + u32(r)) * p.w + u32(col)];
    }
  }
  ${TREE}
  // beta = 0 overwrites: a NaN already in the gradient must not survive.
  if (t == 0u) { dw[g] = select(p.beta * dw[g] + sh[0], sh[0], p.beta == 0.0); }
}`,
};

/** Workgroup g = output channel: Σ dy over (b, i, j). */
const BACKWARD_BIAS = {
  key: "conv2dBackwardBias",
  code: () => `${header(`${GEOM}, beta: f32`, [["dy", "read"], ["db", "read_write"]])}
${GROUP_MAIN}
  if (g >= p.cOut) { return; }
  let plane = p.hOut * p.wOut;
  var s = 0.0;
  for (var e = t; e < p.n * plane; e = e + ${RW}u) { let b = e / plane; s = s + dy[(b * p.cOut + g) * plane + (e - b * plane)]; }
  ${TREE}
  if (t == 0u) { db[g] = select(p.beta * db[g] + sh[0], sh[0], p.beta == 0.0); }
}`,
};

const fwd = new Map<string, ReturnType<typeof forwardSource>>();

export function convKernels(ctx: GpuContext) {
  return {
    conv2dForward(x: GpuStorage, weight: GpuStorage, bias: GpuStorage | null, out: GpuStorage, g: ConvGeometry, relu = false): void {
      const M = g.n * g.hOut * g.wOut, cog = g.cOut / g.groups;
      if (!M || !cog) return;
      const key = `${+!!bias}${+relu}`;
      let src = fwd.get(key);
      if (!src) fwd.set(key, (src = forwardSource(!!bias, relu)));
      const mTiles = Math.ceil(M / T), oTiles = Math.ceil(cog / T);
      const [gx, gz] = grid(mTiles, 1);
      const b: Array<GpuStorage | { s: GpuStorage; w: true }> = [x, weight, { s: out, w: true }];
      if (bias) b.push(bias);
      ctx.dispatch(src, `${GEOM_FMT}uu`, [...geomValues(g), mTiles, oTiles], b, [gx, oTiles * g.groups, gz]);
    },
    conv2dBackwardInput(dy: GpuStorage, weight: GpuStorage, dx: GpuStorage, g: ConvGeometry): void {
      const total = g.n * g.cIn * g.h * g.w;
      if (!total) return;
      ctx.dispatch(BACKWARD_INPUT, `${GEOM_FMT}u`, [...geomValues(g), total], [dy, weight, { s: dx, w: true }], grid(total));
    },
    conv2dBackwardWeight(x: GpuStorage, dy: GpuStorage, dWeight: GpuStorage | null, dBias: GpuStorage | null, g: ConvGeometry,
      beta = 0, betaBias = beta): void {
      if (dWeight) {
        const total = g.cOut * (g.cIn / g.groups) * g.kH * g.kW;
        if (total) ctx.dispatch(BACKWARD_WEIGHT, `${GEOM_FMT}uf`, [...geomValues(g), total, beta], [x, dy, { s: dWeight, w: true }], grid(total, 1));
      }
      if (dBias && g.cOut) ctx.dispatch(BACKWARD_BIAS, `${GEOM_FMT}f`, [...geomValues(g), betaBias], [dy, { s: dBias, w: true }], grid(g.cOut, 1));
    },
  };
}
