/**
 * F.pad: pads (or, with negative pads, crops) a tensor, with PyTorch's pad list — last dim first,
 * a (before, after) pair per dim: [left, right] pads the last dim, [left, right, top, bottom] the
 * last two, and so on. Constant mode fills with `value` and pads any number of dims; reflect,
 * replicate and circular pad the last 1, 2 or 3 dims of a tensor with 1 or 2 more dims before them
 * (PyTorch's rule: (C, W) or (N, C, W); (C, H, W) or (N, C, H, W); (C, D, H, W) or (N, C, D, H, W)).
 *
 * @example
 * F.pad(x, [1, 1, 2, 2])                      // [N, C, H, W] → [N, C, H + 4, W + 2], zeros
 * F.pad(x, [1, 1, 1, 1], { mode: "reflect" }) // mirrors without repeating the edge: 1 2 3 → 2 1 2 3 2
 */
import { record } from "../autograd/graph.js";
import { kernels } from "../backend/registry.js";
import { type PadMode, padShape } from "../backend/js/pad.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { empty } from "./util.js";
import type { FloatStorage } from "../tensor/storage.js";

export type { PadMode } from "../backend/js/pad.js";

export interface PadOptions {
  /** "constant" (default), "reflect" (mirror without the edge), "replicate" (repeat the edge) or "circular" (wrap). */
  mode?: PadMode;
  /** Constant mode's fill value (default 0); other modes take none. */
  value?: number;
}

const MODES: readonly PadMode[] = ["constant", "reflect", "replicate", "circular"];
const GRAD_NAMES: Record<PadMode, string> = {
  constant: "ConstantPadNdBackward",
  reflect: "ReflectionPadBackward",
  replicate: "ReplicationPadBackward",
  circular: "CircularPadBackward",
};

/** Checks the arguments and returns [before, after] per dim in dim order. */
function padsByDim(x: Tensor, padList: readonly number[], mode: PadMode, value: number | undefined): number[] {
  const op = `pad(mode="${mode}")`,
    rank = x.ndim;
  if (!MODES.includes(mode))
    throw new Error(`pad: unknown mode "${mode}" — use "constant", "reflect", "replicate" ` + `or "circular"`);
  if (padList.length % 2 !== 0) {
    throw new Error(
      `pad: the pad list ${fmt(padList)} has odd length ${padList.length}; it holds (before, after) ` +
        `pairs, last dim first, e.g. [left, right, top, bottom]`,
    );
  }
  const bad = padList.find((p) => !Number.isInteger(p));
  if (bad !== undefined) throw new Error(`pad: pad values must be integers, got ${bad} in ${fmt(padList)}`);
  const pairs = padList.length / 2;
  if (pairs > rank) {
    throw new Error(
      `pad: ${fmt(padList)} pads ${pairs} dims but the input ${fmt(x.shape)} has only ${rank} — the ` +
        `list holds one (before, after) pair per dim, last dim first`,
    );
  }
  if (mode !== "constant") {
    if (value !== undefined && value !== 0)
      throw new Error(
        `${op}: only constant padding fills with a value (got ` + `value ${value}) — drop it, or use mode "constant"`,
      );
    if (!(pairs >= 1 && pairs <= 3 && (rank === pairs + 1 || rank === pairs + 2))) {
      throw new Error(
        `${op}: ${fmt(padList)} pads the last ${pairs} dim(s) of a ${rank}-D input ${fmt(x.shape)}, ` +
          `but ${mode} padding pads the last 1 dim of 2-D/3-D input, the last 2 of 3-D/4-D or the last 3 of 4-D/5-D ` +
          `(as PyTorch) — constant mode pads any dims`,
      );
    }
  }
  const pads = new Array<number>(2 * rank).fill(0);
  for (let k = 0; k < pairs; k++) {
    const d = rank - 1 - k,
      before = padList[2 * k],
      after = padList[2 * k + 1],
      size = x.shape[d];
    pads[2 * d] = before;
    pads[2 * d + 1] = after;
    const out = size + before + after;
    const which = `padding (${before}, ${after}) of dim ${d} (size ${size}) of input ${fmt(x.shape)}`;
    if (mode === "reflect" && !(before < size && after < size)) {
      throw new Error(
        `${op}: ${which} must be less than the dim's size — reflect mirrors without repeating the ` +
          `edge, so it adds at most size − 1 per side; use a smaller pad or mode "replicate"`,
      );
    }
    if ((mode === "reflect" || mode === "replicate") && size === 0)
      throw new Error(`${op}: ${which}: cannot ${mode} ` + `an empty dim`);
    if (mode === "circular") {
      const kept = size - Math.max(-before, 0) - Math.max(-after, 0);
      if (Math.max(before, 0) > kept || Math.max(after, 0) > kept) {
        throw new Error(
          `${op}: ${which} wraps around more than once — circular padding adds at most the (cropped) ` +
            `size per side`,
        );
      }
    }
    const least = mode === "reflect" || mode === "replicate" ? 1 : 0;
    if (out < least) throw new Error(`${op}: ${which} gives an output size of ${out}; it must be at least ${least}`);
  }
  return pads;
}

/** Pads `x` by `pad` (PyTorch's list: last dim first, (before, after) per dim; negative crops). */
export function pad(x: Tensor, padList: readonly number[], opts: PadOptions = {}): Tensor {
  const mode = opts.mode ?? "constant";
  const pads = padsByDim(x, padList, mode, opts.value);
  const value = mode === "constant" ? (opts.value ?? 0) : 0;
  const out = empty(padShape(x.shape, pads), x.dtype);
  kernels.pad(mode, x.storage, x.shape, pads, value, out.storage);
  return record(out, [x], GRAD_NAMES[mode], (g) => {
    const dx = empty(x.shape, g.dtype);
    kernels.padBackward(mode, g.storage as FloatStorage, x.shape, pads, dx.storage as FloatStorage);
    return [dx];
  });
}
