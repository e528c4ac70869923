/**
 * The Tensor: a contiguous row-major typed array, a shape, and — when it takes part in autograd —
 * `requiresGrad`, `grad` and the `gradFn` that produced it. Methods are thin wrappers over the ops in
 * `src/ops`, so `a.add(b)` and `add(a, b)` are the same code.
 */
import { backward as runBackward, type GradFn } from "../autograd/graph.js";
import { K } from "../backend/registry.js";
import * as act from "../ops/activation.js";
import * as ew from "../ops/elementwise.js";
import * as mm from "../ops/matmul.js";
import * as red from "../ops/reduce.js";
import * as sh from "../ops/shape.js";
import * as sm from "../ops/softmax.js";
import { type DType, dtypeOf, isFloat, type TypedArray } from "./dtype.js";
import { fmt, numel, sameShape } from "./shape.js";
import { formatTensor } from "./format.js";

export type Scalar = number;
export type TensorLike = Tensor | number;
export type NestedArray = number | boolean | NestedArray[];

export class Tensor {
  /** The elements, row-major. Shared with views made by reshape/view/flatten/squeeze/unsqueeze. */
  data: TypedArray;
  readonly shape: readonly number[];
  requiresGrad: boolean;
  /** Accumulated gradient of a leaf (or of a tensor that called `retainGrad()`). */
  grad: Tensor | null = null;
  /** The op that produced this tensor; null for leaves. */
  gradFn: GradFn | null = null;
  /** Set by `retainGrad()`. */
  retainsGrad = false;

  constructor(data: TypedArray, shape: readonly number[], requiresGrad = false) {
    if (data.length !== numel(shape)) {
      throw new Error(`Tensor: ${data.length} elements cannot have shape ${fmt(shape)} (${numel(shape)} elements)`);
    }
    if (requiresGrad && !isFloat(dtypeOf(data))) {
      throw new Error("Tensor: only floating-point tensors can require gradients (int32 holds class labels)");
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = requiresGrad;
  }

  get dtype(): DType { return dtypeOf(this.data); }
  /** Number of dimensions, like `tensor.dim()`/`ndim`. */
  get ndim(): number { return this.shape.length; }
  dim(): number { return this.shape.length; }
  numel(): number { return this.data.length; }
  /** `size()` is the shape; `size(d)` one dimension (negative d counts from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this.shape];
    return this.shape[dim < 0 ? dim + this.shape.length : dim];
  }
  /** True for tensors no op produced (parameters, inputs). */
  get isLeaf(): boolean { return this.gradFn === null; }

  /** The single value of a one-element tensor as a JS number. */
  item(): number {
    if (this.data.length !== 1) {
      throw new Error(`item: only one-element tensors can be converted to a number; this one has shape ${fmt(this.shape)} — index or reduce it first`);
    }
    return this.data[0];
  }

  /** Nested JS arrays (a number for 0-d tensors). */
  tolist(): NestedArray {
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return this.data[offset];
      const stride = numel(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  toString(): string { return formatTensor(this); }
  [Symbol.for("nodejs.util.inspect.custom")](): string { return this.toString(); }

  // ----- autograd -----
  /** Backpropagates from this tensor; gradients **accumulate** into `.grad` of leaves. */
  backward(gradient?: Tensor): void { runBackward(this, gradient); }
  /** Keeps `.grad` on this non-leaf tensor after backward. */
  retainGrad(): this {
    if (!this.requiresGrad) throw new Error("retainGrad: can't retain_grad on a tensor that does not require grad");
    this.retainsGrad = true;
    return this;
  }
  requiresGrad_(flag = true): this {
    if (flag && !isFloat(this.dtype)) throw new Error("requiresGrad_: only floating-point tensors can require gradients");
    if (!flag && this.gradFn) throw new Error("requiresGrad_(false): only leaf tensors can change requiresGrad; use detach()");
    this.requiresGrad = flag;
    return this;
  }
  /** A tensor sharing this one's data, cut from the graph. */
  detach(): Tensor { return new Tensor(this.data, this.shape); }
  /** A copy that stays in the graph (gradient flows back to this tensor). */
  clone(): Tensor { return sh.clone(this); }

  /**
   * Parameters keep their gradient storage across `zeroGrad()` (which sets `.grad` to null, as
   * PyTorch's set_to_none) and reuse it on the next backward, in the fast backend's memory: a
   * training step then allocates no gradient memory. A `.grad` tensor kept from an earlier step
   * is overwritten — `clone()` it to keep its values.
   * @internal
   */
  reusesGradStorage = false;
  private gradStorage: Tensor | null = null;

  /**
   * @internal The storage the next gradient of this leaf goes into, and whether to add to it
   * (beta 1) or overwrite it (beta 0). Fused backward ops (linear) write there directly.
   */
  gradTarget(): { grad: Tensor; beta: 0 | 1 } {
    if (this.grad) return { grad: this.grad, beta: 1 };
    // Reached only for parameters (reusesGradStorage): their storage is persistent. Other leaves
    // come and go every step and get ordinary arrays in accumulateGrad, which the GC reclaims.
    if (!this.gradStorage) this.gradStorage = new Tensor(K.alloc(this.dtype, this.data.length, true), this.shape);
    this.grad = this.gradStorage;
    return { grad: this.grad, beta: 0 };
  }

  /** @internal used by backward(): adds `g` to `.grad`. */
  accumulateGrad(g: Tensor): void {
    if (!sameShape(g.shape, this.shape)) g = g.reshape(this.shape);
    const { grad, beta } = this.reusesGradStorage ? this.gradTarget() : { grad: this.grad, beta: this.grad ? 1 : 0 };
    if (beta === 1) K.axpy(1, g.data as Float32Array, grad!.data as Float32Array);
    else if (grad) grad.data.set(g.data);
    else {
      const own = K.alloc(this.dtype, this.data.length);
      own.set(g.data);
      this.grad = new Tensor(own, this.shape);
    }
  }

  // ----- in-place helpers (no graph) -----
  zero_(): this { this.data.fill(0); return this; }
  fill_(v: number): this { this.data.fill(v); return this; }
  /** Copies `src`'s values into this tensor (same number of elements). */
  copy_(src: Tensor): this {
    if (src.data.length !== this.data.length) throw new Error(`copy_: sizes differ: ${fmt(this.shape)} vs ${fmt(src.shape)}`);
    this.data.set(src.data);
    return this;
  }

  // ----- dtype -----
  to(dtype: DType): Tensor { return ew.cast(this, dtype); }
  float(): Tensor { return ew.cast(this, "float32"); }
  double(): Tensor { return ew.cast(this, "float64"); }
  int(): Tensor { return ew.cast(this, "int32"); }
  long(): Tensor { return ew.cast(this, "int32"); }
  onesLike(): Tensor { return new Tensor(K.alloc(this.dtype, this.data.length).fill(1), this.shape); }
  zerosLike(): Tensor { return new Tensor(K.alloc(this.dtype, this.data.length), this.shape); }

  // ----- elementwise -----
  add(o: TensorLike, alpha?: number): Tensor { return ew.add(this, o, alpha); }
  sub(o: TensorLike, alpha?: number): Tensor { return ew.sub(this, o, alpha); }
  mul(o: TensorLike): Tensor { return ew.mul(this, o); }
  div(o: TensorLike): Tensor { return ew.div(this, o); }
  pow(o: TensorLike): Tensor { return ew.pow(this, o); }
  maximum(o: TensorLike): Tensor { return ew.maximum(this, o); }
  minimum(o: TensorLike): Tensor { return ew.minimum(this, o); }
  neg(): Tensor { return ew.neg(this); }
  exp(): Tensor { return ew.exp(this); }
  log(): Tensor { return ew.log(this); }
  log1p(): Tensor { return ew.log1p(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  abs(): Tensor { return ew.abs(this); }
  square(): Tensor { return ew.square(this); }
  clamp(min?: number | null, max?: number | null): Tensor { return ew.clamp(this, min, max); }
  eq(o: TensorLike): Tensor { return ew.eq(this, o); }
  ne(o: TensorLike): Tensor { return ew.ne(this, o); }
  gt(o: TensorLike): Tensor { return ew.gt(this, o); }
  lt(o: TensorLike): Tensor { return ew.lt(this, o); }
  ge(o: TensorLike): Tensor { return ew.ge(this, o); }
  le(o: TensorLike): Tensor { return ew.le(this, o); }

  // ----- activations -----
  relu(): Tensor { return act.relu(this); }
  sigmoid(): Tensor { return act.sigmoid(this); }
  tanh(): Tensor { return act.tanh(this); }
  softmax(dim: number): Tensor { return sm.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return sm.logSoftmax(this, dim); }

  // ----- reductions -----
  sum(dim?: number | number[], keepdim = false): Tensor { return red.sum(this, dim, keepdim); }
  mean(dim?: number | number[], keepdim = false): Tensor { return red.mean(this, dim, keepdim); }
  var(dim?: number | number[], opts?: red.VarOptions): Tensor { return red.variance(this, dim, opts); }
  std(dim?: number | number[], opts?: red.VarOptions): Tensor { return red.variance(this, dim, opts).sqrt(); }
  max(): Tensor;
  max(dim: number, keepdim?: boolean): red.ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | red.ValuesIndices { return dim === undefined ? red.maxAll(this) : red.maxDim(this, dim, keepdim, "max"); }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): red.ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | red.ValuesIndices { return dim === undefined ? red.minAll(this) : red.maxDim(this, dim, keepdim, "min"); }
  argmax(dim?: number, keepdim = false): Tensor { return red.argmax(this, dim, keepdim); }
  argmin(dim?: number, keepdim = false): Tensor { return red.argmin(this, dim, keepdim); }

  // ----- linear algebra -----
  matmul(o: Tensor): Tensor { return mm.matmul(this, o); }

  // ----- shape -----
  reshape(...shape: number[] | [readonly number[]]): Tensor { return sh.reshape(this, flatArgs(shape)); }
  view(...shape: number[] | [readonly number[]]): Tensor { return sh.reshape(this, flatArgs(shape)); }
  flatten(startDim = 0, endDim = -1): Tensor { return sh.flatten(this, startDim, endDim); }
  transpose(dim0: number, dim1: number): Tensor { return sh.transpose(this, dim0, dim1); }
  /** Transpose of a 2-D tensor. */
  t(): Tensor { return sh.t(this); }
  /** `x.T` (reverses all dims). */
  get T(): Tensor { return sh.permute(this, this.shape.map((_, i) => this.shape.length - 1 - i)); }
  permute(...dims: number[] | [readonly number[]]): Tensor { return sh.permute(this, flatArgs(dims)); }
  squeeze(dim?: number): Tensor { return sh.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return sh.unsqueeze(this, dim); }
  expand(...shape: number[] | [readonly number[]]): Tensor { return sh.expand(this, flatArgs(shape)); }
  /** Rows (or slices along `dim`) picked by integer indices — `x[idx]` in PyTorch. */
  indexSelect(dim: number, index: Tensor | ArrayLike<number>): Tensor { return sh.indexSelect(this, dim, index); }
  /** `torch.gather`: out[i][j] = x[i][index[i][j]] along `dim`. */
  gather(dim: number, index: Tensor): Tensor { return sh.gather(this, dim, index); }
  /** A copy of `length` entries from `start` along `dim` (like `x.narrow`). */
  narrow(dim: number, start: number, length: number): Tensor { return sh.narrow(this, dim, start, length); }
  /** `x[i]` along dim 0 (or along `dim`). */
  select(dim: number, index: number): Tensor { return sh.select(this, dim, index); }
  contiguous(): Tensor { return this; }
}

function flatArgs(args: number[] | [readonly number[]]): number[] {
  return Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : (args as number[]);
}
