/**
 * F.interpolate: resizes the spatial dims of (N, C, L) input (modes "nearest", "linear") or
 * (N, C, H, W) input ("nearest", "bilinear"), with PyTorch's source indices: nearest reads
 * ⌊dst · in/out⌋ (⌊dst / scaleFactor⌋ when a scale factor was given); (bi)linear interpolates
 * between the two nearest source samples, at dst · (in−1)/(out−1) with alignCorners, else at
 * (dst + ½) · in/out − ½ (again 1/scaleFactor when one was given, unless recomputeScaleFactor).
 *
 * @example
 * F.interpolate(x, { scaleFactor: 2 })                                   // [N, C, 7, 6] → [N, C, 14, 12]
 * F.interpolate(x, { size: [10, 8], mode: "bilinear", alignCorners: false })
 */
import { record } from "../autograd/graph.js";
import { kernels } from "../backend/registry.js";
import type { UpsampleArgs } from "../backend/js/upsample.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { empty, requireFloat } from "./util.js";
import type { FloatStorage } from "../tensor/storage.js";

export type InterpolateMode = "nearest" | "linear" | "bilinear";

export interface InterpolateOptions {
  /** Output spatial size: one number for every spatial dim, or one per dim. */
  size?: number | readonly number[];
  /** Multiplier of the spatial size (output = ⌊input · scaleFactor⌋): one number or one per dim. */
  scaleFactor?: number | readonly number[];
  /** "nearest" (default), "linear" (3-D input) or "bilinear" (4-D input). */
  mode?: InterpolateMode;
  /** (Bi)linear only: map the corner pixels' centres onto each other (default false). */
  alignCorners?: boolean;
  /** With scaleFactor: compute the source index from the output size instead of the factor (default false). */
  recomputeScaleFactor?: boolean;
}

const GRAD_NAMES = {
  nearest1: "UpsampleNearest1dBackward",
  nearest2: "UpsampleNearest2dBackward",
  linear1: "UpsampleLinear1dBackward",
  linear2: "UpsampleBilinear2dBackward",
} as const;

function perDim(v: number | readonly number[], dims: number, what: string, x: Tensor): number[] {
  if (typeof v === "number") return new Array<number>(dims).fill(v);
  if (v.length !== dims) {
    const layout = dims === 1 ? "L" : "H, W";
    throw new Error(
      `interpolate: ${what} ${fmt(v)} has ${v.length} entries but the input ${fmt(x.shape)} has ` +
        `${dims} spatial dim(s) — give one per spatial dim of (N, C, ${layout}) input, or a single number`,
    );
  }
  return [...v];
}

/** Resizes the spatial dims of `x`: (N, C, L) or (N, C, H, W). */
export function interpolate(x: Tensor, opts: InterpolateOptions): Tensor {
  const mode = opts.mode ?? "nearest";
  requireFloat(x, "interpolate");
  if (!["nearest", "linear", "bilinear"].includes(mode)) {
    throw new Error(
      `interpolate: unknown mode "${mode}" — gradlab has "nearest", "linear" (3-D input) and ` +
        `"bilinear" (4-D input)`,
    );
  }
  if (mode === "bilinear" && x.ndim === 3)
    throw new Error(
      `interpolate: got 3-D input ${fmt(x.shape)}, but bilinear ` +
        `mode needs 4-D (N, C, H, W) input — use mode "linear"`,
    );
  if (mode === "linear" && x.ndim === 4)
    throw new Error(
      `interpolate: got 4-D input ${fmt(x.shape)}, but linear ` +
        `mode needs 3-D (N, C, L) input — use mode "bilinear"`,
    );
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new Error(
      `interpolate: expects 3-D (N, C, L) or 4-D (N, C, H, W) input, got ` +
        `${fmt(x.shape)}${x.ndim === 2 ? " — add a batch or channel dim with x.unsqueeze(0)" : ""}`,
    );
  }
  if (mode === "nearest" && opts.alignCorners !== undefined) {
    throw new Error("interpolate: alignCorners can only be set with the interpolating modes linear | bilinear");
  }
  const { size, scaleFactor } = opts;
  if (size !== undefined && scaleFactor !== undefined)
    throw new Error("interpolate: only one of size or scaleFactor " + "should be given");
  if (size === undefined && scaleFactor === undefined)
    throw new Error("interpolate: either size or scaleFactor " + "should be given");
  if (opts.recomputeScaleFactor && size !== undefined)
    throw new Error("interpolate: recomputeScaleFactor is not " + "meaningful with an explicit size");
  const dims = x.ndim - 2,
    inSizes = x.shape.slice(2);
  let outSizes: number[], scales: (number | null)[];
  if (size !== undefined) {
    outSizes = perDim(size, dims, "size", x);
    if (outSizes.some((s) => !Number.isInteger(s)))
      throw new Error(`interpolate: size must hold integers, got ` + `${fmt(outSizes)}`);
    scales = outSizes.map(() => null);
  } else {
    const factors = perDim(scaleFactor!, dims, "scaleFactor", x);
    if (factors.some((f) => !(f > 0 && Number.isFinite(f))))
      throw new Error(`interpolate: scaleFactor must be ` + `positive, got ${fmt(factors)}`);
    outSizes = inSizes.map((s, i) => Math.floor(s * factors[i]));
    // PyTorch passes the factors on to the kernel, where they set the source-index scale.
    scales = opts.recomputeScaleFactor ? factors.map(() => null) : factors;
  }
  if (inSizes.some((s) => s <= 0) || outSizes.some((s) => s <= 0)) {
    throw new Error(
      `interpolate: input and output sizes should be greater than 0, but got input ${fmt(inSizes)} and ` +
        `output ${fmt(outSizes)}`,
    );
  }
  const [n, c] = x.shape,
    kernelMode = mode === "nearest" ? "nearest" : "linear";
  const args: UpsampleArgs =
    dims === 1
      ? {
          mode: kernelMode,
          planes: n * c,
          inH: 1,
          inW: inSizes[0],
          outH: 1,
          outW: outSizes[0],
          alignCorners: opts.alignCorners ?? false,
          scaleH: null,
          scaleW: scales[0],
          rows1d: true,
        }
      : {
          mode: kernelMode,
          planes: n * c,
          inH: inSizes[0],
          inW: inSizes[1],
          outH: outSizes[0],
          outW: outSizes[1],
          alignCorners: opts.alignCorners ?? false,
          scaleH: scales[0],
          scaleW: scales[1],
        };
  const out = empty([n, c, ...outSizes], x.dtype);
  kernels.upsample(args, x.storage as FloatStorage, out.storage as FloatStorage);
  return record(out, [x], GRAD_NAMES[`${args.mode}${dims}` as keyof typeof GRAD_NAMES], (g) => {
    const dx = empty(x.shape, g.dtype);
    kernels.upsampleBackward(args, g.storage as FloatStorage, dx.storage as FloatStorage);
    return [dx];
  });
}
