/**
 * Convolutions: conv1d, conv2d and convTranspose2d, each forward beside its backward. All run on
 * the backend's three conv kernels (see src/backend/js/conv.ts): a conv1d is a conv2d of height 1,
 * and a transposed convolution is a convolution's input gradient, whose own gradients are a
 * convolution and a weight gradient with the roles swapped.
 *
 * @example
 * F.conv2d(randn([64, 1, 28, 28]), randn([6, 1, 5, 5]), null, { padding: 2 }).shape // [64, 6, 28, 28]
 */
import { record } from "../autograd/graph.js";
import type { ConvGeometry } from "../backend/js/conv.js";
import { kernels } from "../backend/registry.js";
import type { FloatArray } from "../tensor/dtype.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { add } from "./elementwise.js";
import { checkDevices, empty, requireFloat } from "./util.js";
import type { FloatStorage } from "../tensor/storage.js";

/** An int, or one int per spatial dim (PyTorch's `int or tuple`). */
export type IntOrTuple = number | readonly number[];
/** Zero padding: the same on both sides of each dim, `"valid"` (none) or `"same"` (output size = input size, stride 1). */
export type ConvPadding = IntOrTuple | "same" | "valid";

export interface ConvOptions {
  stride?: IntOrTuple;
  padding?: ConvPadding;
  dilation?: IntOrTuple;
  groups?: number;
}

export interface ConvTransposeOptions {
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  /** Added to one side of each output dim, to pick among the sizes a strided conv maps to the same size. */
  outputPadding?: IntOrTuple;
  groups?: number;
  dilation?: IntOrTuple;
}

/** Per-dim values of an int-or-tuple argument, checked. */
export function tupleOf(v: IntOrTuple, dims: number, what: string, op: string, min: number): number[] {
  const vals = typeof v === "number" ? new Array<number>(dims).fill(v) : [...v];
  if (vals.length !== dims || vals.some((x) => !Number.isInteger(x) || x < min)) {
    throw new Error(`${op}: ${what} must be an integer ≥ ${min} or ${dims} of them, got ${JSON.stringify(v)}`);
  }
  return vals;
}

/** Padding before and after each spatial dim; "same" pads d·(k−1) in all, the odd one after (PyTorch's rule). */
export function paddingOf(
  p: ConvPadding,
  kernel: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
  op: string,
): { before: number[]; after: number[] } {
  if (p === "valid") return { before: kernel.map(() => 0), after: kernel.map(() => 0) };
  if (p === "same") {
    if (stride.some((s) => s !== 1)) {
      throw new Error(
        `${op}: padding "same" is not supported for strided convolutions (stride ${fmt(stride)}); give the padding as numbers`,
      );
    }
    const total = kernel.map((k, i) => dilation[i] * (k - 1));
    return { before: total.map((t) => Math.floor(t / 2)), after: total.map((t) => t - Math.floor(t / 2)) };
  }
  if (typeof p === "string")
    throw new Error(`${op}: padding must be a number, a tuple, "same" or "valid", got "${p as string}"`);
  const v = tupleOf(p, kernel.length, "padding", op, 0);
  return { before: v, after: v };
}

interface Spatial {
  stride: number[];
  before: number[];
  after: number[];
  dilation: number[];
}

/**
 * The geometry of a convolution of x [n, c, ...spatial] (1 or 2 spatial dims; a 1-D one is height 1)
 * by a weight [cOut, c/groups, ...kernel], checking channels and sizes.
 */
function geometryOf(
  op: string,
  xShape: readonly number[],
  wShape: readonly number[],
  s: Spatial,
  groups: number,
  shownX: readonly number[] = xShape,
  shownW: readonly number[] = wShape,
): ConvGeometry {
  const [n, cIn, ...size] = xShape,
    [cOut, cig, ...kernel] = wShape;
  if (!Number.isInteger(groups) || groups < 1)
    throw new Error(`${op}: groups must be a positive integer, got ${groups}`);
  if (cOut % groups !== 0)
    throw new Error(`${op}: the weight's ${cOut} output channels are not divisible by groups ${groups}`);
  if (cIn !== cig * groups) {
    const layout = size.length === 1 ? "[N, C, L]" : "[N, C, H, W]";
    // An unbatched-looking input may be a batch of one-channel inputs without its channel dim.
    const hint =
      shownX.length < xShape.length && cig * groups === 1
        ? `a batch of 1-channel inputs needs x.unsqueeze(1), ${layout}`
        : `is the channel dim second, as in ${layout}?`;
    throw new Error(
      `${op}: input ${fmt(shownX)} has ${cIn} channels, but the weight ${fmt(shownW)} expects ${cig * groups}` +
        (groups > 1 ? ` (${cig} per group × ${groups} groups)` : "") +
        ` — ${hint}`,
    );
  }
  const out = size.map((len, i) => {
    const padded = len + s.before[i] + s.after[i],
      span = s.dilation[i] * (kernel[i] - 1) + 1;
    if (span > padded) {
      const spanNote = s.dilation[i] > 1 ? ` (dilation ${s.dilation[i]} spreads it over ${span})` : "";
      throw new Error(
        `${op}: the kernel ${fmt(kernel)} is larger than the padded input: ${span} > ${padded} in spatial dim ${i}` +
          `${spanNote}, input ${fmt(shownX)} with padding ${s.before[i]}+${s.after[i]} — use a smaller kernel or more padding`,
      );
    }
    return Math.floor((padded - span) / s.stride[i]) + 1;
  });
  const two = (a: readonly number[], fill: number): number[] => (a.length === 1 ? [fill, a[0]] : [a[0], a[1]]);
  const [h, w] = two(size, 1),
    [kH, kW] = two(kernel, 1),
    [hOut, wOut] = two(out, 1);
  const [strideH, strideW] = two(s.stride, 1),
    [padH, padW] = two(s.before, 0),
    [dilationH, dilationW] = two(s.dilation, 1);
  return { n, cIn, h, w, cOut, kH, kW, strideH, strideW, padH, padW, dilationH, dilationW, groups, hOut, wOut };
}

/** The spatial output size of a geometry, as many dims as the input had. */
const outSize = (g: ConvGeometry, dims: number): number[] => (dims === 1 ? [g.wOut] : [g.hOut, g.wOut]);

function checkOperands(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined, dims: number): void {
  checkDevices(op, x, weight, bias);
  requireFloat(x, op);
  requireFloat(weight, op);
  const names = dims === 1 ? "[N, C, L] (or unbatched [C, L])" : "[N, C, H, W] (or unbatched [C, H, W])";
  if (x.ndim !== dims + 2 && x.ndim !== dims + 1)
    throw new Error(`${op}: expected a ${dims + 2}-D input ${names}, got ${fmt(x.shape)}`);
  if (weight.ndim !== dims + 2) {
    throw new Error(
      `${op}: expected a ${dims + 2}-D weight [C_out, C_in/groups, ${dims === 1 ? "k" : "kH, kW"}], got ${fmt(weight.shape)}`,
    );
  }
  for (const t of bias ? [weight, bias] : [weight]) {
    if (t.dtype !== x.dtype)
      throw new Error(
        `${op}: input is ${x.dtype} but ${t === bias ? "bias" : "weight"} is ${t.dtype} — convert one of them (.float() / .double())`,
      );
  }
}

/**
 * conv(x, weight) + bias, then relu if asked, for an already-built geometry. The output's
 * gradient goes to x through the input-gradient kernel and to weight and bias through the
 * weight-gradient kernel, which adds a parameter's gradient straight into its .grad storage.
 */
function convolution(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  g: ConvGeometry,
  outShape: number[],
  relu: boolean,
): Tensor {
  const out = empty(outShape, x.dtype);
  kernels.conv2dForward(
    x.storage as FloatStorage,
    weight.storage as FloatStorage,
    bias ? (bias.storage as FloatStorage) : null,
    out.storage as FloatStorage,
    g,
    relu,
  );
  return record(
    out,
    bias ? [x, weight, bias] : [x, weight],
    relu ? "ConvolutionReluBackward" : "ConvolutionBackward",
    (grad) => {
      let gd = grad.storage as FloatStorage;
      if (relu) {
        // relu'(z) = [z > 0] = [out > 0]: the output stands in for the pre-activation.
        const gz = kernels.alloc(out.dtype, out.numel()) as FloatArray;
        kernels.unaryBackward("relu", out.storage as FloatStorage, out.storage as FloatStorage, gd, gz);
        gd = gz;
      }
      let dx: Tensor | null = null;
      if (x.requiresGrad) {
        dx = empty(x.shape, x.dtype);
        kernels.conv2dBackwardInput(gd, weight.storage as FloatStorage, dx.storage as FloatStorage, g);
      }
      const [dw, db] = weightGrads(x.storage as FloatStorage, gd, weight, bias, g);
      return [dx, dw, db];
    },
  );
}

/**
 * The weight (and bias) gradient of a convolution with input `input` and output gradient `dy`.
 * A parameter's gradient is accumulated into its .grad storage (null returned for it), as linear does.
 */
function weightGrads(
  input: FloatStorage,
  dy: FloatStorage,
  weight: Tensor,
  bias: Tensor | null,
  g: ConvGeometry,
): [Tensor | null, Tensor | null] {
  if (!weight.requiresGrad && !bias?.requiresGrad) return [null, null];
  const target = (t: Tensor | null): { grad: Tensor | null; beta: number; ret: Tensor | null } => {
    if (!t?.requiresGrad) return { grad: null, beta: 0, ret: null };
    if (t.gradFn === null && t.reusesGradStorage) return { ...t.gradTarget(), ret: null };
    const fresh = empty(t.shape, t.dtype);
    return { grad: fresh, beta: 0, ret: fresh };
  };
  const w = target(weight),
    b = target(bias);
  kernels.conv2dBackwardWeight(
    input,
    dy,
    (w.grad?.storage as FloatStorage) ?? null,
    (b.grad?.storage as FloatStorage) ?? null,
    g,
    w.beta,
    b.beta,
  );
  return [w.ret, b.ret];
}

function convNd(
  dims: 1 | 2,
  op: string,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  opts: ConvOptions,
  relu: boolean,
): Tensor {
  checkOperands(op, x, weight, bias, dims);
  const kernel = weight.shape.slice(2);
  const stride = tupleOf(opts.stride ?? 1, dims, "stride", op, 1),
    dilation = tupleOf(opts.dilation ?? 1, dims, "dilation", op, 1);
  const { before, after } = paddingOf(opts.padding ?? 0, kernel, stride, dilation, op);
  const batched = x.ndim === dims + 2;
  const xShape = batched ? x.shape : [1, ...x.shape];
  const g = geometryOf(op, xShape, weight.shape, { stride, before, after, dilation }, opts.groups ?? 1, x.shape);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== g.cOut)) {
    throw new Error(
      `${op}: bias ${fmt(bias.shape)} must have ${g.cOut} elements, one per output channel of the weight ${fmt(weight.shape)}`,
    );
  }
  const outShape = [...(batched ? [g.n] : []), g.cOut, ...outSize(g, dims)];
  return convolution(x, weight, bias ?? null, g, outShape, relu);
}

/**
 * 2-D convolution (cross-correlation, as PyTorch): y[n, o] = bias[o] + Σ_c weight[o, c] ⋆ x[n, g·C_in/groups + c].
 * Input (N, C_in, H, W) or (C_in, H, W); weight (C_out, C_in/groups, kH, kW); bias (C_out);
 * output (N, C_out, H_out, W_out), H_out = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1.
 */
export function conv2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: ConvOptions = {},
  opName = "conv2d",
): Tensor {
  return convNd(2, opName, x, weight, bias, opts, false);
}

/** @internal relu(conv2d(...)) in one kernel call, the same values and gradients (for a Conv2d followed by a ReLU). */
export function conv2dRelu(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: ConvOptions = {},
  opName = "conv2d",
): Tensor {
  return convNd(2, opName, x, weight, bias, opts, true);
}

/**
 * 1-D convolution: input (N, C_in, L) or (C_in, L); weight (C_out, C_in/groups, k); bias (C_out);
 * output (N, C_out, L_out), L_out = ⌊(L + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1.
 */
export function conv1d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: ConvOptions = {},
  opName = "conv1d",
): Tensor {
  return convNd(1, opName, x, weight, bias, opts, false);
}

/**
 * 2-D transposed convolution ("deconvolution"), the gradient of conv2d with respect to its input:
 * input (N, C_in, H, W) or (C_in, H, W); weight (C_in, C_out/groups, kH, kW); bias (C_out);
 * output (N, C_out, H_out, W_out), H_out = (H − 1)·stride − 2·padding + dilation·(kH − 1) + outputPadding + 1.
 */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: ConvTransposeOptions = {},
  opName = "convTranspose2d",
): Tensor {
  const op = opName;
  checkOperands(op, x, weight, bias, 2);
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1)
    throw new Error(`${op}: groups must be a positive integer, got ${groups}`);
  const stride = tupleOf(opts.stride ?? 1, 2, "stride", op, 1),
    dilation = tupleOf(opts.dilation ?? 1, 2, "dilation", op, 1);
  const padding = tupleOf(opts.padding ?? 0, 2, "padding", op, 0),
    outPad = tupleOf(opts.outputPadding ?? 0, 2, "outputPadding", op, 0);
  outPad.forEach((p, i) => {
    if (p >= Math.max(stride[i], dilation[i])) {
      throw new Error(
        `${op}: outputPadding ${fmt(outPad)} must be smaller than the stride ${fmt(stride)} or the dilation ${fmt(dilation)} in each dim`,
      );
    }
  });
  const batched = x.ndim === 4;
  const [n, cIn, h, w] = batched ? x.shape : [1, ...x.shape];
  const [wIn, cog, kH, kW] = weight.shape;
  if (wIn !== cIn) {
    throw new Error(
      `${op}: input ${fmt(x.shape)} has ${cIn} channels, but the weight ${fmt(weight.shape)} expects ${wIn} (its first dim) — is the channel dim second, as in [N, C, H, W]?`,
    );
  }
  if (cIn % groups !== 0) throw new Error(`${op}: the ${cIn} input channels are not divisible by groups ${groups}`);
  const cOut = cog * groups;
  const size = [h, w].map(
    (len, i) => (len - 1) * stride[i] - 2 * padding[i] + dilation[i] * ([kH, kW][i] - 1) + outPad[i] + 1,
  );
  if (size.some((s) => s < 1)) {
    throw new Error(
      `${op}: the output size ${fmt(size)} is too small: input ${fmt(x.shape)}, kernel [${kH}, ${kW}], padding ${fmt(padding)} — use less padding`,
    );
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== cOut)) {
    throw new Error(
      `${op}: bias ${fmt(bias.shape)} must have ${cOut} elements, one per output channel (weight ${fmt(weight.shape)}: ${cog} per group × ${groups})`,
    );
  }
  // The convolution this is the input gradient of: its input is our output, its output our input.
  const g: ConvGeometry = {
    n,
    cIn: cOut,
    h: size[0],
    w: size[1],
    cOut: cIn,
    kH,
    kW,
    strideH: stride[0],
    strideW: stride[1],
    padH: padding[0],
    padW: padding[1],
    dilationH: dilation[0],
    dilationW: dilation[1],
    groups,
    hOut: h,
    wOut: w,
  };
  const out = empty([...(batched ? [n] : []), cOut, ...size], x.dtype);
  kernels.conv2dBackwardInput(
    x.storage as FloatStorage,
    weight.storage as FloatStorage,
    out.storage as FloatStorage,
    g,
  );
  const y = record(out, [x, weight], "ConvolutionBackward", (grad) => {
    let dx: Tensor | null = null;
    if (x.requiresGrad) {
      dx = empty(x.shape, x.dtype);
      kernels.conv2dForward(
        grad.storage as FloatStorage,
        weight.storage as FloatStorage,
        null,
        dx.storage as FloatStorage,
        g,
      );
    }
    return [dx, weightGrads(grad.storage as FloatStorage, x.storage as FloatStorage, weight, null, g)[0]];
  });
  return bias ? add(y, bias.reshape([cOut, 1, 1])) : y;
}
