/**
 * Padding kernels, reference: along each dim an output index reads one input index — shifted
 * (constant; outside the input it writes `value`), mirrored without repeating the edge (reflect),
 * clamped to the edge (replicate) or wrapped (circular). Negative pads crop. The backward is the
 * adjoint: each output gradient is added to the input element it was read from.
 */
import type { FloatArray, TypedArray } from "../../tensor/dtype.js";
import { numel, stridesOf } from "../../tensor/shape.js";

export type PadMode = "constant" | "reflect" | "replicate" | "circular";

import type { FloatStorage, Storage } from "../../tensor/storage.js";

declare module "../kernels.js" {
  interface Kernels {
    /**
     * out = x (of `shape`) padded by `pads`, [before, after] per dim in dim order (negative crops):
     * along dim d output index i reads input index padSource(mode, i, shape[d], before, after), and
     * constant mode writes `value` where that is −1. `out` has padShape(shape, pads) elements.
     */
    pad(
      mode: PadMode,
      x: Storage,
      shape: readonly number[],
      pads: readonly number[],
      value: number,
      out: Storage,
    ): void;
    /** dx (overwritten, of `shape`) = pad's adjoint: every dy element added to the input element it read. */
    padBackward(
      mode: PadMode,
      dy: FloatStorage,
      shape: readonly number[],
      pads: readonly number[],
      dx: FloatStorage,
    ): void;
  }
}

/** The padded shape. */
export const padShape = (shape: readonly number[], pads: readonly number[]): number[] =>
  shape.map((s, d) => s + pads[2 * d] + pads[2 * d + 1]);

/**
 * The input index output index `i` reads along a dim of `size` padded by (before, after), or −1
 * for constant mode's fill. Reflect and replicate follow PyTorch's index formulas (so a negative
 * pad on one side crops it while the other side still mirrors about the original edge); circular
 * wraps around the cropped input, as PyTorch's _pad_circular copies from the output's interior.
 */
export function padSource(mode: PadMode, i: number, size: number, before: number, after: number): number {
  const s = i - before;
  switch (mode) {
    case "constant":
      return s >= 0 && s < size ? s : -1;
    case "replicate":
      return Math.min(Math.max(s, 0), size - 1);
    case "reflect":
      return s < 0 ? -s : s >= size ? 2 * (size - 1) - s : s;
    case "circular": {
      const lo = Math.max(-before, 0),
        m = size - lo - Math.max(-after, 0);
      return lo + ((((i - Math.max(before, 0)) % m) + m) % m);
    }
  }
}

/**
 * The kernels' plan: neighbouring dims with no padding merged (they copy as one block) and at
 * least two dims (a leading 1 added), with each output dim's source-index map concatenated.
 * Shared by every backend so they read and add in the same order.
 */
export interface PadPlan {
  inShape: number[];
  outShape: number[];
  pads: number[];
  /** maps[offsets[d] + i]: the input index output index i of dim d reads, or −1. */
  maps: Int32Array;
  offsets: number[];
}

export function padPlan(mode: PadMode, shape: readonly number[], pads: readonly number[]): PadPlan {
  const inShape: number[] = [1],
    ps: number[] = [0, 0];
  shape.forEach((s, d) => {
    const b = pads[2 * d],
      a = pads[2 * d + 1],
      k = inShape.length - 1;
    if (b === 0 && a === 0 && ps[2 * k] === 0 && ps[2 * k + 1] === 0) inShape[k] *= s;
    else {
      inShape.push(s);
      ps.push(b, a);
    }
  });
  if (inShape.length === 1) {
    inShape.push(1);
    ps.push(0, 0);
  }
  const outShape = padShape(inShape, ps);
  const offsets: number[] = [];
  const maps = new Int32Array(
    outShape.reduce((t, s) => {
      offsets.push(t);
      return t + s;
    }, 0),
  );
  outShape.forEach((n, d) => {
    for (let i = 0; i < n; i++) maps[offsets[d] + i] = padSource(mode, i, inShape[d], ps[2 * d], ps[2 * d + 1]);
  });
  return { inShape, outShape, pads: ps, maps, offsets };
}

/**
 * Walks the output rows (every dim but the last) of a plan: `row(o, src)` gets the row's output
 * offset and its input row offset, or −1 when a constant pad covers the whole row.
 */
function eachRow(p: PadPlan, row: (o: number, src: number) => void): void {
  const rank = p.outShape.length,
    last = rank - 1,
    w = p.outShape[last];
  const st = stridesOf(p.inShape),
    rows = numel(p.outShape.slice(0, last));
  const idx = new Array<number>(last).fill(0);
  for (let r = 0; r < rows; r++) {
    let src = 0;
    for (let d = 0; d < last; d++) {
      const m = p.maps[p.offsets[d] + idx[d]];
      if (m < 0) {
        src = -1;
        break;
      }
      src += m * st[d];
    }
    row(r * w, src);
    for (let d = last - 1; d >= 0 && ++idx[d] === p.outShape[d]; d--) idx[d] = 0;
  }
}

export const padKernels = {
  pad(
    mode: PadMode,
    x: TypedArray,
    shape: readonly number[],
    pads: readonly number[],
    value: number,
    out: TypedArray,
  ): void {
    const p = padPlan(mode, shape, pads);
    const last = p.outShape.length - 1,
      w = p.outShape[last],
      off = p.offsets[last];
    eachRow(p, (o, src) => {
      for (let j = 0; j < w; j++) {
        const m = p.maps[off + j];
        out[o + j] = src >= 0 && m >= 0 ? x[src + m] : value;
      }
    });
  },
  padBackward(mode: PadMode, dy: FloatArray, shape: readonly number[], pads: readonly number[], dx: FloatArray): void {
    const p = padPlan(mode, shape, pads);
    const last = p.outShape.length - 1,
      w = p.outShape[last],
      off = p.offsets[last];
    dx.fill(0);
    eachRow(p, (o, src) => {
      if (src < 0) return;
      for (let j = 0; j < w; j++) {
        const m = p.maps[off + j];
        if (m >= 0) dx[src + m] += dy[o + j];
      }
    });
  },
};
