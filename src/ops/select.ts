/**
 * Selection by a mask: where, maskedFill, tril and triu. They pick values rather than compute
 * them, so a −inf or NaN lands exactly where asked: `scores.maskedFill(mask, -Infinity)` gives
 * exactly −inf at the masked places and a softmax over it exact zeros there (a·c + b·(1−c) would
 * give NaN). gradlab has no bool dtype: a condition or mask is any tensor, true where non-zero —
 * comparisons (`x.gt(0)`) give float 0/1, and `triu(ones([L, L]), 1)` is the causal mask.
 *
 * @example
 * const L = 4, causal = triu(ones([L, L]), 1);          // 1 above the diagonal
 * softmax(scores.maskedFill(causal, -Infinity), -1);     // each position attends to itself and earlier ones
 */
import { record } from "../autograd/graph.js";
import { kernels } from "../backend/registry.js";
import { allocArray, type DType } from "../tensor/dtype.js";
import { broadcastShapes, fmt, numel } from "../tensor/shape.js";
import { Tensor, type TensorLike } from "../tensor/tensor.js";
import { cast } from "./elementwise.js";
import { checkDevices, empty, lift, resultDtype, sumToShape } from "./util.js";

/** cond ? a : b broadcast three ways; a and b already share a dtype. Gradients go to a where cond, to b elsewhere. */
function pick(cond: Tensor, a: Tensor, b: Tensor, op: string, gradName: string): Tensor {
  checkDevices(op, cond, a, b);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, op), b.shape, op);
  const out = empty(shape, a.dtype);
  kernels.where(cond.storage, cond.shape, a.storage, a.shape, b.storage, b.shape, out.storage, shape);
  return record(out, [a, b], gradName, (g) => {
    const zero = empty([], g.dtype);
    const part = (first: Tensor, second: Tensor, like: Tensor): Tensor => {
      const r = empty(shape, g.dtype);
      kernels.where(
        cond.storage,
        cond.shape,
        first.storage,
        first.shape,
        second.storage,
        second.shape,
        r.storage,
        shape,
      );
      return sumToShape(r, like.shape);
    };
    return [a.requiresGrad ? part(g, zero, a) : null, b.requiresGrad ? part(zero, g, b) : null];
  });
}

const scalarTensor = (v: number, dtype: DType): Tensor => {
  const value = allocArray(dtype, 1);
  value[0] = v;
  return new Tensor(kernels.fromHost(value), []);
};

/**
 * `torch.where(condition, a, b)`: a where the condition is non-zero, b elsewhere, all three
 * broadcast together. a or b may be numbers; the result has their promoted dtype.
 */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (!(condition instanceof Tensor))
    throw new Error(`where: condition must be a Tensor (non-zero = true), got ` + `${typeof condition}`);
  let ta: Tensor, tb: Tensor;
  if (a instanceof Tensor || b instanceof Tensor) {
    ta = a instanceof Tensor ? a : lift(a, b as Tensor);
    tb = lift(b, ta);
  } else {
    if (typeof a !== "number" || typeof b !== "number") throw new Error("where: a and b must be Tensors or numbers");
    const dtype: DType = Number.isInteger(a) && Number.isInteger(b) ? "int32" : "float32";
    ta = scalarTensor(a, dtype);
    tb = scalarTensor(b, dtype);
  }
  const dtype = resultDtype(ta, tb);
  if (ta.dtype !== dtype) ta = cast(ta, dtype);
  if (tb.dtype !== dtype) tb = cast(tb, dtype);
  return pick(condition, ta, tb, "where", "WhereBackward");
}

/**
 * `x.masked_fill(mask, value)`: x with `value` wherever `mask` is non-zero; mask and x broadcast
 * together. The result keeps x's dtype. A 0-d tensor value gets the gradient of the filled places.
 */
export function maskedFill(x: Tensor, mask: Tensor, value: TensorLike): Tensor {
  if (!(mask instanceof Tensor))
    throw new Error(`maskedFill: mask must be a Tensor (non-zero = fill), got ` + `${typeof mask}`);
  let v: Tensor;
  if (value instanceof Tensor) {
    if (value.ndim !== 0) {
      throw new Error(
        `maskedFill: a tensor value must be 0-dimensional, got shape ${fmt(value.shape)} — pass a ` +
          `number, or use where(mask, values, x) to fill from a tensor`,
      );
    }
    v = value.dtype === x.dtype ? value : cast(value, x.dtype);
  } else if (typeof value === "number") v = scalarTensor(value, x.dtype);
  else throw new Error(`maskedFill: value must be a number or a 0-d Tensor, got ${typeof value}`);
  return pick(mask, v, x, "maskedFill", "MaskedFillBackward");
}

function triangle(x: Tensor, diagonal: number, upper: boolean): Tensor {
  const op = upper ? "triu" : "tril";
  if (x.ndim < 2)
    throw new Error(`${op}: input must have at least 2 dims (it works on the last two), got ` + `${fmt(x.shape)}`);
  if (!Number.isInteger(diagonal)) throw new Error(`${op}: diagonal must be an integer, got ${diagonal}`);
  const rows = x.shape[x.ndim - 2],
    cols = x.shape[x.ndim - 1],
    batch = numel(x.shape.slice(0, -2));
  const out = empty(x.shape, x.dtype);
  kernels.triangle(x.storage, batch, rows, cols, diagonal, upper, out.storage);
  return record(out, [x], upper ? "TriuBackward" : "TrilBackward", (g) => {
    const dx = empty(x.shape, g.dtype);
    kernels.triangle(g.storage, batch, rows, cols, diagonal, upper, dx.storage);
    return [dx];
  });
}

/**
 * The lower triangle of the last two dims (batched): x[..., i, j] where j − i ≤ diagonal, else 0.
 * diagonal 0 keeps the main diagonal, 1 one more above it, −1 drops it.
 */
export const tril = (x: Tensor, diagonal = 0): Tensor => triangle(x, diagonal, false);

/** The upper triangle of the last two dims (batched): x[..., i, j] where j − i ≥ diagonal, else 0. */
export const triu = (x: Tensor, diagonal = 0): Tensor => triangle(x, diagonal, true);
