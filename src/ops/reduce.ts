/**
 * Reductions over all elements or chosen dims: sum, mean, var, max/min (with indices), argmax/argmin.
 *
 * @example
 * const x = tensor([[1, 5], [7, 2]]);
 * x.sum(0);           // tensor([8., 7.])
 * x.max(1).indices;   // tensor([1, 0], dtype=int32)
 */
import { noGrad } from "../autograd/grad_mode.js";
import { record } from "../autograd/graph.js";
import { kernels } from "../backend/registry.js";
import { normDim, numel, splitAt } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { abs, cast, clamp, div, eq, mul, ne, pow, sqrt, sub } from "./elementwise.js";
import { checkDevices, empty, requireFloat } from "./util.js";
import type { FloatStorage, IntStorage } from "../tensor/storage.js";

export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}
export interface VarOptions {
  correction?: number;
  keepdim?: boolean;
}

function dimsOf(x: Tensor, dim: number | number[] | undefined, op: string): number[] {
  // An empty list reduces every dim too, as in PyTorch (`x.sum(dim=[])`).
  if (dim === undefined || (Array.isArray(dim) && dim.length === 0)) return x.shape.map((_, i) => i);
  const dims = (Array.isArray(dim) ? dim : [dim]).map((d) => normDim(d, x.ndim, op));
  return [...new Set(dims)].sort((a, b) => a - b);
}

function reducedShape(shape: readonly number[], dims: number[], keepdim: boolean): number[] {
  return shape.flatMap((d, i) => (dims.includes(i) ? (keepdim ? [1] : []) : [d]));
}

/** Sum over `dim` (all dims if omitted). Reduces one dim at a time through the backend's kernel. */
export function sum(x: Tensor, dim?: number | number[], keepdim = false): Tensor {
  checkDevices("sum", x);
  const dims = dimsOf(x, dim, "sum");
  let cur = x.storage;
  let shape = [...x.shape];
  for (let k = dims.length - 1; k >= 0; k--) {
    const [outer, size, inner] = splitAt(shape, dims[k]);
    const out = kernels.alloc(x.dtype, outer * inner);
    kernels.reduce("sum", cur, outer, size, inner, out);
    cur = out;
    shape[dims[k]] = 1;
  }
  if (dims.length === 0) {
    cur = kernels.alloc(x.dtype, x.numel());
    kernels.copyBlocks(x.storage, 0, 0, cur, 0, 0, x.numel(), 1);
  }
  const out = new Tensor(cur, reducedShape(x.shape, dims, keepdim));
  return record(out, [x], "SumBackward", (g) => [g.reshape(reducedShape(x.shape, dims, true)).expand(x.shape)]);
}

export function mean(x: Tensor, dim?: number | number[], keepdim = false): Tensor {
  if (x.dtype === "int32") x = x.float();
  const dims = dimsOf(x, dim, "mean");
  const count = dims.reduce((a, d) => a * x.shape[d], 1);
  return div(sum(x, dims, keepdim), count);
}

/** Variance with Bessel's correction by default (`correction: 1`), like `torch.var`. */
export function variance(x: Tensor, dim?: number | number[], opts: VarOptions = {}): Tensor {
  const dims = dimsOf(x, dim, "var");
  const count = dims.reduce((a, d) => a * x.shape[d], 1);
  const centered = sub(x, mean(x, dims, true));
  return div(sum(mul(centered, centered), dims, opts.keepdim ?? false), Math.max(count - (opts.correction ?? 1), 0));
}

/** max/min along one dim: values (differentiable, gradient to the chosen index) and int32 indices. */
export function extremeDim(x: Tensor, dimIn: number, keepdim: boolean, op: "max" | "min"): ValuesIndices {
  checkDevices(op, x);
  const dim = normDim(dimIn, x.ndim, op);
  const [outer, size, inner] = splitAt(x.shape, dim);
  if (size === 0)
    throw new Error(`${op}: cannot reduce over an empty dimension ${dim} of shape [${x.shape.join(", ")}]`);
  const outShape = reducedShape(x.shape, [dim], keepdim);
  const values = empty(outShape, x.dtype);
  const indices = empty(outShape, "int32");
  kernels.reduce(op, x.storage, outer, size, inner, values.storage, indices.storage as IntStorage);
  record(values, [x], op === "max" ? "MaxBackward" : "MinBackward", (g) => {
    const dx = empty(x.shape, g.dtype);
    kernels.scatterAddAlong(
      g.storage as FloatStorage,
      indices.storage as IntStorage,
      outer,
      size,
      inner,
      1,
      dx.storage as FloatStorage,
    );
    return [dx];
  });
  return { values, indices };
}

function extremeAll(x: Tensor, op: "max" | "min"): Tensor {
  checkDevices(op, x);
  if (x.numel() === 0) throw new Error(`${op}: the tensor is empty; specify a dim or check the input`);
  const out = empty([], x.dtype);
  kernels.reduce(op, x.storage, 1, x.numel(), 1, out.storage);
  // Like PyTorch, a full max/min spreads the gradient evenly over tied elements.
  return record(out, [x], op === "max" ? "MaxBackward" : "MinBackward", (g) => {
    const mask = eq(x, out).to(g.dtype);
    return [mul(mask, div(g, sum(mask)))];
  });
}
export const maxAll = (x: Tensor): Tensor => extremeAll(x, "max");
export const minAll = (x: Tensor): Tensor => extremeAll(x, "min");

function argExtreme(x: Tensor, dim: number | undefined, keepdim: boolean, op: "max" | "min"): Tensor {
  if (dim === undefined) {
    const flat = x.reshape([numel(x.shape)]);
    return extremeDim(flat, 0, false, op).indices;
  }
  return extremeDim(x, dim, keepdim, op).indices;
}
export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtreme(x, dim, keepdim, "max");
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtreme(x, dim, keepdim, "min");

/**
 * The vector p-norm over `dim` (every element if omitted): PyTorch's `torch.linalg.vector_norm` /
 * `x.norm(p, dim, keepdim)`. p = 2 (default), 1, ∞, −∞, 0 (count of nonzeros) or any other real.
 */
export function norm(x: Tensor, p = 2, dim?: number | number[], keepdim = false): Tensor {
  requireFloat(x, "norm");
  const dims = dimsOf(x, dim, "norm");
  if (p === 2) {
    const out = noGrad(() => sqrt(sum(mul(x, x), dims, keepdim)));
    return record(out, [x], "NormBackward", (g) => {
      const kept = reducedShape(x.shape, dims, true);
      // d‖x‖/dx = x / ‖x‖, taken as 0 where the norm is 0 (PyTorch's choice; x is 0 there too).
      return [mul(x, div(g.reshape(kept), clamp(out.reshape(kept), 1e-30)))];
    });
  }
  if (p === 1) return sum(abs(x), dims, keepdim);
  if (p === 0) return noGrad(() => sum(cast(ne(x, 0), x.dtype), dims, keepdim));
  if (p === Infinity || p === -Infinity) {
    const op = p > 0 ? "max" : "min";
    if (dims.length === x.ndim && !keepdim) return extremeAll(abs(x), op);
    if (dims.length !== 1)
      throw new Error(`norm: p = ${p} takes one dim or all of them, got dims ${JSON.stringify(dim)}`);
    return extremeDim(abs(x), dims[0], keepdim, op).values;
  }
  return pow(sum(pow(abs(x), p), dims, keepdim), 1 / p);
}
