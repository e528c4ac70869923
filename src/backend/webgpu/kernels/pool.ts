/**
 * Pooling on WebGPU over the last two dims of a (planes, h, w) view, the reference's window rules
 * (src/backend/js/pool.ts). Forward: a thread per output element walking its window in the
 * reference's order. Backward: a thread per dx element gathering the outputs whose window holds
 * it (in increasing output order, as the reference's scatter adds), so no atomics are needed.
 * Max pooling is exact (comparisons); average sums are float32 where the reference sums in float64.
 */
import { FLAT, grid, type GpuContext } from "../context.js";
import type { GpuStorage } from "../storage.js";
import { header } from "./common.js";
import type { PoolWindow } from "../../js/pool.js";

const WIN =
  "planes: u32, h: i32, w: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, dH: i32, dW: i32, outH: i32, outW: i32";
const WIN_FMT = "uiiiiiiiiiiii";
const winValues = (planes: number, h: number, w: number, p: PoolWindow): number[] => [
  planes,
  h,
  w,
  p.kH,
  p.kW,
  p.sH,
  p.sW,
  p.pH,
  p.pW,
  p.dH,
  p.dW,
  p.outH,
  p.outW,
];

/** A thread per output (c, oh, ow); `indices` gets the flat h·w index of the maximum (a NaN wins). */
const MAX_POOL = {
  key: "maxPool2d",
  code: () => `${header(WIN, [
    ["x", "read"],
    ["out", "read_write"],
    ["idx", "read_write", "i32"],
  ])}
${FLAT()}
  let total = p.planes * u32(p.outH * p.outW);
  if (i >= total) { return; }
  let ow = i32(i % u32(p.outW)); let oh = i32((i / u32(p.outW)) % u32(p.outH)); let c = i / u32(p.outH * p.outW);
  var h0 = oh * p.sH - p.pH; let h1 = min(h0 + (p.kH - 1) * p.dH + 1, p.h);
  while (h0 < 0) { h0 = h0 + p.dH; }
  var w0 = ow * p.sW - p.pW; let w1 = min(w0 + (p.kW - 1) * p.dW + 1, p.w);
  while (w0 < 0) { w0 = w0 + p.dW; }
  let xo = c * u32(p.h * p.w);
  var best = -inf_(); var bi = h0 * p.w + w0;
  for (var ih = h0; ih < h1; ih = ih + p.dH) {
    for (var iw = w0; iw < w1; iw = iw + p.dW) {
      let v = x[xo + u32(ih * p.w + iw)];
      if (v > best || is_nan(v)) { best = v; bi = ih * p.w + iw; }
    }
  }
  out[i] = best; idx[i] = bi;
}`,
};

/** The reference's avgWindow: the window clipped to the input and its divisor (0: all padding). */
const AVG_WINDOW = /* wgsl */ `
struct Win { h0: i32, h1: i32, w0: i32, w1: i32, div: f32 }
fn avg_window(oh: i32, ow: i32) -> Win {
  var h0 = oh * p.sH - p.pH; var w0 = ow * p.sW - p.pW;
  var h1 = min(h0 + p.kH, p.h + p.pH); var w1 = min(w0 + p.kW, p.w + p.pW);
  let padded = (h1 - h0) * (w1 - w0);
  h0 = max(h0, 0); w0 = max(w0, 0); h1 = min(h1, p.h); w1 = min(w1, p.w);
  if (h0 >= h1 || w0 >= w1) { return Win(h0, h1, w0, w1, 0.0); }
  var d = f32((h1 - h0) * (w1 - w0));
  if (p.divisor > 0) { d = f32(p.divisor); } else if (p.includePad != 0u) { d = f32(padded); }
  return Win(h0, h1, w0, w1, d);
}`;

const AVG_POOL = {
  key: "avgPool2d",
  code: () => `${header(`${WIN}, includePad: u32, divisor: i32`, [
    ["x", "read"],
    ["out", "read_write"],
  ])}
${AVG_WINDOW}
${FLAT()}
  let total = p.planes * u32(p.outH * p.outW);
  if (i >= total) { return; }
  let ow = i32(i % u32(p.outW)); let oh = i32((i / u32(p.outW)) % u32(p.outH)); let c = i / u32(p.outH * p.outW);
  let wn = avg_window(oh, ow);
  let xo = c * u32(p.h * p.w);
  var s = 0.0;
  for (var ih = wn.h0; ih < wn.h1; ih = ih + 1) { for (var iw = wn.w0; iw < wn.w1; iw = iw + 1) { s = s + x[xo + u32(ih * p.w + iw)]; } }
  out[i] = select(0.0, s / wn.div, wn.div != 0.0);
}`,
};

/**
 * A thread per dx (c, ih, iw): the outputs oh whose window start oh·sH − pH lies in (ih − kH, ih]
 * (then checked against the clipped window), likewise ow; each adds dy / divisor.
 */
const AVG_POOL_BACKWARD = {
  key: "avgPool2dBackward",
  code: () => `${header(`${WIN}, includePad: u32, divisor: i32`, [
    ["dy", "read"],
    ["dx", "read_write"],
  ])}
${AVG_WINDOW}
fn floor_div(a: i32, b: i32) -> i32 { let q = a / b; return select(q, q - 1, (a % b != 0) && (a < 0)); }
${FLAT()}
  let total = p.planes * u32(p.h * p.w);
  if (i >= total) { return; }
  let iw = i32(i % u32(p.w)); let ih = i32((i / u32(p.w)) % u32(p.h)); let c = i / u32(p.h * p.w);
  let oo = c * u32(p.outH * p.outW);
  let ohLo = max(floor_div(ih + p.pH - p.kH, p.sH) + 1, 0); let ohHi = min(floor_div(ih + p.pH, p.sH), p.outH - 1);
  let owLo = max(floor_div(iw + p.pW - p.kW, p.sW) + 1, 0); let owHi = min(floor_div(iw + p.pW, p.sW), p.outW - 1);
  var acc = 0.0;
  for (var oh = ohLo; oh <= ohHi; oh = oh + 1) {
    for (var ow = owLo; ow <= owHi; ow = ow + 1) {
      let wn = avg_window(oh, ow);
      if (wn.div != 0.0 && ih >= wn.h0 && ih < wn.h1 && iw >= wn.w0 && iw < wn.w1) {
        acc = acc + dy[oo + u32(oh * p.outW + ow)] / wn.div;
      }
    }
  }
  dx[i] = acc;
}`,
};

/** Adaptive windows: start floor(i·size/n), end ceil((i+1)·size/n). */
const ADAPTIVE = /* wgsl */ `
fn a_start(i: u32, size: u32, n: u32) -> u32 { return (i * size) / n; }
fn a_end(i: u32, size: u32, n: u32) -> u32 { return ((i + 1u) * size + n - 1u) / n; }`;

const ADAPTIVE_POOL = {
  key: "adaptiveAvgPool2d",
  code: () => `${header("planes: u32, h: u32, w: u32, outH: u32, outW: u32", [
    ["x", "read"],
    ["out", "read_write"],
  ])}
${ADAPTIVE}
${FLAT()}
  if (i >= p.planes * p.outH * p.outW) { return; }
  let ow = i % p.outW; let oh = (i / p.outW) % p.outH; let c = i / (p.outH * p.outW);
  let h0 = a_start(oh, p.h, p.outH); let h1 = a_end(oh, p.h, p.outH);
  let w0 = a_start(ow, p.w, p.outW); let w1 = a_end(ow, p.w, p.outW);
  let xo = c * p.h * p.w;
  var s = 0.0;
  for (var ih = h0; ih < h1; ih = ih + 1u) { for (var iw = w0; iw < w1; iw = iw + 1u) { s = s + x[xo + ih * p.w + iw]; } }
  out[i] = s / f32((h1 - h0) * (w1 - w0));
}`,
};

/** A thread per dx (c, ih, iw): window oh holds ih for oh in [floor(ih·outH/h), ceil((ih+1)·outH/h)). */
const ADAPTIVE_POOL_BACKWARD = {
  key: "adaptiveAvgPool2dBackward",
  code: () => `${header("planes: u32, h: u32, w: u32, outH: u32, outW: u32", [
    ["dy", "read"],
    ["dx", "read_write"],
  ])}
${ADAPTIVE}
${FLAT()}
  if (i >= p.planes * p.h * p.w) { return; }
  let iw = i % p.w; let ih = (i / p.w) % p.h; let c = i / (p.h * p.w);
  let oo = c * p.outH * p.outW;
  var acc = 0.0;
  for (var oh = (ih * p.outH) / p.h; oh < min(((ih + 1u) * p.outH + p.h - 1u) / p.h, p.outH); oh = oh + 1u) {
    let h0 = a_start(oh, p.h, p.outH); let h1 = a_end(oh, p.h, p.outH);
    if (ih < h0 || ih >= h1) { continue; }
    for (var ow = (iw * p.outW) / p.w; ow < min(((iw + 1u) * p.outW + p.w - 1u) / p.w, p.outW); ow = ow + 1u) {
      let w0 = a_start(ow, p.w, p.outW); let w1 = a_end(ow, p.w, p.outW);
      if (iw < w0 || iw >= w1) { continue; }
      acc = acc + dy[oo + oh * p.outW + ow] / f32((h1 - h0) * (w1 - w0));
    }
  }
  dx[i] = acc;
}`,
};

export function poolKernels(ctx: GpuContext) {
  return {
    maxPool2d(
      x: GpuStorage,
      planes: number,
      h: number,
      w: number,
      p: PoolWindow,
      out: GpuStorage,
      indices: GpuStorage,
    ): void {
      const n = planes * p.outH * p.outW;
      if (n)
        ctx.dispatch(
          MAX_POOL,
          WIN_FMT,
          winValues(planes, h, w, p),
          [x, { s: out, w: true }, { s: indices, w: true }],
          grid(n),
        );
    },
    avgPool2d(
      x: GpuStorage,
      planes: number,
      h: number,
      w: number,
      p: PoolWindow,
      countIncludePad: boolean,
      divisor: number,
      out: GpuStorage,
    ): void {
      const n = planes * p.outH * p.outW;
      if (n)
        ctx.dispatch(
          AVG_POOL,
          `${WIN_FMT}ui`,
          [...winValues(planes, h, w, p), +countIncludePad, divisor],
          [x, { s: out, w: true }],
          grid(n),
        );
    },
    avgPool2dBackward(
      dy: GpuStorage,
      planes: number,
      h: number,
      w: number,
      p: PoolWindow,
      countIncludePad: boolean,
      divisor: number,
      dx: GpuStorage,
    ): void {
      const n = planes * h * w;
      if (n)
        ctx.dispatch(
          AVG_POOL_BACKWARD,
          `${WIN_FMT}ui`,
          [...winValues(planes, h, w, p), +countIncludePad, divisor],
          [dy, { s: dx, w: true }],
          grid(n),
        );
    },
    adaptiveAvgPool2d(
      x: GpuStorage,
      planes: number,
      h: number,
      w: number,
      outH: number,
      outW: number,
      out: GpuStorage,
    ): void {
      const n = planes * outH * outW;
      if (n) ctx.dispatch(ADAPTIVE_POOL, "uuuuu", [planes, h, w, outH, outW], [x, { s: out, w: true }], grid(n));
    },
    adaptiveAvgPool2dBackward(
      dy: GpuStorage,
      planes: number,
      h: number,
      w: number,
      outH: number,
      outW: number,
      dx: GpuStorage,
    ): void {
      const n = planes * h * w;
      if (n)
        ctx.dispatch(ADAPTIVE_POOL_BACKWARD, "uuuuu", [planes, h, w, outH, outW], [dy, { s: dx, w: true }], grid(n));
    },
  };
}
