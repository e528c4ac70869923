/**
 * Elementwise arithmetic with NumPy broadcasting, each with its backward beside it.
 *
 * @example
 * const a = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * a.mul(a).sum().backward(); // a.grad = 2a
 */
import { record } from "../autograd/graph.js";
import type { BinaryOp, UnaryOp } from "../backend/kernels.js";
import { kernels } from "../backend/registry.js";
import type { DType } from "../tensor/dtype.js";
import { broadcastShapes } from "../tensor/shape.js";
import { Tensor, type TensorLike } from "../tensor/tensor.js";
import { checkDevices, empty, emptyToOverwrite, lift, requireFloat, resultDtype, sumToShape } from "./util.js";
import type { FloatStorage } from "../tensor/storage.js";

/** The first operand as a tensor: a number is lifted to the second operand's dtype. */
function liftFirst(a: TensorLike, b: TensorLike, op: string): Tensor {
  if (a instanceof Tensor) return a;
  if (b instanceof Tensor) return lift(a, b);
  throw new Error(`${op}: at least one argument must be a Tensor, got two numbers (${a}, ${b}) — use plain arithmetic`);
}

function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor, dtype: DType = resultDtype(a, b)): Tensor {
  checkDevices(op, a, b);
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = emptyToOverwrite(shape, dtype);
  kernels.binary(op, a.storage, a.shape, b.storage, b.shape, out.storage, shape);
  return out;
}

/** a + alpha·b (either may be a number, as in `add(1, x)`) */
export function add(aIn: TensorLike, bIn: TensorLike, alpha = 1): Tensor {
  const a = liftFirst(aIn, bIn, "add");
  const b0 = lift(bIn, a);
  const b = alpha === 1 ? b0 : mul(b0, alpha);
  return record(binaryRaw("add", a, b), [a, b], "AddBackward", (g) => [
    a.requiresGrad ? sumToShape(g, a.shape) : null,
    b.requiresGrad ? sumToShape(g, b.shape) : null,
  ]);
}

/** a − alpha·b (either may be a number: `sub(1, x)` is PyTorch's rsub) */
export function sub(a: TensorLike, bIn: TensorLike, alpha = 1): Tensor {
  const at = liftFirst(a, bIn, "sub");
  const b0 = lift(bIn, at);
  const b = alpha === 1 ? b0 : mul(b0, alpha);
  return record(binaryRaw("sub", at, b), [at, b], "SubBackward", (g) => [
    at.requiresGrad ? sumToShape(g, at.shape) : null,
    b.requiresGrad ? sumToShape(neg(g), b.shape) : null,
  ]);
}

export function mul(aIn: TensorLike, bIn: TensorLike): Tensor {
  const a = liftFirst(aIn, bIn, "mul");
  const b = lift(bIn, a);
  return record(binaryRaw("mul", a, b), [a, b], "MulBackward", (g) => [
    a.requiresGrad ? sumToShape(mul(g, b), a.shape) : null,
    b.requiresGrad ? sumToShape(mul(g, a), b.shape) : null,
  ]);
}

/** True division; integer tensors divide as floats, like PyTorch's `/`. */
export function div(aIn: TensorLike, bIn: TensorLike): Tensor {
  const a0 = liftFirst(aIn, bIn, "div");
  const b0 = lift(bIn, a0);
  const a = a0.dtype === "int32" ? cast(a0, "float32") : a0;
  const b = b0.dtype === "int32" ? cast(b0, "float32") : b0;
  return record(binaryRaw("div", a, b), [a, b], "DivBackward", (g) => [
    a.requiresGrad ? sumToShape(div(g, b), a.shape) : null,
    b.requiresGrad ? sumToShape(neg(mul(g, div(a, mul(b, b)))), b.shape) : null,
  ]);
}

/** a ** b, b a tensor or a number. */
export function pow(a: Tensor, bIn: TensorLike): Tensor {
  if (typeof bIn === "number") {
    const e = bIn;
    const out = e === 2 && a.dtype !== "int32" ? unaryRaw("square", a) : binaryRaw("pow", a, lift(e, a));
    // d/da a^0 is 0 everywhere (PyTorch too), not 0·a^−1 = NaN at a = 0.
    return record(out, [a], "PowBackward", (g) => [e === 0 ? mul(g, 0) : mul(g, mul(pow(a, e - 1), e))]);
  }
  const b = bIn;
  const out = binaryRaw("pow", a, b);
  return record(out, [a, b], "PowBackward", (g) => [
    a.requiresGrad ? sumToShape(mul(g, mul(b, pow(a, sub(b, 1)))), a.shape) : null,
    // d/db a^b = a^b·log a, taken as 0 where a = 0 and b ≥ 0 (PyTorch's convention), not 0·(−∞).
    b.requiresGrad ? sumToShape(mul(g, mul(out, log(add(a, eq(a, 0).to(a.dtype))))), b.shape) : null,
  ]);
}

/** Elementwise max; where a == b the gradient is split evenly, as in PyTorch. */
export function maximum(a: Tensor, bIn: TensorLike): Tensor {
  return extremum("maximum", a, lift(bIn, a));
}
export function minimum(a: Tensor, bIn: TensorLike): Tensor {
  return extremum("minimum", a, lift(bIn, a));
}

function extremum(op: "maximum" | "minimum", a: Tensor, b: Tensor): Tensor {
  return record(binaryRaw(op, a, b), [a, b], op === "maximum" ? "MaximumBackward" : "MinimumBackward", (g) => {
    const wins = binaryRaw(op === "maximum" ? "gt" : "lt", a, b, g.dtype);
    const ties = binaryRaw("eq", a, b, g.dtype);
    const wA = add(wins, mul(ties, 0.5));
    const wB = sub(sub(1, wins), mul(ties, 0.5));
    return [
      a.requiresGrad ? sumToShape(mul(g, wA), a.shape) : null,
      b.requiresGrad ? sumToShape(mul(g, wB), b.shape) : null,
    ];
  });
}

/** Comparisons return float32 0/1 tensors, so `pred.eq(y).mean()` is the accuracy. They carry no gradient. */
const compare =
  (op: BinaryOp) =>
  (a: Tensor, b: TensorLike): Tensor =>
    binaryRaw(op, a, lift(b, a), "float32");
export const eq = compare("eq");
export const ne = compare("ne");
export const gt = compare("gt");
export const lt = compare("lt");
export const ge = compare("ge");
export const le = compare("le");

export function unaryRaw(op: UnaryOp, x: Tensor, alpha?: number): Tensor {
  checkDevices(op, x);
  requireFloat(x, op);
  const out = emptyToOverwrite(x.shape, x.dtype);
  kernels.unary(op, x.storage, out.storage, alpha);
  return out;
}

/** A differentiable elementwise function whose local derivative the backend knows (`unaryBackward`). */
export function unaryOp(op: UnaryOp, name: string, x: Tensor, alpha?: number): Tensor {
  const out = unaryRaw(op, x, alpha);
  return record(out, [x], name, (g) => {
    const dx = emptyToOverwrite(x.shape, g.dtype);
    kernels.unaryBackward(
      op,
      x.storage as FloatStorage,
      out.storage as FloatStorage,
      g.storage as FloatStorage,
      dx.storage as FloatStorage,
      alpha,
    );
    return [dx];
  });
}

export function neg(x: Tensor): Tensor {
  if (x.dtype === "int32") return binaryRaw("mul", x, lift(-1, x));
  return unaryOp("neg", "NegBackward", x);
}
export const exp = (x: Tensor): Tensor => unaryOp("exp", "ExpBackward", x);
export const log = (x: Tensor): Tensor => unaryOp("log", "LogBackward", x);
export const log1p = (x: Tensor): Tensor => unaryOp("log1p", "Log1pBackward", x);
export const sqrt = (x: Tensor): Tensor => unaryOp("sqrt", "SqrtBackward", x);
export const abs = (x: Tensor): Tensor => unaryOp("abs", "AbsBackward", x);
export const square = (x: Tensor): Tensor => unaryOp("square", "PowBackward", x);

/** Clamps to [min, max]; the gradient passes where min ≤ x ≤ max, as in PyTorch. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  requireFloat(x, "clamp");
  const lo = min ?? -Infinity,
    hi = max ?? Infinity;
  const out = emptyToOverwrite(x.shape, x.dtype);
  kernels.clamp(x.storage as FloatStorage, lo, hi, out.storage as FloatStorage);
  return record(out, [x], "ClampBackward", (g) => {
    const pass = mul(ge(x, lo), le(x, hi));
    return [mul(g, pass.to(g.dtype))];
  });
}

/** dtype conversion; float→int truncates toward zero. Gradient flows between float types. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = empty(x.shape, dtype);
  kernels.cast(x.storage, out.storage);
  if (dtype === "int32") return out;
  return record(out, [x], "ToCopyBackward", (g) => [cast(g, x.dtype)]);
}

/**
 * Elementwise |a − b| ≤ atol + rtol·|b| as float 0/1 (equal infinities are close; NaNs only with
 * equalNan), PyTorch's `isclose`.
 */
export function isclose(
  a: Tensor,
  bIn: TensorLike,
  opts: { rtol?: number; atol?: number; equalNan?: boolean } = {},
): Tensor {
  const b = lift(bIn, a);
  const rtol = opts.rtol ?? 1e-5,
    atol = opts.atol ?? 1e-8;
  const within = le(abs(sub(a, b)), add(mul(abs(b), rtol), atol));
  let close = maximum(within, eq(a, b));
  if (opts.equalNan) close = maximum(close, mul(ne(a, a), ne(b, b)));
  return close;
}

/** True when every element of `a` is close to `b` (PyTorch's `allclose`, same defaults as isclose). */
export function allclose(
  a: Tensor,
  b: TensorLike,
  opts: { rtol?: number; atol?: number; equalNan?: boolean } = {},
): boolean {
  const close = isclose(a, b, opts);
  return close.numel() === 0 || binaryRaw("eq", close, lift(1, close)).sum().item() === close.numel();
}
