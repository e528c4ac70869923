/**
 * Convolutions, reference: a plain direct 2-D convolution (NCHW, groups, stride, padding,
 * dilation) and its two backward products. conv1d is this with H = 1; a transposed convolution's
 * forward is `conv2dBackwardInput` with the roles swapped, its input gradient a `conv2dForward`,
 * its weight gradient a `conv2dBackwardWeight` — so three kernels serve all of them.
 */
import type { FloatArray } from "../../tensor/dtype.js";
import { reluOf } from "./gemm.js";

/**
 * The shape of one convolution: x [n, cIn, h, w] * weight [cOut, cIn/groups, kH, kW] →
 * y [n, cOut, hOut, wOut], y[n, o, i, j] = Σ x[n, c, i·strideH − padH + a·dilationH, j·strideW − padW + b·dilationW]
 * · weight[o, c', a, b] over the group's channels c and kernel taps a, b, with x read as 0 outside.
 * padH / padW pad before the first row / column; the padding after is whatever hOut / wOut imply
 * (PyTorch's "same" for an even kernel pads one more after than before).
 */
export interface ConvGeometry {
  n: number;
  cIn: number;
  h: number;
  w: number;
  cOut: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilationH: number;
  dilationW: number;
  groups: number;
  hOut: number;
  wOut: number;
}

import type { FloatStorage } from "../../tensor/storage.js";

declare module "../kernels.js" {
  interface Kernels {
    /** out = conv(x, weight) + bias (one per output channel; null for none), then relu if asked. Overwrites out. */
    conv2dForward(
      x: FloatStorage,
      weight: FloatStorage,
      bias: FloatStorage | null,
      out: FloatStorage,
      g: ConvGeometry,
      relu?: boolean,
    ): void;
    /** dx = ∂(Σ dy·conv(x, weight))/∂x: the input gradient (a transposed convolution of dy). Overwrites dx. */
    conv2dBackwardInput(dy: FloatStorage, weight: FloatStorage, dx: FloatStorage, g: ConvGeometry): void;
    /**
     * dWeight = beta·dWeight + ∂/∂weight, dBias = betaBias·dBias + Σ dy over (n, hOut, wOut); either
     * output may be null when not wanted. beta 0 overwrites (NaNs included), 1 accumulates into a gradient.
     */
    conv2dBackwardWeight(
      x: FloatStorage,
      dy: FloatStorage,
      dWeight: FloatStorage | null,
      dBias: FloatStorage | null,
      g: ConvGeometry,
      beta?: number,
      betaBias?: number,
    ): void;
  }
}

/**
 * Calls `visit(xRow, wi, yRow, lo, hi)` for every (sample, output channel, input channel of its
 * group, kernel tap, output row) that meets the input: output elements yRow + j for j in [lo, hi)
 * meet input elements xRow + j·strideW (all inside the input) through weight element wi.
 */
function eachRow(
  g: ConvGeometry,
  visit: (xRow: number, wi: number, yRow: number, lo: number, hi: number) => void,
): void {
  const { n, cIn, h, w, cOut, kH, kW, strideH, strideW, padH, padW, dilationH, dilationW, groups, hOut, wOut } = g;
  const cig = cIn / groups,
    cog = cOut / groups;
  // Output columns j with 0 ≤ j·strideW − padW + kb·dilationW < w, per kernel column kb.
  const los: number[] = [],
    his: number[] = [];
  for (let kb = 0; kb < kW; kb++) {
    const off = kb * dilationW - padW;
    los.push(Math.max(0, Math.ceil(-off / strideW)));
    his.push(Math.min(wOut, Math.floor((w - 1 - off) / strideW) + 1));
  }
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < cOut; o++) {
      const c0 = Math.floor(o / cog) * cig;
      for (let c = 0; c < cig; c++) {
        const xPlane = (b * cIn + c0 + c) * h * w,
          wBase = (o * cig + c) * kH * kW;
        for (let i = 0; i < hOut; i++) {
          const yRow = ((b * cOut + o) * hOut + i) * wOut;
          for (let ka = 0; ka < kH; ka++) {
            const r = i * strideH - padH + ka * dilationH;
            if (r < 0 || r >= h) continue;
            for (let kb = 0; kb < kW; kb++) {
              if (los[kb] < his[kb])
                visit(xPlane + r * w + kb * dilationW - padW, wBase + ka * kW + kb, yRow, los[kb], his[kb]);
            }
          }
        }
      }
    }
  }
}

export const convKernels = {
  conv2dForward(
    x: FloatArray,
    weight: FloatArray,
    bias: FloatArray | null,
    out: FloatArray,
    g: ConvGeometry,
    relu = false,
  ): void {
    const plane = g.hOut * g.wOut,
      size = g.n * g.cOut * plane,
      sw = g.strideW;
    const acc = new Float64Array(size); // sums in float64, rounded once
    eachRow(g, (xRow, wi, yRow, lo, hi) => {
      const wv = weight[wi];
      for (let j = lo; j < hi; j++) acc[yRow + j] += wv * x[xRow + j * sw];
    });
    for (let i = 0; i < size; i++) {
      const v = acc[i] + (bias ? bias[Math.floor(i / plane) % g.cOut] : 0);
      out[i] = relu ? reluOf(v) : v;
    }
  },

  conv2dBackwardInput(dy: FloatArray, weight: FloatArray, dx: FloatArray, g: ConvGeometry): void {
    const size = g.n * g.cIn * g.h * g.w,
      sw = g.strideW;
    const acc = new Float64Array(size);
    eachRow(g, (xRow, wi, yRow, lo, hi) => {
      const wv = weight[wi];
      for (let j = lo; j < hi; j++) acc[xRow + j * sw] += wv * dy[yRow + j];
    });
    for (let i = 0; i < size; i++) dx[i] = acc[i];
  },

  conv2dBackwardWeight(
    x: FloatArray,
    dy: FloatArray,
    dWeight: FloatArray | null,
    dBias: FloatArray | null,
    g: ConvGeometry,
    beta = 0,
    betaBias = beta,
  ): void {
    if (dWeight) {
      const size = g.cOut * (g.cIn / g.groups) * g.kH * g.kW,
        sw = g.strideW;
      const sum = new Float64Array(size);
      eachRow(g, (xRow, wi, yRow, lo, hi) => {
        let s = 0;
        for (let j = lo; j < hi; j++) s += dy[yRow + j] * x[xRow + j * sw];
        sum[wi] += s;
      });
      // beta = 0 overwrites: a NaN already in the gradient must not survive (as gemm).
      for (let i = 0; i < size; i++) dWeight[i] = beta === 0 ? sum[i] : beta * dWeight[i] + sum[i];
    }
    if (dBias) {
      const plane = g.hOut * g.wOut;
      for (let o = 0; o < g.cOut; o++) {
        let s = 0;
        for (let b = 0; b < g.n; b++) for (let p = (b * g.cOut + o) * plane, e = p + plane; p < e; p++) s += dy[p];
        dBias[o] = betaBias === 0 ? s : betaBias * dBias[o] + s;
      }
    }
  },
};
