/**
 * Pooling, reference: max (with argmax indices), average and adaptive average pooling over the
 * last two dims of a (planes, H, W) view — planes = N·C, and 1-D pooling is H = 1. Window rules
 * are PyTorch's CPU kernels', so outputs and indices match it element for element.
 */
import type { FloatArray } from "../../tensor/dtype.js";

/** One pooling window geometry: kernel, stride, padding and dilation per axis, and the output size. */
export interface PoolWindow {
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  pH: number;
  pW: number;
  /** Dilation (max pooling only; average pooling ignores it). */
  dH: number;
  dW: number;
  outH: number;
  outW: number;
}

import type { FloatStorage, IntStorage } from "../../tensor/storage.js";

declare module "../kernels.js" {
  interface Kernels {
    /**
     * Max pooling of x (planes, h, w) into out (planes, outH, outW); `indices` gets each maximum's
     * flat index h·w within its input plane (PyTorch's). Padding never wins; a NaN does.
     * The backward is scatterAddAlong over (planes, h·w, 1) with these indices.
     */
    maxPool2d(
      x: FloatStorage,
      planes: number,
      h: number,
      w: number,
      p: PoolWindow,
      out: FloatStorage,
      indices: IntStorage,
    ): void;
    /**
     * Average pooling: each window's sum over its in-input elements divided by `divisor` when
     * it is > 0 (divisorOverride), else by the window's size clipped to the padded input
     * (countIncludePad) or to the input. A window wholly in the padding gives 0.
     */
    avgPool2d(
      x: FloatStorage,
      planes: number,
      h: number,
      w: number,
      p: PoolWindow,
      countIncludePad: boolean,
      divisor: number,
      out: FloatStorage,
    ): void;
    /** avgPool2d's backward: dx (planes, h, w), written in full, gets each dy spread over its window. */
    avgPool2dBackward(
      dy: FloatStorage,
      planes: number,
      h: number,
      w: number,
      p: PoolWindow,
      countIncludePad: boolean,
      divisor: number,
      dx: FloatStorage,
    ): void;
    /** Adaptive average pooling to (outH, outW): window i spans floor(i·h/outH) .. ceil((i+1)·h/outH). */
    adaptiveAvgPool2d(
      x: FloatStorage,
      planes: number,
      h: number,
      w: number,
      outH: number,
      outW: number,
      out: FloatStorage,
    ): void;
    /** Its backward: dx (planes, h, w), written in full. */
    adaptiveAvgPool2dBackward(
      dy: FloatStorage,
      planes: number,
      h: number,
      w: number,
      outH: number,
      outW: number,
      dx: FloatStorage,
    ): void;
  }
}

/** Start of adaptive window i of n over a dim of `size`: floor(i·size/n). */
export const adaptiveStart = (i: number, size: number, n: number): number => Math.floor((i * size) / n);
/** End (exclusive): ceil((i+1)·size/n). */
export const adaptiveEnd = (i: number, size: number, n: number): number => Math.floor(((i + 1) * size + n - 1) / n);

/** An average-pooling window clipped to the input, and what its sum is divided by (0: the window is all padding). */
function avgWindow(
  oh: number,
  ow: number,
  h: number,
  w: number,
  p: PoolWindow,
  countIncludePad: boolean,
  divisor: number,
): [number, number, number, number, number] {
  let h0 = oh * p.sH - p.pH,
    w0 = ow * p.sW - p.pW;
  let h1 = Math.min(h0 + p.kH, h + p.pH),
    w1 = Math.min(w0 + p.kW, w + p.pW);
  const padded = (h1 - h0) * (w1 - w0);
  h0 = Math.max(h0, 0);
  w0 = Math.max(w0, 0);
  h1 = Math.min(h1, h);
  w1 = Math.min(w1, w);
  if (h0 >= h1 || w0 >= w1) return [h0, h1, w0, w1, 0];
  return [h0, h1, w0, w1, divisor > 0 ? divisor : countIncludePad ? padded : (h1 - h0) * (w1 - w0)];
}

export const poolKernels = {
  maxPool2d(
    x: FloatArray,
    planes: number,
    h: number,
    w: number,
    p: PoolWindow,
    out: FloatArray,
    indices: Int32Array,
  ): void {
    const { outH, outW } = p;
    for (let c = 0; c < planes; c++) {
      const xo = c * h * w,
        oo = c * outH * outW;
      for (let oh = 0; oh < outH; oh++) {
        let h0 = oh * p.sH - p.pH;
        const h1 = Math.min(h0 + (p.kH - 1) * p.dH + 1, h);
        while (h0 < 0) h0 += p.dH;
        for (let ow = 0; ow < outW; ow++) {
          let w0 = ow * p.sW - p.pW;
          const w1 = Math.min(w0 + (p.kW - 1) * p.dW + 1, w);
          while (w0 < 0) w0 += p.dW;
          let best = -Infinity,
            bi = h0 * w + w0;
          for (let ih = h0; ih < h1; ih += p.dH) {
            for (let iw = w0; iw < w1; iw += p.dW) {
              const v = x[xo + ih * w + iw];
              if (v > best || Number.isNaN(v)) {
                best = v;
                bi = ih * w + iw;
              }
            }
          }
          out[oo + oh * outW + ow] = best;
          indices[oo + oh * outW + ow] = bi;
        }
      }
    }
  },
  avgPool2d(
    x: FloatArray,
    planes: number,
    h: number,
    w: number,
    p: PoolWindow,
    countIncludePad: boolean,
    divisor: number,
    out: FloatArray,
  ): void {
    const { outH, outW } = p;
    for (let c = 0; c < planes; c++) {
      const xo = c * h * w,
        oo = c * outH * outW;
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          const [h0, h1, w0, w1, div] = avgWindow(oh, ow, h, w, p, countIncludePad, divisor);
          let s = 0;
          for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) s += x[xo + ih * w + iw];
          out[oo + oh * outW + ow] = div ? s / div : 0;
        }
      }
    }
  },
  avgPool2dBackward(
    dy: FloatArray,
    planes: number,
    h: number,
    w: number,
    p: PoolWindow,
    countIncludePad: boolean,
    divisor: number,
    dx: FloatArray,
  ): void {
    const { outH, outW } = p;
    dx.fill(0, 0, planes * h * w);
    for (let c = 0; c < planes; c++) {
      const xo = c * h * w,
        oo = c * outH * outW;
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          const [h0, h1, w0, w1, div] = avgWindow(oh, ow, h, w, p, countIncludePad, divisor);
          if (!div) continue;
          const g = dy[oo + oh * outW + ow] / div;
          for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) dx[xo + ih * w + iw] += g;
        }
      }
    }
  },
  adaptiveAvgPool2d(
    x: FloatArray,
    planes: number,
    h: number,
    w: number,
    outH: number,
    outW: number,
    out: FloatArray,
  ): void {
    for (let c = 0; c < planes; c++) {
      const xo = c * h * w,
        oo = c * outH * outW;
      for (let oh = 0; oh < outH; oh++) {
        const h0 = adaptiveStart(oh, h, outH),
          h1 = adaptiveEnd(oh, h, outH);
        for (let ow = 0; ow < outW; ow++) {
          const w0 = adaptiveStart(ow, w, outW),
            w1 = adaptiveEnd(ow, w, outW);
          let s = 0;
          for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) s += x[xo + ih * w + iw];
          out[oo + oh * outW + ow] = s / ((h1 - h0) * (w1 - w0));
        }
      }
    }
  },
  adaptiveAvgPool2dBackward(
    dy: FloatArray,
    planes: number,
    h: number,
    w: number,
    outH: number,
    outW: number,
    dx: FloatArray,
  ): void {
    dx.fill(0, 0, planes * h * w);
    for (let c = 0; c < planes; c++) {
      const xo = c * h * w,
        oo = c * outH * outW;
      for (let oh = 0; oh < outH; oh++) {
        const h0 = adaptiveStart(oh, h, outH),
          h1 = adaptiveEnd(oh, h, outH);
        for (let ow = 0; ow < outW; ow++) {
          const w0 = adaptiveStart(ow, w, outW),
            w1 = adaptiveEnd(ow, w, outW);
          const g = dy[oo + oh * outW + ow] / ((h1 - h0) * (w1 - w0));
          for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) dx[xo + ih * w + iw] += g;
        }
      }
    }
  },
};
