/**
 * 2-D convolution on WebGPU (NCHW, groups, stride, padding, dilation), forward and both backward
 * products — the three kernels every convolution (1-D, transposed) is built from, as in the
 * reference (src/backend/js/conv.ts).
 *
 * - Forward: an implicit GEMM per group, Y[m, o] = Σ_k P[m, k]·W[o, k] with m = (b, i, j) an output
 *   position, o an output channel of the group and k = (c, ka, kb) a tap of the group's input
 *   channels; P (the im2col patch matrix) is never stored: each thread computes a 1 × 8 tile of Y
 *   (one position, 8 channels) in registers, reading each patch value once from x (skipping taps
 *   outside the input). Bias and relu are applied on the way out.
 * - Input gradient: a thread per dx element gathers the (o, ka, kb) that reach it (a transposed
 *   convolution without atomics): the output row i = (r + padH − ka·dilationH)/strideH must be a whole
 *   number in range, the same for columns.
 * - Weight gradient: partial sums per (weight element, chunk of samples), then a pass adding the
 *   chunks in order (deterministic, no atomics, no barriers); the bias gradient likewise per sample.
 * Sums are float32 (the reference sums in float64 and rounds once); the parity test's tolerance
 * grows with the length of the sum.
 */
import type { ConvGeometry } from "../../js/conv.js";
import { FLAT, grid, type GpuContext } from "../context.js";
import type { GpuStorage } from "../storage.js";
import { header } from "./common.js";

/** The geometry as uniform fields (all u32 but the pads, which are i32 so negative offsets stay signed). */
const GEOM =
  "n: u32, cIn: u32, h: u32, w: u32, cOut: u32, kH: u32, kW: u32, sH: u32, sW: u32, pH: i32, pW: i32, " +
  "dH: u32, dW: u32, groups: u32, hOut: u32, wOut: u32, cig: u32, cog: u32";
const GEOM_FMT = "uuuuuuuuuiiuuuuuuu";
const geomValues = (g: ConvGeometry): number[] => [
  g.n,
  g.cIn,
  g.h,
  g.w,
  g.cOut,
  g.kH,
  g.kW,
  g.strideH,
  g.strideW,
  g.padH,
  g.padW,
  g.dilationH,
  g.dilationW,
  g.groups,
  g.hOut,
  g.wOut,
  g.cIn / g.groups,
  g.cOut / g.groups,
];

/** Output channels per thread: a 1 × OB tile of Y in registers. */
const OB = 8;
/**
 * A thread per (output position m, block of OB output channels of one group): each tap's patch
 * value is read once (consecutive threads read consecutive j: coalesced) and multiplies OB weights
 * (the same for every thread of the workgroup: broadcast reads). No workgroup memory and no
 * barriers — measured faster than a 16×16 shared-memory tile on SwiftShader, where each barrier
 * switches every invocation's coroutine. Grid: x·z = position blocks of 64, y = channel blocks × groups.
 */
const forwardSource = (bias: boolean, relu: boolean) => ({
  key: `conv2dForward:bias${+bias}:relu${+relu}`,
  code: () => `${header(`${GEOM}, mBlocks: u32, oBlocks: u32`, [
    ["x", "read"],
    ["wt", "read"],
    ["y", "read_write"],
    ...(bias ? [["bias", "read"] as const] : []),
  ])}
@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let mBlock = wid.x + wid.z * nwg.x;
  let m = mBlock * 64u + lid.x;
  let M = p.n * p.hOut * p.wOut;
  if (mBlock >= p.mBlocks || m >= M) { return; }
  let grp = wid.y / p.oBlocks; let o0 = (wid.y - grp * p.oBlocks) * ${OB}u; // first channel, within the group
  let K = p.cig * p.kH * p.kW;
  let mj = m % p.wOut; let mi = (m / p.wOut) % p.hOut; let mb = m / (p.wOut * p.hOut);
  let r0 = i32(mi * p.sH) - p.pH; let c0 = i32(mj * p.sW) - p.pW;
  // Weight rows of the block's channels (clamped to the group's last channel; those results are not stored).
  var wrow: array<u32, ${OB}>;
  for (var t = 0u; t < ${OB}u; t = t + 1u) { wrow[t] = (grp * p.cog + min(o0 + t, p.cog - 1u)) * K; }
  var acc: array<f32, ${OB}>;
  for (var c = 0u; c < p.cig; c = c + 1u) {
    let xPlane = (mb * p.cIn + grp * p.cig + c) * p.h;
    for (var ka = 0u; ka < p.kH; ka = ka + 1u) {
      let r = r0 + i32(ka * p.dH);
      if (r < 0 || r >= i32(p.h)) { continue; }
      let xRow = (xPlane + u32(r)) * p.w;
      for (var kb = 0u; kb < p.kW; kb = kb + 1u) {
        let col = c0 + i32(kb * p.dW);
        if (col < 0 || col >= i32(p.w)) { continue; }
        let xv = x[xRow + u32(col)];
        let k = (c * p.kH + ka) * p.kW + kb;
        for (var t = 0u; t < ${OB}u; t = t + 1u) { acc[t] = acc[t] + xv * wt[wrow[t] + k]; }
      }
    }
  }
  for (var t = 0u; t < ${OB}u; t = t + 1u) {
    let o = o0 + t;
    if (o >= p.cog) { break; }
    let oc = grp * p.cog + o;
    var v = acc[t]${bias ? " + bias[oc]" : ""};
    ${relu ? "v = relu_(v);" : ""}
    y[((mb * p.cOut + oc) * p.hOut + mi) * p.wOut + mj] = v;
  }
}`,
});

/** A thread per dx[b, c, r, col]: Σ over the group's o and the taps (ka, kb) whose output (i, j) exists. */
const BACKWARD_INPUT = {
  key: "conv2dBackwardInput",
  code: () => `${header(`${GEOM}, total: u32`, [
    ["dy", "read"],
    ["wt", "read"],
    ["dx", "read_write"],
  ])}
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

/**
 * Weight gradient, pass 1: a thread per (weight element (o, c', ka, kb), chunk of samples) sums
 * dy[b, o, i, j]·x[b, c, i·sH − pH + ka·dH, j·sW − pW + kb·dW] over its samples b and the (i, j)
 * whose tap falls inside the input, into part[chunk, element]. No barriers (see the forward).
 */
const BACKWARD_WEIGHT_PARTIAL = {
  key: "conv2dBackwardWeightPartial",
  code: () => `${header(`${GEOM}, total: u32, chunks: u32, per: u32`, [
    ["x", "read"],
    ["dy", "read"],
    ["part", "read_write"],
  ])}
fn fdiv(a: i32, b: i32) -> i32 { let q = a / b; return select(q, q - 1, (a % b != 0) && (a < 0)); } // floor division
${FLAT()}
  if (i >= p.total * p.chunks) { return; }
  let e = i % p.total; let chunk = i / p.total;
  let kb = e % p.kW; let ka = (e / p.kW) % p.kH; let cl = (e / (p.kW * p.kH)) % p.cig; let o = e / (p.kW * p.kH * p.cig);
  let c = (o / p.cog) * p.cig + cl;
  // The output rows/columns whose tap is inside the input: 0 ≤ oi·sH − pH + ka·dH < h.
  let offH = i32(ka * p.dH) - p.pH; let offW = i32(kb * p.dW) - p.pW;
  let iLo = u32(max(0, -fdiv(offH, i32(p.sH)))); let iHi = u32(clamp(fdiv(i32(p.h) - 1 - offH, i32(p.sH)) + 1, 0, i32(p.hOut)));
  let jLo = u32(max(0, -fdiv(offW, i32(p.sW)))); let jHi = u32(clamp(fdiv(i32(p.w) - 1 - offW, i32(p.sW)) + 1, 0, i32(p.wOut)));
  var s = 0.0;
  for (var b = chunk * p.per; b < min((chunk + 1u) * p.per, p.n); b = b + 1u) {
    let dyPlane = (b * p.cOut + o) * p.hOut; let xPlane = (b * p.cIn + c) * p.h;
    for (var oi = iLo; oi < iHi; oi = oi + 1u) {
      let xRow = (xPlane + u32(i32(oi * p.sH) + offH)) * p.w; let dyRow = (dyPlane + oi) * p.wOut;
      for (var oj = jLo; oj < jHi; oj = oj + 1u) { s = s + dy[dyRow + oj] * x[xRow + u32(i32(oj * p.sW) + offW)]; }
    }
  }
  part[chunk * p.total + e] = s;
}`,
};

/** Pass 2: dw[e] = Σ_chunk part[chunk, e] (in chunk order), with beta (0 overwrites, NaN included). */
const SUM_PARTS = {
  key: "conv2dSumParts",
  code: () => `${header("total: u32, chunks: u32, beta: f32", [
    ["part", "read"],
    ["dw", "read_write"],
  ])}
${FLAT()}
  if (i >= p.total) { return; }
  var s = 0.0;
  for (var k = 0u; k < p.chunks; k = k + 1u) { s = s + part[k * p.total + i]; }
  dw[i] = select(p.beta * dw[i] + s, s, p.beta == 0.0);
}`,
};

/** Bias gradient, pass 1: a thread per (output channel o, sample b) sums dy over the plane into part[b, o]. */
const BACKWARD_BIAS_PARTIAL = {
  key: "conv2dBackwardBiasPartial",
  code: () => `${header(`${GEOM}`, [
    ["dy", "read"],
    ["part", "read_write"],
  ])}
${FLAT()}
  if (i >= p.n * p.cOut) { return; }
  let plane = p.hOut * p.wOut;
  var s = 0.0;
  for (var q = 0u; q < plane; q = q + 1u) { s = s + dy[i * plane + q]; }
  part[i] = s;
}`,
};

/** Scratch bound for the partial sums: at most 4 Mi floats (16 MB). */
const MAX_PART = 1 << 22;

const fwd = new Map<string, ReturnType<typeof forwardSource>>();

export function convKernels(ctx: GpuContext) {
  return {
    conv2dForward(
      x: GpuStorage,
      weight: GpuStorage,
      bias: GpuStorage | null,
      out: GpuStorage,
      g: ConvGeometry,
      relu = false,
    ): void {
      const M = g.n * g.hOut * g.wOut,
        cog = g.cOut / g.groups;
      if (!M || !cog) return;
      const key = `${+!!bias}${+relu}`;
      let src = fwd.get(key);
      if (!src) fwd.set(key, (src = forwardSource(!!bias, relu)));
      const mBlocks = Math.ceil(M / 64),
        oBlocks = Math.ceil(cog / OB);
      const [gx, gz] = grid(mBlocks, 1);
      const b: Array<GpuStorage | { s: GpuStorage; w: true }> = [x, weight, { s: out, w: true }];
      if (bias) b.push(bias);
      ctx.dispatch(src, `${GEOM_FMT}uu`, [...geomValues(g), mBlocks, oBlocks], b, [gx, oBlocks * g.groups, gz]);
    },
    conv2dBackwardInput(dy: GpuStorage, weight: GpuStorage, dx: GpuStorage, g: ConvGeometry): void {
      const total = g.n * g.cIn * g.h * g.w;
      if (!total) return;
      ctx.dispatch(
        BACKWARD_INPUT,
        `${GEOM_FMT}u`,
        [...geomValues(g), total],
        [dy, weight, { s: dx, w: true }],
        grid(total),
      );
    },
    conv2dBackwardWeight(
      x: GpuStorage,
      dy: GpuStorage,
      dWeight: GpuStorage | null,
      dBias: GpuStorage | null,
      g: ConvGeometry,
      beta = 0,
      betaBias = beta,
    ): void {
      if (dWeight) {
        const total = g.cOut * (g.cIn / g.groups) * g.kH * g.kW;
        if (total) {
          const chunks = Math.max(1, Math.min(g.n, Math.floor(MAX_PART / total))),
            per = Math.ceil(g.n / chunks);
          const part = ctx.empty("float32", chunks * total);
          ctx.dispatch(
            BACKWARD_WEIGHT_PARTIAL,
            `${GEOM_FMT}uuu`,
            [...geomValues(g), total, chunks, per],
            [x, dy, { s: part, w: true }],
            grid(total * chunks),
          );
          ctx.dispatch(SUM_PARTS, "uuf", [total, chunks, beta], [part, { s: dWeight, w: true }], grid(total));
          part.dispose();
        }
      }
      if (dBias && g.cOut) {
        // part[b, o] is laid out as (n, cOut): summing over "chunks" = samples, in order.
        const part = ctx.empty("float32", g.n * g.cOut);
        if (g.n)
          ctx.dispatch(BACKWARD_BIAS_PARTIAL, GEOM_FMT, geomValues(g), [dy, { s: part, w: true }], grid(g.n * g.cOut));
        ctx.dispatch(SUM_PARTS, "uuf", [g.cOut, g.n, betaBias], [part, { s: dBias, w: true }], grid(g.cOut));
        part.dispose();
      }
    },
  };
}
