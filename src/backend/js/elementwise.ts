/** Elementwise kernels, reference: unary functions and their derivatives, broadcast binary ops, clamp, axpy. */
import type { FloatArray, TypedArray } from "../../tensor/dtype.js";
import { broadcastStrides } from "../../tensor/shape.js";
import type { Binary, Unary } from "../opcodes.js";
import { reluOf } from "./gemm.js";
import { gelu, geluGrad, geluTanh, geluTanhGrad, sigmoid } from "./math.js";

export type UnaryOp = keyof typeof Unary;
export type BinaryOp = keyof typeof Binary;

import type { FloatStorage, Storage } from "../../tensor/storage.js";

declare module "../kernels.js" {
  interface Kernels {
    /** out[i] = op(x[i]); `alpha` is leakyRelu's negative slope. */
    unary(op: UnaryOp, x: Storage, out: Storage, alpha?: number): void;
    /** dx from x (input), y (output) and dy, for the ops in UnaryOp. */
    unaryBackward(
      op: UnaryOp,
      x: FloatStorage,
      y: FloatStorage,
      dy: FloatStorage,
      dx: FloatStorage,
      alpha?: number,
    ): void;
    /** out = a op b with NumPy broadcasting of aShape and bShape to outShape. */
    binary(
      op: BinaryOp,
      a: Storage,
      aShape: readonly number[],
      b: Storage,
      bShape: readonly number[],
      out: Storage,
      outShape: readonly number[],
    ): void;
    /** out[i] = clamp(x[i], lo, hi) */
    clamp(x: FloatStorage, lo: number, hi: number, out: FloatStorage): void;
    /** y = alpha·x + y, in place. */
    axpy(alpha: number, x: FloatStorage, y: FloatStorage): void;
  }
}

function unaryFn(op: UnaryOp, alpha: number): (x: number) => number {
  switch (op) {
    case "neg":
      return (x) => -x;
    case "exp":
      return Math.exp;
    case "log":
      return Math.log;
    case "log1p":
      return Math.log1p;
    case "sqrt":
      return Math.sqrt;
    case "abs":
      return Math.abs;
    case "square":
      return (x) => x * x;
    case "reciprocal":
      return (x) => 1 / x;
    case "relu":
      return reluOf;
    case "leakyRelu":
      return (x) => (x > 0 ? x : alpha * x);
    case "sigmoid":
      return sigmoid;
    case "tanh":
      return Math.tanh;
    case "gelu":
      return gelu;
    case "geluTanh":
      return geluTanh;
    case "silu":
      return (x) => x * sigmoid(x);
  }
}

/** Local derivative dy/dx given input x and output y. */
function derivFn(op: UnaryOp, alpha: number): (x: number, y: number) => number {
  switch (op) {
    case "neg":
      return () => -1;
    case "exp":
      return (_x, y) => y;
    case "log":
      return (x) => 1 / x;
    case "log1p":
      return (x) => 1 / (1 + x);
    case "sqrt":
      return (_x, y) => 0.5 / y;
    case "abs":
      return (x) => Math.sign(x);
    case "square":
      return (x) => 2 * x;
    case "reciprocal":
      return (_x, y) => -y * y;
    case "relu":
      return (x) => (x > 0 ? 1 : 0);
    case "leakyRelu":
      return (x) => (x > 0 ? 1 : alpha);
    case "sigmoid":
      return (_x, y) => y * (1 - y);
    case "tanh":
      return (_x, y) => 1 - y * y;
    case "gelu":
      return geluGrad;
    case "geluTanh":
      return geluTanhGrad;
    case "silu":
      return (x) => {
        const s = sigmoid(x);
        return s * (1 + x * (1 - s));
      };
  }
}

function binaryFn(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case "add":
      return (a, b) => a + b;
    case "sub":
      return (a, b) => a - b;
    case "mul":
      return (a, b) => a * b;
    case "div":
      return (a, b) => a / b;
    case "pow":
      return Math.pow;
    case "maximum":
      return (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));
    case "minimum":
      return (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));
    case "eq":
      return (a, b) => (a === b ? 1 : 0);
    case "ne":
      return (a, b) => (a !== b ? 1 : 0);
    case "gt":
      return (a, b) => (a > b ? 1 : 0);
    case "lt":
      return (a, b) => (a < b ? 1 : 0);
    case "ge":
      return (a, b) => (a >= b ? 1 : 0);
    case "le":
      return (a, b) => (a <= b ? 1 : 0);
  }
}

function binary(
  op: BinaryOp,
  a: TypedArray,
  aShape: readonly number[],
  b: TypedArray,
  bShape: readonly number[],
  out: TypedArray,
  outShape: readonly number[],
): void {
  const f = binaryFn(op);
  const n = out.length;
  if (a.length === n && b.length === n) {
    for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
    return;
  }
  if (b.length === 1) {
    const bv = b[0];
    if (a.length === n) {
      for (let i = 0; i < n; i++) out[i] = f(a[i], bv);
      return;
    }
  }
  if (a.length === 1) {
    const av = a[0];
    if (b.length === n) {
      for (let i = 0; i < n; i++) out[i] = f(av, b[i]);
      return;
    }
  }
  const rank = outShape.length;
  const sa = broadcastStrides(aShape, outShape),
    sb = broadcastStrides(bShape, outShape);
  const idx = new Array<number>(rank).fill(0);
  let ia = 0,
    ib = 0;
  for (let i = 0; i < n; i++) {
    out[i] = f(a[ia], b[ib]);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < outShape[d]) break;
      ia -= sa[d] * outShape[d];
      ib -= sb[d] * outShape[d];
      idx[d] = 0;
    }
  }
}

export const elementwise = {
  unary(op: UnaryOp, x: TypedArray, out: TypedArray, alpha = 0.01): void {
    const f = unaryFn(op, alpha);
    for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
  },
  unaryBackward(op: UnaryOp, x: FloatArray, y: FloatArray, dy: FloatArray, dx: FloatArray, alpha = 0.01): void {
    const d = derivFn(op, alpha);
    for (let i = 0; i < dy.length; i++) dx[i] = dy[i] * d(x[i], y[i]);
  },
  binary,
  clamp(x: FloatArray, lo: number, hi: number, out: FloatArray): void {
    for (let i = 0; i < x.length; i++) out[i] = Math.min(Math.max(x[i], lo), hi);
  },
  axpy(alpha: number, x: FloatArray, y: FloatArray): void {
    for (let i = 0; i < x.length; i++) y[i] += alpha * x[i];
  },
};
