/**
 * Creating tensors: from nested arrays or typed arrays, constants, ranges and seeded random draws.
 *
 * @example
 * manualSeed(0);
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const w = randn([2, 3]);
 */
import { kernels } from "../backend/registry.js";
import { allocArray, type DType, dtypeOf, type TypedArray } from "../tensor/dtype.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { checkOptions } from "../tensor/pytorch_habits.js";
import { fmt, numel } from "../tensor/shape.js";
import { type NestedArray, Tensor } from "../tensor/tensor.js";

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}
export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}
type ShapeArg = number | readonly number[];

/**
 * Refuses a shape with a negative, fractional or non-numeric dimension before anything is
 * allocated: the typed-array error it would otherwise hit ("Invalid typed array length: -1")
 * names neither the op nor the shape.
 */
function checkShape(op: string, shape: readonly unknown[]): number[] {
  shape.forEach((d, i) => {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      const shown = `[${shape.map((v) => (typeof v === "string" ? JSON.stringify(v) : String(v))).join(", ")}]`;
      const dim = typeof d === "string" ? JSON.stringify(d) : String(d);
      throw new Error(
        `${op}: shape ${shown} has dimension ${i} = ${dim}; ` +
          "dimensions must be non-negative integers (use 0 for an empty dimension)",
      );
    }
  });
  return shape as number[];
}

const shapeOf = (s: ShapeArg, op: string): number[] => checkShape(op, typeof s === "number" ? [s] : [...s]);

/** What a non-numeric element is, for the error: a string is quoted, anything else named by its type. */
const describeValue = (v: unknown): string =>
  typeof v === "string"
    ? `the string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + "…" : v)}`
    : v === null
      ? "null"
      : v === undefined
        ? "undefined"
        : `a ${typeof v}`;

/** Tensors hold numbers (booleans become 0/1); anything else would silently become NaN or 0. */
function checkElement(v: unknown, where: string): void {
  if (typeof v !== "number" && typeof v !== "boolean") {
    const fix =
      typeof v === "string"
        ? "parse the strings first (Number(s))"
        : typeof v === "bigint"
          ? "convert it with Number(x)"
          : "fill or drop the missing values first";
    throw new Error(`tensor: the element at ${where} is ${describeValue(v)}, not a number; ${fix}`);
  }
}

/** `zeros(2, 3)` / `randn(64, 784)` (PyTorch's varargs) would silently make a [2] / [64] tensor. */
function checkCreationOptions(opts: object, known: readonly string[]): void {
  if (typeof opts === "number") {
    throw new TypeError(
      `tensor creation: got a number (${opts}) where the options go — the shape is one array: ` +
        "zeros([2, 3]), randn([64, 784])",
    );
  }
  checkOptions("tensor creation", opts, known, 'zeros([2, 3], { dtype: "int32" })');
}
const TENSOR_OPTIONS = ["dtype", "requiresGrad"],
  RANDOM_OPTIONS = [...TENSOR_OPTIONS, "generator"];

function inferNested(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
}

function fillNested(data: NestedArray, shape: number[], out: TypedArray): void {
  let k = 0;
  const walk = (v: NestedArray, d: number, path: number[]): void => {
    if (d === shape.length) {
      if (Array.isArray(v))
        throw new Error(`tensor: ragged nested array at index [${path.join("][")}] (expected shape ${fmt(shape)})`);
      checkElement(v, `index [${path.join("][")}]`);
      out[k++] = typeof v === "boolean" ? Number(v) : v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[d]) {
      throw new Error(
        `tensor: ragged nested array at index [${path.join("][")}]: expected ${shape[d]} elements like the first row (shape ${fmt(shape)})`,
      );
    }
    v.forEach((x, i) => walk(x, d + 1, [...path, i]));
  };
  walk(data, 0, []);
}

/**
 * A tensor from nested arrays (`tensor([[1, 2], [3, 4]])`) or from a typed array plus `shape`.
 * Integer-only data stays float32 unless `dtype: "int32"` is asked for (labels).
 */
export function tensor(
  data: NestedArray | TypedArray | readonly number[],
  opts: TensorOptions & { shape?: readonly number[] } = {},
): Tensor {
  checkOptions("tensor", opts, [...TENSOR_OPTIONS, "shape"], 'tensor([0, 1], { dtype: "int32" })');
  if (ArrayBuffer.isView(data)) {
    const src = data as TypedArray;
    const dtype = opts.dtype ?? dtypeOf(src);
    const shape = opts.shape ? checkShape("tensor", [...opts.shape]) : [src.length];
    if (numel(shape) !== src.length) throw new Error(`tensor: ${src.length} values cannot fill shape ${fmt(shape)}`);
    const out = allocArray(dtype, src.length);
    out.set(src);
    return new Tensor(kernels.fromHost(out), shape, opts.requiresGrad ?? false);
  }
  const shape = opts.shape ? checkShape("tensor", [...opts.shape]) : inferNested(data as NestedArray);
  const dtype = opts.dtype ?? "float32";
  if (opts.shape) {
    const flat = (data as unknown[]).flat(Infinity) as number[];
    if (flat.length !== numel(shape)) throw new Error(`tensor: ${flat.length} values cannot fill shape ${fmt(shape)}`);
    flat.forEach((v, i) => checkElement(v, `flat index ${i}`));
    const out = allocArray(dtype, flat.length);
    out.set(flat);
    return new Tensor(kernels.fromHost(out), shape, opts.requiresGrad ?? false);
  }
  const out = allocArray(dtype, numel(shape));
  fillNested(data as NestedArray, shape, out);
  return new Tensor(kernels.fromHost(out), shape, opts.requiresGrad ?? false);
}

/** `full` under the name the user called (zeros, ones, ...), so a bad shape's error names that op. */
function filled(op: string, shape: ShapeArg, value: number, opts: TensorOptions): Tensor {
  checkCreationOptions(opts, TENSOR_OPTIONS);
  const s = shapeOf(shape, op);
  if (typeof value !== "number" && typeof value !== "boolean") {
    throw new Error(`${op}: the fill value is ${describeValue(value)}, not a number`);
  }
  const out = kernels.alloc(opts.dtype ?? "float32", numel(s));
  if (Number(value) !== 0) kernels.fill(out, Number(value));
  return new Tensor(out, s, opts.requiresGrad ?? false);
}

export const full = (shape: ShapeArg, value: number, opts: TensorOptions = {}): Tensor =>
  filled("full", shape, value, opts);
export const zeros = (shape: ShapeArg, opts: TensorOptions = {}): Tensor => filled("zeros", shape, 0, opts);
export const ones = (shape: ShapeArg, opts: TensorOptions = {}): Tensor => filled("ones", shape, 1, opts);
export const zerosLike = (t: Tensor, opts: TensorOptions = {}): Tensor => full(t.shape, 0, { dtype: t.dtype, ...opts });
export const onesLike = (t: Tensor, opts: TensorOptions = {}): Tensor => full(t.shape, 1, { dtype: t.dtype, ...opts });
export const fullLike = (t: Tensor, v: number, opts: TensorOptions = {}): Tensor =>
  full(t.shape, v, { dtype: t.dtype, ...opts });

function drawn(op: string, shape: ShapeArg, opts: RandomOptions, draw: (g: Generator) => number): Tensor {
  checkCreationOptions(opts, RANDOM_OPTIONS);
  const s = shapeOf(shape, op);
  const g = opts.generator ?? defaultGenerator;
  // Drawn on the host by the seeded generator (the same numbers on every backend), then handed over.
  const out = allocArray(opts.dtype ?? "float32", numel(s));
  for (let i = 0; i < out.length; i++) out[i] = draw(g);
  return new Tensor(kernels.fromHost(out), s, opts.requiresGrad ?? false);
}

/** Standard normal samples, seeded by `manualSeed`. */
export const randn = (shape: ShapeArg, opts: RandomOptions = {}): Tensor =>
  drawn("randn", shape, opts, (g) => g.normal());
/** Uniform samples in [0, 1). */
export const rand = (shape: ShapeArg, opts: RandomOptions = {}): Tensor =>
  drawn("rand", shape, opts, (g) => g.random());
export const randnLike = (t: Tensor, opts: RandomOptions = {}): Tensor => randn(t.shape, { dtype: t.dtype, ...opts });
export const randLike = (t: Tensor, opts: RandomOptions = {}): Tensor => rand(t.shape, { dtype: t.dtype, ...opts });
/** Integers uniform in [low, high), int32. */
export function randint(low: number, high: number, shape: ShapeArg, opts: RandomOptions = {}): Tensor {
  if (!(high > low)) throw new Error(`randint: high (${high}) must be greater than low (${low})`);
  return drawn("randint", shape, { dtype: "int32", ...opts }, (g) => g.int(low, high));
}

/** `arange(end)` or `arange(start, end, step)`: [start, end) in steps. */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0) throw new Error("arange: step must be non-zero");
  const n = Math.max(0, Math.ceil((end - start) / step));
  const allInt = [start, end, step].every(Number.isInteger);
  const out = allocArray(opts.dtype ?? (allInt ? "int32" : "float32"), n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return new Tensor(kernels.fromHost(out), [n], opts.requiresGrad ?? false);
}

export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  checkShape("linspace (steps)", [steps]);
  const out = allocArray(opts.dtype ?? "float32", steps);
  for (let i = 0; i < steps; i++) out[i] = steps === 1 ? start : start + ((end - start) * i) / (steps - 1);
  return new Tensor(kernels.fromHost(out), [steps], opts.requiresGrad ?? false);
}

/** Identity matrix n×m (m defaults to n). */
export function eye(n: number, m = n, opts: TensorOptions = {}): Tensor {
  checkShape("eye", [n, m]);
  const out = allocArray(opts.dtype ?? "float32", n * m);
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
  return new Tensor(kernels.fromHost(out), [n, m], opts.requiresGrad ?? false);
}
