/**
 * Op codes shared by TypeScript and AssemblyScript: this file is valid in both languages, and
 * `assembly/` imports it, so a kernel's switch and the JS side that calls it can never disagree.
 * Kernels take op names (`kernels.unary("relu", ...)`); the wasm glue passes `Unary[op]` across.
 * Append new ops at the end of an enum: the numbers are part of the compiled module.
 */

/** Elementwise functions of one tensor (`kernels.unary`, `kernels.unaryBackward`). */
export enum Unary {
  neg,
  exp,
  log,
  log1p,
  sqrt,
  abs,
  square,
  reciprocal,
  relu,
  leakyRelu,
  sigmoid,
  tanh,
  gelu,
  geluTanh,
  silu,
}

/** Elementwise functions of two broadcast tensors (`kernels.binary`); comparisons give 0/1. */
export enum Binary {
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  eq,
  gt,
  lt,
  ge,
  le,
  ne,
}

/** Reductions along one axis (`kernels.reduce`). */
export enum Reduce {
  sum,
  max,
  min,
}
