/**
 * Pooling over the last one or two dims, PyTorch's `F.max_pool2d`, `F.avg_pool2d`,
 * `F.adaptive_avg_pool2d` and their 1-D forms, with PyTorch's output sizes:
 * out = ⌊(in + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1, rounded up instead with
 * ceilMode — except that a last window starting past the input and its left padding is dropped.
 *
 * @example
 * F.maxPool2d(x, 2).shape                       // [N, C, 28, 28] → [N, C, 14, 14]
 * F.avgPool2d(x, 3, { stride: 2, padding: 1 })  // 28 → 14
 * F.adaptiveAvgPool2d(x, 1)                     // global average pooling: [N, C, 1, 1]
 */
import { record } from "../autograd/graph.js";
import { kernels } from "../backend/registry.js";
import type { PoolWindow } from "../backend/js/pool.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkDevices, empty, requireFloat } from "./util.js";
import type { FloatStorage, IntStorage } from "../tensor/storage.js";

export type IntPair = number | readonly [number, number];

export interface MaxPool2dOptions {
  /** Default: the kernel size. */
  stride?: IntPair | null;
  /** Implicit −∞ on each side; at most half the kernel. Default 0. */
  padding?: IntPair;
  /** Spacing between window elements. Default 1. */
  dilation?: IntPair;
  /** Round the output size up (a partial last window), see the file doc. Default false. */
  ceilMode?: boolean;
  /** Also return the int32 argmax indices, flat within each input plane (H·W). Default false. */
  returnIndices?: boolean;
}

export interface AvgPool2dOptions {
  stride?: IntPair | null;
  /** Implicit zeros on each side; at most half the kernel. Default 0. */
  padding?: IntPair;
  ceilMode?: boolean;
  /** Count the padding zeros in each window's divisor. Default true. */
  countIncludePad?: boolean;
  /** Divide every window's sum by this instead. */
  divisorOverride?: number | null;
}

export interface MaxPool1dOptions {
  stride?: number | null;
  padding?: number;
  dilation?: number;
  ceilMode?: boolean;
  returnIndices?: boolean;
}
export interface AvgPool1dOptions {
  stride?: number | null;
  padding?: number;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

const pair = (v: IntPair, name: string, op: string): [number, number] => {
  const p: [number, number] = typeof v === "number" ? [v, v] : [v[0], v[1]];
  if ((typeof v !== "number" && v.length !== 2) || !p.every(Number.isInteger)) {
    throw new Error(`${op}: ${name} must be an integer or a pair of integers, got ${JSON.stringify(v)}`);
  }
  return p;
};

/** PyTorch's pooling_output_shape. */
export function poolOutputSize(size: number, k: number, s: number, p: number, d: number, ceilMode: boolean): number {
  let out = Math.floor((size + 2 * p - d * (k - 1) - 1 + (ceilMode ? s - 1 : 0)) / s) + 1;
  // The last window must start inside the input or its left padding.
  if (ceilMode && (out - 1) * s >= size + p) out--;
  return out;
}

/** Checks a 2-D pooling call and works out its window (1-D pooling comes here with H = 1). */
function window2d(
  x: Tensor,
  kernelSize: IntPair,
  stride: IntPair | null | undefined,
  padding: IntPair,
  dilation: IntPair,
  ceilMode: boolean,
  op: string,
  dims = 2,
): PoolWindow {
  const [kH, kW] = pair(kernelSize, "kernelSize", op);
  const [sH, sW] = stride === null || stride === undefined ? [kH, kW] : pair(stride, "stride", op);
  const [pH, pW] = pair(padding, "padding", op),
    [dH, dW] = pair(dilation, "dilation", op);
  const show = (a: number, b: number): string => (dims === 1 ? `${b}` : `${a}×${b}`);
  if (!(kH > 0 && kW > 0)) throw new Error(`${op}: kernelSize must be positive, got ${show(kH, kW)}`);
  if (!(sH > 0 && sW > 0)) throw new Error(`${op}: stride must be positive, got ${show(sH, sW)}`);
  if (!(dH > 0 && dW > 0)) throw new Error(`${op}: dilation must be positive, got ${show(dH, dW)}`);
  if (pH < 0 || pW < 0 || pH > kH / 2 || pW > kW / 2) {
    throw new Error(`${op}: padding ${show(pH, pW)} must be between 0 and half the kernel size ${show(kH, kW)}`);
  }
  const [h, w] = [x.shape[x.ndim - 2], x.shape[x.ndim - 1]];
  const outH = poolOutputSize(h, kH, sH, pH, dH, ceilMode),
    outW = poolOutputSize(w, kW, sW, pW, dW, ceilMode);
  if (outH < 1 || outW < 1) {
    const dilated = dH > 1 || dW > 1 ? ` (${show(dH * (kH - 1) + 1, dW * (kW - 1) + 1)} dilated)` : "";
    const input = fmt(dims === 1 ? x.shape.slice(0, -2).concat(w) : x.shape);
    throw new Error(
      `${op}: kernel ${show(kH, kW)}${dilated} is larger than the padded input ` +
        `${show(h + 2 * pH, w + 2 * pW)} (input ${input}, padding ${show(pH, pW)}), so the output would be ` +
        `${show(outH, outW)} — use a smaller kernel or a bigger input`,
    );
  }
  return { kH, kW, sH, sW, pH, pW, dH, dW, outH, outW };
}

/** Checks the rank: (N, C, H, W) or unbatched (C, H, W); 1-D: (N, C, L) or (C, L). */
function checkRank(x: Tensor, op: string, dims: 1 | 2): void {
  requireFloat(x, op);
  checkDevices(op, x);
  const ranks = dims === 2 ? [3, 4] : [2, 3];
  if (!ranks.includes(x.ndim) || x.shape.slice(1).some((s) => s === 0)) {
    const want = dims === 2 ? "(N, C, H, W) or (C, H, W)" : "(N, C, L) or (C, L)";
    const flat = dims === 2 && x.ndim === 2;
    const hint = flat ? " — for a batch of flat images reshape first, e.g. x.view(-1, 1, H, W)" : "";
    throw new Error(`${op} got input ${fmt(x.shape)}: it expects ${want} with non-zero sizes${hint}`);
  }
}

function maxPoolCore(x: Tensor, p: PoolWindow): [Tensor, Tensor] {
  const h = x.shape[x.ndim - 2],
    w = x.shape[x.ndim - 1],
    planes = x.numel() / (h * w);
  const shape = [...x.shape.slice(0, -2), p.outH, p.outW];
  const out = empty(shape, x.dtype),
    indices = empty(shape, "int32");
  const idx = indices.storage as IntStorage;
  kernels.maxPool2d(x.storage as FloatStorage, planes, h, w, p, out.storage as FloatStorage, idx);
  record(out, [x], "MaxPool2DWithIndicesBackward", (g) => {
    const dx = empty(x.shape, g.dtype);
    kernels.scatterAddAlong(
      g.storage as FloatStorage,
      idx,
      planes,
      h * w,
      1,
      p.outH * p.outW,
      dx.storage as FloatStorage,
    );
    return [dx];
  });
  return [out, indices];
}

/**
 * 2-D max pooling. Input: (N, C, H, W) or (C, H, W). Output: (N, C, H_out, W_out), and with
 * `returnIndices` the int32 argmax indices (flat within each H·W plane, as PyTorch's).
 */
export function maxPool2d(
  x: Tensor,
  kernelSize: IntPair,
  opts?: MaxPool2dOptions & { returnIndices?: false },
  name?: string,
): Tensor;
export function maxPool2d(
  x: Tensor,
  kernelSize: IntPair,
  opts: MaxPool2dOptions & { returnIndices: true },
  name?: string,
): [Tensor, Tensor];
export function maxPool2d(
  x: Tensor,
  kernelSize: IntPair,
  opts: MaxPool2dOptions = {},
  name = "maxPool2d",
): Tensor | [Tensor, Tensor] {
  checkRank(x, name, 2);
  const p = window2d(x, kernelSize, opts.stride, opts.padding ?? 0, opts.dilation ?? 1, opts.ceilMode ?? false, name);
  const [out, indices] = maxPoolCore(x, p);
  return opts.returnIndices ? [out, indices] : out;
}

/** 1-D max pooling over the last dim. Input: (N, C, L) or (C, L). Output: (N, C, L_out) (and indices within L). */
export function maxPool1d(
  x: Tensor,
  kernelSize: number,
  opts?: MaxPool1dOptions & { returnIndices?: false },
  name?: string,
): Tensor;
export function maxPool1d(
  x: Tensor,
  kernelSize: number,
  opts: MaxPool1dOptions & { returnIndices: true },
  name?: string,
): [Tensor, Tensor];
export function maxPool1d(
  x: Tensor,
  kernelSize: number,
  opts: MaxPool1dOptions = {},
  name = "maxPool1d",
): Tensor | [Tensor, Tensor] {
  checkRank(x, name, 1);
  const x4 = x.unsqueeze(-2);
  const stride = opts.stride ?? kernelSize;
  const p = window2d(
    x4,
    [1, kernelSize],
    [1, stride],
    [0, opts.padding ?? 0],
    [1, opts.dilation ?? 1],
    opts.ceilMode ?? false,
    name,
    1,
  );
  const [out, indices] = maxPoolCore(x4, p);
  const shape = [...x.shape.slice(0, -1), p.outW];
  return opts.returnIndices ? [out.reshape(shape), indices.reshape(shape)] : out.reshape(shape);
}

function avgPoolCore(x: Tensor, p: PoolWindow, countIncludePad: boolean, divisor: number): Tensor {
  const h = x.shape[x.ndim - 2],
    w = x.shape[x.ndim - 1],
    planes = x.numel() / (h * w);
  const out = empty([...x.shape.slice(0, -2), p.outH, p.outW], x.dtype);
  kernels.avgPool2d(x.storage as FloatStorage, planes, h, w, p, countIncludePad, divisor, out.storage as FloatStorage);
  return record(out, [x], "AvgPool2DBackward", (g) => {
    const dx = empty(x.shape, g.dtype);
    kernels.avgPool2dBackward(
      g.storage as FloatStorage,
      planes,
      h,
      w,
      p,
      countIncludePad,
      divisor,
      dx.storage as FloatStorage,
    );
    return [dx];
  });
}

/** 2-D average pooling. Input: (N, C, H, W) or (C, H, W). Output: (N, C, H_out, W_out). */
export function avgPool2d(x: Tensor, kernelSize: IntPair, opts: AvgPool2dOptions = {}, name = "avgPool2d"): Tensor {
  checkRank(x, name, 2);
  const p = window2d(x, kernelSize, opts.stride, opts.padding ?? 0, 1, opts.ceilMode ?? false, name);
  const divisor = opts.divisorOverride ?? 0;
  const given = opts.divisorOverride !== undefined && opts.divisorOverride !== null;
  if (given && !(Number.isInteger(divisor) && divisor > 0)) {
    throw new Error(`${name}: divisorOverride must be a positive integer, got ${opts.divisorOverride}`);
  }
  return avgPoolCore(x, p, opts.countIncludePad ?? true, divisor);
}

/** 1-D average pooling over the last dim. Input: (N, C, L) or (C, L). Output: (N, C, L_out). */
export function avgPool1d(x: Tensor, kernelSize: number, opts: AvgPool1dOptions = {}, name = "avgPool1d"): Tensor {
  checkRank(x, name, 1);
  const x4 = x.unsqueeze(-2);
  const p = window2d(
    x4,
    [1, kernelSize],
    [1, opts.stride ?? kernelSize],
    [0, opts.padding ?? 0],
    1,
    opts.ceilMode ?? false,
    name,
    1,
  );
  return avgPoolCore(x4, p, opts.countIncludePad ?? true, 0).reshape([...x.shape.slice(0, -1), p.outW]);
}

/** An adaptive output size: one int for both dims, or a pair where null keeps that input dim. */
export type AdaptiveSize = number | readonly [number | null, number | null];

/**
 * Adaptive average pooling to a fixed output size whatever the input's: output (i, j) averages rows
 * ⌊i·H/H_out⌋ .. ⌈(i+1)·H/H_out⌉ and likewise columns. Input: (N, C, H, W) or (C, H, W).
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize, name = "adaptiveAvgPool2d"): Tensor {
  checkRank(x, name, 2);
  const h = x.shape[x.ndim - 2],
    w = x.shape[x.ndim - 1],
    planes = x.numel() / (h * w);
  const [oh, ow] = typeof outputSize === "number" ? [outputSize, outputSize] : [outputSize[0] ?? h, outputSize[1] ?? w];
  if (!(Number.isInteger(oh) && Number.isInteger(ow) && oh > 0 && ow > 0)) {
    throw new Error(
      `${name}: outputSize must be positive integers (or null to keep a dim), got ` + `${JSON.stringify(outputSize)}`,
    );
  }
  const out = empty([...x.shape.slice(0, -2), oh, ow], x.dtype);
  kernels.adaptiveAvgPool2d(x.storage as FloatStorage, planes, h, w, oh, ow, out.storage as FloatStorage);
  return record(out, [x], "AdaptiveAvgPool2DBackward", (g) => {
    const dx = empty(x.shape, g.dtype);
    kernels.adaptiveAvgPool2dBackward(g.storage as FloatStorage, planes, h, w, oh, ow, dx.storage as FloatStorage);
    return [dx];
  });
}
