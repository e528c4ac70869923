/**
 * The kernel interface: everything gradlab computes goes through these functions, on flat
 * row-major typed arrays. Backends implement them (all for "js", any subset for others); ops and
 * autograd never look at which backend runs. No autograd here: kernels are pure array functions.
 */
import type { DType, FloatArray, TypedArray } from "../tensor/dtype.js";

export type UnaryOp =
  | "neg" | "exp" | "log" | "log1p" | "sqrt" | "abs" | "square" | "reciprocal"
  | "relu" | "leakyRelu" | "sigmoid" | "tanh" | "gelu" | "geluTanh" | "silu";
export type BinaryOp = "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum" | "eq" | "gt" | "lt" | "ge" | "le" | "ne";
export type ReduceOp = "sum" | "max" | "min";

export interface GemmArgs {
  transA: boolean; transB: boolean;
  /** C is m×n; op(A) is m×k; op(B) is k×n. */
  m: number; n: number; k: number;
  a: FloatArray; aOffset?: number;
  b: FloatArray; bOffset?: number;
  c: FloatArray; cOffset?: number;
  /** C = alpha·op(A)·op(B) + beta·C + bias, the bias (n entries) added to every row */
  alpha?: number; beta?: number;
  bias?: FloatArray; biasOffset?: number;
  /** Then C = max(C, 0) (NaN → 0, as the relu kernel): a Linear→ReLU pair in one call. */
  relu?: boolean;
}

export interface SgdArgs {
  param: FloatArray; grad: FloatArray; momentumBuffer: FloatArray | null;
  lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number;
  maximize: boolean;
  /** true on the step that creates the momentum buffer (PyTorch copies the gradient into it). */
  firstStep: boolean;
}

export interface AdamArgs {
  param: FloatArray; grad: FloatArray; expAvg: FloatArray; expAvgSq: FloatArray;
  lr: number; beta1: number; beta2: number; eps: number; weightDecay: number;
  /** AdamW: decay the weights directly instead of adding weightDecay·p to the gradient. */
  decoupled: boolean;
  step: number;
  maximize: boolean;
}

export interface Kernels {
  /**
   * Storage for a new tensor. `persistent` marks storage that lives across training steps
   * (parameters, gradients, optimizer state, buffers): a backend with its own memory (wasm) keeps
   * those in it. Step temporaries stay ordinary arrays, which the garbage collector reclaims even
   * inside a loop that never yields — so memory stays flat without dispose().
   */
  alloc(dtype: DType, n: number, persistent?: boolean): TypedArray;
  /** C = alpha·op(A)·op(B) + beta·C + bias, then relu if asked: a backend's gemm must honour bias and relu. */
  gemm(args: GemmArgs): void;
  /**
   * Independent products (no output is another's input), in any order or at once: a backend
   * with threads may run them side by side instead of splitting each — a layer's dX and dW.
   */
  gemms(list: readonly GemmArgs[]): void;
  unary(op: UnaryOp, x: TypedArray, out: TypedArray, alpha?: number): void;
  /** dx from x (input), y (output) and dy, for the ops in UnaryOp. */
  unaryBackward(op: UnaryOp, x: FloatArray, y: FloatArray, dy: FloatArray, dx: FloatArray, alpha?: number): void;
  binary(op: BinaryOp, a: TypedArray, aShape: readonly number[], b: TypedArray, bShape: readonly number[], out: TypedArray, outShape: readonly number[]): void;
  /** Reduces the middle axis of an (outer, size, inner) view; `indices` receives arg-max/min. */
  reduce(op: ReduceOp, x: TypedArray, outer: number, size: number, inner: number, out: TypedArray, indices?: Int32Array): void;
  /** out[i] = clamp(x[i], lo, hi) */
  clamp(x: FloatArray, lo: number, hi: number, out: FloatArray): void;
  /** Softmax (or log-softmax) along the middle axis of an (outer, size, inner) view. */
  softmax(x: FloatArray, outer: number, size: number, inner: number, out: FloatArray, log: boolean): void;
  softmaxBackward(y: FloatArray, dy: FloatArray, outer: number, size: number, inner: number, dx: FloatArray, log: boolean): void;
  /** out = permute(x) for a contiguous x of `shape`. */
  permute(x: TypedArray, shape: readonly number[], perm: readonly number[], out: TypedArray): void;
  /** Copies rows: out[i, :] = x[index[i], :] for rows of `rowSize` elements. */
  gatherRows(x: TypedArray, index: Int32Array, rowSize: number, out: TypedArray): void;
  /** Scatter-add rows back: dx[index[i], :] += dy[i, :]. */
  scatterAddRows(dy: FloatArray, index: Int32Array, rowSize: number, dx: FloatArray): void;
  /** y = alpha·x + y, in place. */
  axpy(alpha: number, x: FloatArray, y: FloatArray): void;
  /**
   * Cross-entropy from logits (n×c), fused with log-softmax. Writes each row's loss (0 for
   * ignoreIndex rows) and the log-probabilities the backward pass reuses.
   */
  crossEntropyForward(logits: FloatArray, target: Int32Array, n: number, c: number, labelSmoothing: number, ignoreIndex: number, lossRows: FloatArray, logProbs: FloatArray): void;
  /** dlogits[i,:] = rowGrad[i] · (softmax − smoothed one-hot); zero for ignored rows. */
  crossEntropyBackward(logProbs: FloatArray, target: Int32Array, n: number, c: number, labelSmoothing: number, ignoreIndex: number, rowGrad: FloatArray, dlogits: FloatArray): void;
  /** One SGD update of each parameter in the list (a backend may share the lot across threads). */
  sgdSteps(list: readonly SgdArgs[]): void;
  adamStep(args: AdamArgs): void;
}
export type KernelName = keyof Kernels;

/** `gemms` for a backend that runs products one at a time: each on its own `gemm`. */
export function gemmsOneByOne(gemm: (args: GemmArgs) => void): (list: readonly GemmArgs[]) => void {
  return (list) => { for (const args of list) gemm(args); };
}
