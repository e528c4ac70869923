/**
 * Tensor methods, attached in one place (tfjs's chained-ops pattern): each is the op of the same
 * name with the tensor as first argument, so `a.add(b)` and `add(a, b)` are the same code. Keeping
 * them here lets `src/tensor/tensor.ts` import no op, so the layers stay a straight line
 * (tensor → backend → ops) with no import cycle. Loaded by the package entry points.
 */
import type { DType } from "../tensor/dtype.js";
import type { Device } from "../tensor/storage.js";
import { Tensor, type TensorLike } from "../tensor/tensor.js";
import * as activation from "./activation.js";
import { full } from "./creation.js";
import * as elementwise from "./elementwise.js";
import { toDevice, toDeviceAsync } from "./device.js";
import * as matmul from "./matmul.js";
import * as reduce from "./reduce.js";
import * as select from "./select.js";
import * as sampling from "./sampling.js";
import * as shape from "./shape.js";
import * as softmax from "./softmax.js";

type Dims = number[] | [readonly number[]];

declare module "../tensor/tensor.js" {
  interface Tensor {
    // ----- dtype -----
    /**
     * A copy converted to `dtype` (float → int32 truncates; the gradient flows between float
     * types), or this tensor on `device` ("cpu" | "webgpu"; "cuda" means webgpu): host → GPU is
     * synchronous, GPU → host needs `await x.toAsync("cpu")`.
     */
    to(target: DType | Device | "cuda"): Tensor;
    /** `to(device)` in every direction (GPU reads are asynchronous); loads the WebGPU backend if needed. */
    toAsync(device: Device | "cuda"): Promise<Tensor>;
    float(): Tensor;
    double(): Tensor;
    int(): Tensor;
    /** int32: gradlab's integer type stands in for PyTorch's int64 labels. */
    long(): Tensor;
    onesLike(): Tensor;
    zerosLike(): Tensor;
    // ----- elementwise -----
    add(other: TensorLike, alpha?: number): Tensor;
    sub(other: TensorLike, alpha?: number): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    pow(exponent: TensorLike): Tensor;
    maximum(other: TensorLike): Tensor;
    minimum(other: TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    log1p(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    square(): Tensor;
    clamp(min?: number | null, max?: number | null): Tensor;
    eq(other: TensorLike): Tensor;
    ne(other: TensorLike): Tensor;
    gt(other: TensorLike): Tensor;
    lt(other: TensorLike): Tensor;
    ge(other: TensorLike): Tensor;
    le(other: TensorLike): Tensor;
    isclose(other: TensorLike, opts?: { rtol?: number; atol?: number; equalNan?: boolean }): Tensor;
    allclose(other: TensorLike, opts?: { rtol?: number; atol?: number; equalNan?: boolean }): boolean;
    // ----- activations -----
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    softmax(dim: number): Tensor;
    logSoftmax(dim: number): Tensor;
    // ----- reductions -----
    sum(dim?: number | number[], keepdim?: boolean): Tensor;
    mean(dim?: number | number[], keepdim?: boolean): Tensor;
    var(dim?: number | number[], opts?: reduce.VarOptions): Tensor;
    std(dim?: number | number[], opts?: reduce.VarOptions): Tensor;
    /** The largest element; with `dim`, `{ values, indices }` along it. */
    max(): Tensor;
    max(dim: number, keepdim?: boolean): reduce.ValuesIndices;
    min(): Tensor;
    min(dim: number, keepdim?: boolean): reduce.ValuesIndices;
    argmax(dim?: number, keepdim?: boolean): Tensor;
    /** The vector p-norm (default 2) over `dim`, or of all elements. */
    norm(p?: number, dim?: number | number[], keepdim?: boolean): Tensor;
    argmin(dim?: number, keepdim?: boolean): Tensor;
    // ----- linear algebra -----
    matmul(other: Tensor): Tensor;
    // ----- shape -----
    reshape(...shape: Dims): Tensor;
    /** Same as reshape: gradlab tensors are always contiguous, so every reshape is a view. */
    view(...shape: Dims): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    transpose(dim0: number, dim1: number): Tensor;
    /** Transpose of a 2-D tensor. */
    t(): Tensor;
    /** `x.T` (reverses all dims). */
    readonly T: Tensor;
    permute(...dims: Dims): Tensor;
    squeeze(dim?: number): Tensor;
    unsqueeze(dim: number): Tensor;
    expand(...shape: Dims): Tensor;
    /** Rows (or slices along `dim`) picked by integer indices — `x[idx]` in PyTorch. */
    indexSelect(dim: number, index: Tensor | ArrayLike<number>): Tensor;
    /** `torch.gather`: out[i][j] = x[i][index[i][j]] along `dim`. */
    gather(dim: number, index: Tensor): Tensor;
    /** A copy of `length` entries from `start` along `dim` (like `x.narrow`). */
    narrow(dim: number, start: number, length: number): Tensor;
    /** `x[i]` along dim 0 (or along `dim`). */
    select(dim: number, index: number): Tensor;
    /** A copy that stays in the graph (gradient flows back to this tensor). */
    clone(): Tensor;
    // ----- selection -----
    /** `x.masked_fill(mask, value)`: `value` where `mask` is non-zero (mask broadcasts), x elsewhere. */
    maskedFill(mask: Tensor, value: TensorLike): Tensor;
    /** `x.where(condition, other)`: x where the condition is non-zero, `other` elsewhere. */
    where(condition: Tensor, other: TensorLike): Tensor;
    /** Lower triangle of the last two dims (j − i ≤ diagonal), zeros above. */
    tril(diagonal?: number): Tensor;
    /** Upper triangle of the last two dims (j − i ≥ diagonal), zeros below. */
    triu(diagonal?: number): Tensor;
    // ----- sorting and sampling -----
    /** The k largest (smallest) along `dim` (default last): `{ values, indices }`, values differentiable. */
    topk(k: number, dim?: number, largest?: boolean, sorted?: boolean): reduce.ValuesIndices;
    /** `{ values, indices }` sorted along `dim` (default last), stable. */
    sort(dim?: number, descending?: boolean): reduce.ValuesIndices;
    argsort(dim?: number, descending?: boolean): Tensor;
    cumsum(dim: number): Tensor;
    /** Draws category indices from rows of non-negative weights (`torch.multinomial`). */
    multinomial(numSamples: number, opts?: sampling.MultinomialOptions): Tensor;
  }
}

/** `view(2, 3)` and `view([2, 3])` both mean shape [2, 3]. */
function flatArgs(args: Dims): number[] {
  return Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : (args as number[]);
}

const methods: { [K in keyof Tensor]?: (this: Tensor, ...args: never[]) => unknown } = {
  to(target: DType | Device | "cuda") {
    return target === "float32" || target === "float64" || target === "int32"
      ? elementwise.cast(this, target)
      : toDevice(this, target);
  },
  toAsync(device: Device | "cuda") {
    return toDeviceAsync(this, device);
  },
  float() {
    return elementwise.cast(this, "float32");
  },
  double() {
    return elementwise.cast(this, "float64");
  },
  int() {
    return elementwise.cast(this, "int32");
  },
  long() {
    return elementwise.cast(this, "int32");
  },
  onesLike() {
    return full(this.shape, 1, { dtype: this.dtype });
  },
  zerosLike() {
    return full(this.shape, 0, { dtype: this.dtype });
  },

  add(o: TensorLike, alpha?: number) {
    return elementwise.add(this, o, alpha);
  },
  sub(o: TensorLike, alpha?: number) {
    return elementwise.sub(this, o, alpha);
  },
  mul(o: TensorLike) {
    return elementwise.mul(this, o);
  },
  div(o: TensorLike) {
    return elementwise.div(this, o);
  },
  pow(o: TensorLike) {
    return elementwise.pow(this, o);
  },
  maximum(o: TensorLike) {
    return elementwise.maximum(this, o);
  },
  minimum(o: TensorLike) {
    return elementwise.minimum(this, o);
  },
  neg() {
    return elementwise.neg(this);
  },
  exp() {
    return elementwise.exp(this);
  },
  log() {
    return elementwise.log(this);
  },
  log1p() {
    return elementwise.log1p(this);
  },
  sqrt() {
    return elementwise.sqrt(this);
  },
  abs() {
    return elementwise.abs(this);
  },
  square() {
    return elementwise.square(this);
  },
  clamp(min?: number | null, max?: number | null) {
    return elementwise.clamp(this, min, max);
  },
  eq(o: TensorLike) {
    return elementwise.eq(this, o);
  },
  ne(o: TensorLike) {
    return elementwise.ne(this, o);
  },
  gt(o: TensorLike) {
    return elementwise.gt(this, o);
  },
  lt(o: TensorLike) {
    return elementwise.lt(this, o);
  },
  ge(o: TensorLike) {
    return elementwise.ge(this, o);
  },
  le(o: TensorLike) {
    return elementwise.le(this, o);
  },
  isclose(o: TensorLike, opts?: { rtol?: number; atol?: number; equalNan?: boolean }) {
    return elementwise.isclose(this, o, opts);
  },
  allclose(o: TensorLike, opts?: { rtol?: number; atol?: number; equalNan?: boolean }) {
    return elementwise.allclose(this, o, opts);
  },

  relu() {
    return activation.relu(this);
  },
  sigmoid() {
    return activation.sigmoid(this);
  },
  tanh() {
    return activation.tanh(this);
  },
  softmax(dim: number) {
    return softmax.softmax(this, dim);
  },
  logSoftmax(dim: number) {
    return softmax.logSoftmax(this, dim);
  },

  sum(dim?: number | number[], keepdim = false) {
    return reduce.sum(this, dim, keepdim);
  },
  mean(dim?: number | number[], keepdim = false) {
    return reduce.mean(this, dim, keepdim);
  },
  var(dim?: number | number[], opts?: reduce.VarOptions) {
    return reduce.variance(this, dim, opts);
  },
  std(dim?: number | number[], opts?: reduce.VarOptions) {
    return elementwise.sqrt(reduce.variance(this, dim, opts));
  },
  max(dim?: number, keepdim = false) {
    return dim === undefined ? reduce.maxAll(this) : reduce.extremeDim(this, dim, keepdim, "max");
  },
  min(dim?: number, keepdim = false) {
    return dim === undefined ? reduce.minAll(this) : reduce.extremeDim(this, dim, keepdim, "min");
  },
  argmax(dim?: number, keepdim = false) {
    return reduce.argmax(this, dim, keepdim);
  },
  norm(p = 2, dim?: number | number[], keepdim = false) {
    return reduce.norm(this, p, dim, keepdim);
  },
  argmin(dim?: number, keepdim = false) {
    return reduce.argmin(this, dim, keepdim);
  },

  matmul(o: Tensor) {
    return matmul.matmul(this, o);
  },

  reshape(...s: Dims) {
    return shape.reshape(this, flatArgs(s));
  },
  view(...s: Dims) {
    return shape.reshape(this, flatArgs(s));
  },
  flatten(startDim = 0, endDim = -1) {
    return shape.flatten(this, startDim, endDim);
  },
  transpose(dim0: number, dim1: number) {
    return shape.transpose(this, dim0, dim1);
  },
  t() {
    return shape.t(this);
  },
  permute(...dims: Dims) {
    return shape.permute(this, flatArgs(dims));
  },
  squeeze(dim?: number) {
    return shape.squeeze(this, dim);
  },
  unsqueeze(dim: number) {
    return shape.unsqueeze(this, dim);
  },
  expand(...s: Dims) {
    return shape.expand(this, flatArgs(s));
  },
  indexSelect(dim: number, index: Tensor | ArrayLike<number>) {
    return shape.indexSelect(this, dim, index);
  },
  gather(dim: number, index: Tensor) {
    return shape.gather(this, dim, index);
  },
  narrow(dim: number, start: number, length: number) {
    return shape.narrow(this, dim, start, length);
  },
  select(dim: number, index: number) {
    return shape.select(this, dim, index);
  },
  clone() {
    return shape.clone(this);
  },

  maskedFill(mask: Tensor, value: TensorLike) {
    return select.maskedFill(this, mask, value);
  },
  where(condition: Tensor, other: TensorLike) {
    return select.where(condition, this, other);
  },
  tril(diagonal = 0) {
    return select.tril(this, diagonal);
  },
  triu(diagonal = 0) {
    return select.triu(this, diagonal);
  },
  topk(k: number, dim?: number, largest?: boolean, sorted?: boolean) {
    return sampling.topk(this, k, dim, largest, sorted);
  },
  sort(dim?: number, descending?: boolean) {
    return sampling.sort(this, dim, descending);
  },
  argsort(dim?: number, descending?: boolean) {
    return sampling.argsort(this, dim, descending);
  },
  cumsum(dim: number) {
    return sampling.cumsum(this, dim);
  },
  multinomial(numSamples: number, opts?: sampling.MultinomialOptions) {
    return sampling.multinomial(this, numSamples, opts);
  },
};

for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}
Object.defineProperty(Tensor.prototype, "T", {
  get(this: Tensor) {
    return shape.permute(
      this,
      this.shape.map((_, i) => this.shape.length - 1 - i),
    );
  },
  configurable: true,
});
