/**
 * Shape and indexing ops: views that share storage (reshape, flatten, squeeze, unsqueeze) and
 * copies (permute/transpose, expand, cat, stack, indexSelect, gather, narrow).
 *
 * @example
 * randn([64, 1, 28, 28]).flatten(1).shape // [64, 784]
 */
import { record } from "../autograd/graph.js";
import { getDevice, kernels } from "../backend/registry.js";
import { fmt, inferShape, normDim, numel, splitAt } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { checkDevices, empty, sumToShape } from "./util.js";
import { type FloatStorage, type IntStorage, isHost } from "../tensor/storage.js";

/** Same data, new shape (one dim may be −1). Shares storage, like `view`. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const s = inferShape(shape, x.numel(), x.shape);
  return record(new Tensor(x.storage, s), [x], "ViewBackward", (g) => [g.reshape(x.shape)]);
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normDim(startDim, x.ndim, "flatten"),
    e = normDim(endDim, x.ndim, "flatten");
  return reshape(x, [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const d = normDim(dim, x.ndim, "squeeze");
  return x.shape[d] === 1
    ? reshape(
        x,
        x.shape.filter((_, i) => i !== d),
      )
    : x;
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.ndim + 1, "unsqueeze");
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

/** Reorders dims (a copy). */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim)
    throw new Error(`permute: got ${dims.length} dims ${fmt(dims)} for a tensor of rank ${x.ndim}`);
  const perm = dims.map((d) => normDim(d, x.ndim, "permute"));
  if (new Set(perm).size !== perm.length) throw new Error(`permute: repeated dim in ${fmt(dims)}`);
  const out = empty(
    perm.map((p) => x.shape[p]),
    x.dtype,
  );
  kernels.permute(x.storage, x.shape, perm, out.storage);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return record(out, [x], "PermuteBackward", (g) => [permute(g, inverse)]);
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normDim(dim0, x.ndim, "transpose"),
    b = normDim(dim1, x.ndim, "transpose");
  const perm = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return permute(x, perm);
}

export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new Error(`t: expects a tensor with ≤ 2 dims, got ${fmt(x.shape)}; use transpose(dim0, dim1)`);
  return x.ndim < 2 ? x : transpose(x, 0, 1);
}

/** Broadcasts to `shape` (a copy; −1 keeps a dim). */
export function expand(x: Tensor, shapeIn: readonly number[]): Tensor {
  const lead = shapeIn.length - x.ndim;
  const shape = shapeIn.map((d, i) => (d === -1 ? x.shape[i - lead] : d));
  x.shape.forEach((d, i) => {
    if (d !== 1 && d !== shape[i + lead])
      throw new Error(
        `expand: cannot expand ${fmt(x.shape)} to ${fmt(shapeIn)} (dim ${i + lead}: ${d} must be 1 or ${shape[i + lead]})`,
      );
  });
  const out = empty(shape, x.dtype);
  const zero = kernels.alloc(x.dtype, 1);
  kernels.binary("add", x.storage, x.shape, zero, [], out.storage, shape);
  return record(out, [x], "ExpandBackward", (g) => [sumToShape(g, x.shape)]);
}

/** Concatenates along an existing dim. All other dims must match. */
export function cat(tensors: readonly Tensor[], dimIn = 0): Tensor {
  if (!Array.isArray(tensors as unknown)) throw new TypeError("cat: takes one array of tensors: cat([a, b], dim)");
  if (tensors.length === 0) throw new Error("cat: expected a non-empty list of tensors");
  const first = tensors[0];
  if (first.ndim === 0)
    throw new Error("cat: zero-dimensional tensors cannot be concatenated — use stack() to make a 1-D tensor of them");
  checkDevices("cat", ...tensors);
  const dim = normDim(dimIn, first.ndim, "cat");
  tensors.forEach((tt, i) => {
    if (tt.ndim !== first.ndim || tt.shape.some((d, j) => j !== dim && d !== first.shape[j])) {
      throw new Error(
        `cat: tensor ${i} has shape ${fmt(tt.shape)} but tensor 0 has ${fmt(first.shape)}; all dims except dim ${dim} must match`,
      );
    }
  });
  const total = tensors.reduce((s, tt) => s + tt.shape[dim], 0);
  const shape = [...first.shape];
  shape[dim] = total;
  const out = empty(shape, first.dtype);
  const [outer, , inner] = splitAt(shape, dim);
  let offset = 0;
  for (const tt of tensors) {
    const chunk = tt.shape[dim] * inner;
    kernels.copyBlocks(tt.storage, 0, chunk, out.storage, offset * inner, total * inner, chunk, outer);
    offset += tt.shape[dim];
  }
  return record(out, tensors, "CatBackward", (g) => {
    let start = 0;
    return tensors.map((tt) => {
      const piece = narrow(g, dim, start, tt.shape[dim]);
      start += tt.shape[dim];
      return piece;
    });
  });
}

/** Stacks equal-shaped tensors along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors as unknown)) throw new TypeError("stack: takes one array of tensors: stack([a, b], dim)");
  if (tensors.length === 0) throw new Error("stack: expected a non-empty list of tensors");
  const d = normDim(dim, tensors[0].ndim + 1, "stack");
  tensors.forEach((tt, i) => {
    if (fmt(tt.shape) !== fmt(tensors[0].shape))
      throw new Error(
        `stack: tensor ${i} has shape ${fmt(tt.shape)} but tensor 0 has ${fmt(tensors[0].shape)}; stack needs equal shapes`,
      );
  });
  return cat(
    tensors.map((tt) => unsqueeze(tt, d)),
    d,
  );
}

/** A copy of `length` entries starting at `start` along `dim`. */
export function narrow(x: Tensor, dimIn: number, start: number, length: number): Tensor {
  const dim = normDim(dimIn, x.ndim, "narrow");
  if (start < 0) start += x.shape[dim];
  if (start < 0 || length < 0 || start + length > x.shape[dim]) {
    throw new Error(`narrow: range ${start}..${start + length} is outside dim ${dim} of size ${x.shape[dim]}`);
  }
  const [outer, size, inner] = splitAt(x.shape, dim);
  const shape = [...x.shape];
  shape[dim] = length;
  const out = empty(shape, x.dtype);
  kernels.copyBlocks(x.storage, start * inner, size * inner, out.storage, 0, length * inner, length * inner, outer);
  return record(out, [x], "NarrowBackward", (g) => {
    const dx = empty(x.shape, g.dtype);
    kernels.copyBlocks(g.storage, 0, length * inner, dx.storage, start * inner, size * inner, length * inner, outer);
    return [dx];
  });
}

/** `x[index]` along `dim` with the dim removed. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normDim(dim, x.ndim, "select");
  const size = x.shape[d];
  const i = index < 0 ? index + size : index;
  if (i < 0 || i >= size) throw new Error(`select: index ${index} is out of bounds for dim ${d} with size ${size}`);
  return squeeze(narrow(x, d, i, 1), d);
}

function toIndexArray(index: Tensor | ArrayLike<number>, size: number, op: string): Int32Array {
  const raw = (index instanceof Tensor ? index.storage : index) as ArrayLike<number>;
  const out = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i] < 0 ? raw[i] + size : raw[i];
    if (!Number.isInteger(v) || v < 0 || v >= size) {
      throw new Error(
        `${op}: index ${raw[i]} is ${Number.isInteger(raw[i]) ? `out of bounds for a dim of size ${size}` : "not an integer"}`,
      );
    }
    out[i] = v;
  }
  return out;
}

/** Picks slices along `dim` by integer indices — `x[idx]` for a batch of rows. */
export function indexSelect(x: Tensor, dimIn: number, index: Tensor | ArrayLike<number>): Tensor {
  const dim = normDim(dimIn, x.ndim, "indexSelect");
  if (dim !== 0) return transpose(indexSelect(transpose(x, 0, dim), 0, index), 0, dim);
  checkDevices("indexSelect", x);
  if (index instanceof Tensor && !isHost(index.storage)) {
    throw new Error(
      `indexSelect: the index ${fmt(index.shape)} is on ${index.device}; indices are checked on the host — ` +
        `pass them as an array or a cpu tensor (await index.toAsync("cpu"))`,
    );
  }
  const checked = toIndexArray(index, x.shape[0], "indexSelect");
  // A device backend takes its own storage: the checked indices are uploaded (a CPU backend reads them as they are).
  const idx = getDevice() === "cpu" ? checked : (kernels.fromHost(checked) as IntStorage);
  const rowSize = numel(x.shape.slice(1));
  const out = empty([checked.length, ...x.shape.slice(1)], x.dtype);
  kernels.gatherRows(x.storage, idx, rowSize, out.storage);
  return record(out, [x], "IndexSelectBackward", (g) => {
    const dx = empty(x.shape, g.dtype);
    kernels.scatterAddRows(g.storage as FloatStorage, idx, rowSize, dx.storage as FloatStorage);
    return [dx];
  });
}

/** `torch.gather` along `dim`: out has index's shape; out[..i..] = x[..index[..i..]..]. */
export function gather(x: Tensor, dimIn: number, index: Tensor): Tensor {
  const dim = normDim(dimIn, x.ndim, "gather");
  if (index.ndim !== x.ndim)
    throw new Error(`gather: index ${fmt(index.shape)} must have the same rank as the input ${fmt(x.shape)}`);
  if (index.dtype !== "int32") throw new Error(`gather: index must be an int32 tensor, got ${index.dtype}`);
  const [outer, size, inner] = splitAt(x.shape, dim);
  const [iOuter, iSize, iInner] = splitAt(index.shape, dim);
  if (iOuter !== outer || iInner !== inner)
    throw new Error(
      `gather: index ${fmt(index.shape)} must match the input ${fmt(x.shape)} in every dim except dim ${dim}`,
    );
  const idx = index.storage as IntStorage;
  const out = empty(index.shape, x.dtype);
  kernels.gatherAlong(x.storage, idx, outer, size, inner, iSize, out.storage);
  return record(out, [x], "GatherBackward", (g) => {
    const dx = empty(x.shape, g.dtype);
    kernels.scatterAddAlong(g.storage as FloatStorage, idx, outer, size, inner, iSize, dx.storage as FloatStorage);
    return [dx];
  });
}

export function clone(x: Tensor): Tensor {
  const out = empty(x.shape, x.dtype);
  kernels.copyBlocks(x.storage, 0, 0, out.storage, 0, 0, x.numel(), 1);
  return record(out, [x], "CloneBackward", (g) => [g]);
}
