/**
 * The Tensor: a contiguous row-major typed array, a shape, and — when it takes part in autograd —
 * `requiresGrad`, `grad` and the `gradFn` that produced it. This file holds only what every tensor
 * is; the methods that run ops (`a.add(b)`, `x.view(...)`) are attached in one place,
 * `src/ops/tensor_methods.ts`, so this file imports no op and `a.add(b)` is the same code as `add(a, b)`.
 */
import { type BackwardOptions, backward as runBackward, type GradFn } from "../autograd/graph.js";
import { kernels, readStorage } from "../backend/registry.js";
import { allocArray, type DType, isFloat, type TypedArray } from "./dtype.js";
import { formatTensor } from "./format.js";
import { type Device, deviceOf, dtypeOfStorage, type FloatStorage, isHost, type Storage, unshared } from "./storage.js";
import { fmt, numel, sameShape } from "./shape.js";

export type Scalar = number;
export type TensorLike = Tensor | number;
export type NestedArray = number | boolean | NestedArray[];

/**
 * An n-dimensional array of float32 (default), float64 (gradcheck) or int32 (labels) values.
 *
 * Shapes are PyTorch's: `[N, C, H, W]`, `[N, L, E]`, ... Create tensors with `tensor`, `zeros`,
 * `randn` and friends; methods mirror PyTorch's (`x.view(-1, 784)`, `x.sum(1, true)`, `x.matmul(w)`).
 */
export class Tensor {
  /**
   * @internal The elements, row-major, as the backend keeps them (a host typed array on the CPU
   * backends, a GPU buffer handle on WebGPU). Shared with views made by reshape/view/flatten/
   * squeeze/unsqueeze. Ops hand it to kernels; read values with dataSync(), item() or await data().
   */
  storage: Storage;
  readonly shape: readonly number[];
  requiresGrad: boolean;
  /** The op that produced this tensor; null for leaves. */
  gradFn: GradFn | null = null;
  /** Set by `retainGrad()`. */
  retainsGrad = false;

  constructor(storage: Storage, shape: readonly number[], requiresGrad = false) {
    if (storage.length !== numel(shape)) {
      throw new Error(`Tensor: ${storage.length} elements cannot have shape ${fmt(shape)} (${numel(shape)} elements)`);
    }
    if (requiresGrad && !isFloat(dtypeOfStorage(storage))) {
      throw new Error("Tensor: only floating-point tensors can require gradients (int32 holds class labels)");
    }
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = requiresGrad;
  }

  get dtype(): DType {
    return dtypeOfStorage(this.storage);
  }
  /** Where the elements live: "cpu" (js and wasm backends) or "webgpu". */
  get device(): Device {
    return deviceOf(this.storage);
  }
  /** Number of dimensions, like `tensor.dim()`/`ndim`. */
  get ndim(): number {
    return this.shape.length;
  }
  dim(): number {
    return this.shape.length;
  }
  numel(): number {
    return this.storage.length;
  }
  /** `size()` is the shape; `size(d)` one dimension (negative d counts from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this.shape];
    return this.shape[dim < 0 ? dim + this.shape.length : dim];
  }
  /** True for tensors no op produced (parameters, inputs). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** The single value of a one-element tensor as a JS number. */
  item(): number {
    if (this.storage.length !== 1) {
      throw new Error(
        `item: only one-element tensors can be converted to a number; this one has shape ${fmt(this.shape)} — index or reduce it first`,
      );
    }
    return this.host("item", "itemAsync")[0];
  }

  /**
   * The values as a typed array, read synchronously (CPU backends). This is the tensor's own
   * storage, not a copy (like PyTorch's `.numpy()`): writing to it changes the tensor.
   */
  dataSync(): TypedArray {
    return this.host("dataSync", "data");
  }
  /** Same as `dataSync()`. */
  toArray(): TypedArray {
    return this.host("toArray", "data");
  }
  /**
   * The values as a typed array, on every backend: the storage itself on the CPU, a copy read back
   * from the GPU on WebGPU (the only way to read a tensor there — await the loss you log), and a
   * copy of its own where the storage is a view of the wasm backend's shared memory: that block is
   * recycled once the tensor is collected, and a SharedArrayBuffer can be neither transferred to
   * another thread nor safely shared with one.
   */
  async data(): Promise<TypedArray> {
    return isHost(this.storage) ? unshared(this.storage) : readStorage(this.storage);
  }
  /** `item()` for code that must also run where reads are asynchronous (WebGPU). */
  async itemAsync(): Promise<number> {
    if (this.storage.length !== 1) return this.item(); // throws the shape message
    return (await this.data())[0];
  }
  /** `tolist()` likewise. */
  async tolistAsync(): Promise<NestedArray> {
    return nested(await this.data(), this.shape);
  }

  /** The host array, or an error naming the asynchronous read to use instead. */
  private host(op: string, instead: string): TypedArray {
    if (isHost(this.storage)) return this.storage;
    throw new Error(
      `${op}: this tensor ${fmt(this.shape)} is on ${this.device}, where reads are asynchronous — ` +
        `use await t.${instead}()`,
    );
  }

  /** Nested JS arrays (a number for 0-d tensors). */
  tolist(): NestedArray {
    return nested(this.host("tolist", "tolistAsync"), this.shape);
  }

  toString(): string {
    return formatTensor(this);
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  // ----- autograd -----
  /**
   * Backpropagates from this tensor; gradients **accumulate** into `.grad` of leaves. PyTorch's
   * `backward(gradient, retain_graph=True)` is `backward(gradient, { retainGraph: true })`, or
   * `backward({ retainGraph: true })` for a scalar.
   */
  backward(gradient?: Tensor | BackwardOptions, opts: BackwardOptions = {}): void {
    if (gradient !== undefined && !(gradient instanceof Tensor)) runBackward(this, undefined, gradient);
    else runBackward(this, gradient, opts);
  }
  /** Keeps `.grad` on this non-leaf tensor after backward. */
  retainGrad(): this {
    if (!this.requiresGrad) throw new Error("retainGrad: can't retain_grad on a tensor that does not require grad");
    this.retainsGrad = true;
    return this;
  }
  requiresGrad_(flag = true): this {
    if (flag && !isFloat(this.dtype))
      throw new Error("requiresGrad_: only floating-point tensors can require gradients");
    if (!flag && this.gradFn)
      throw new Error("requiresGrad_(false): only leaf tensors can change requiresGrad; use detach()");
    this.requiresGrad = flag;
    return this;
  }
  /** A tensor sharing this one's data, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape);
  }

  private currentGrad: Tensor | null = null;
  /** True once the current gradient tensor was handed out through `.grad`: the user may hold it. */
  private gradHandedOut = false;
  /**
   * Parameters reuse their gradient storage from step to step (no allocation in a training loop)
   * — but only storage no user holds: see `gradTarget`.
   * @internal
   */
  reusesGradStorage = false;
  private gradStorage: Tensor | null = null;

  /**
   * Accumulated gradient of a leaf (or of a tensor that called `retainGrad()`); null until a
   * backward reaches it or after `zeroGrad()`. As in PyTorch, a gradient tensor you keep is never
   * overwritten by a later step once `.grad` was set to null: the next backward writes a new one.
   */
  get grad(): Tensor | null {
    if (this.currentGrad) this.gradHandedOut = true;
    return this.currentGrad;
  }
  set grad(g: Tensor | null) {
    this.currentGrad = g;
    // A tensor the user assigned is theirs; setting null (zeroGrad) must not forget that the old
    // storage was handed out.
    if (g) this.gradHandedOut = true;
  }

  /**
   * @internal The gradient without handing it out (optimizers, clipping, zeroGrad): reading it
   * here does not stop the storage from being reused.
   */
  peekGrad(): Tensor | null {
    return this.currentGrad;
  }

  /**
   * @internal The storage the next gradient of this leaf goes into, and whether to add to it
   * (beta 1) or overwrite it (beta 0). Fused backward ops (linear) write there directly. A
   * parameter's storage from an earlier step is reused unless it was handed out through `.grad`.
   */
  gradTarget(): { grad: Tensor; beta: 0 | 1 } {
    if (this.currentGrad) return { grad: this.currentGrad, beta: 1 };
    // Reached only for parameters (reusesGradStorage): their storage is persistent. Other leaves
    // come and go every step and get ordinary arrays in accumulateGrad, which the GC reclaims.
    if (!this.gradStorage || this.gradHandedOut) {
      this.gradStorage = new Tensor(kernels.alloc(this.dtype, this.numel(), true), this.shape);
      this.gradHandedOut = false;
    }
    this.currentGrad = this.gradStorage;
    return { grad: this.currentGrad, beta: 0 };
  }

  /** @internal used by backward(): adds `g` to `.grad`. */
  accumulateGrad(g: Tensor): void {
    if (!sameShape(g.shape, this.shape)) g = new Tensor(g.storage, this.shape);
    const { grad, beta } = this.reusesGradStorage
      ? this.gradTarget()
      : { grad: this.currentGrad, beta: this.currentGrad ? 1 : 0 };
    const n = g.numel();
    if (beta === 1) kernels.axpy(1, g.storage as FloatStorage, grad!.storage as FloatStorage);
    else if (grad) kernels.copyBlocks(g.storage, 0, 0, grad.storage, 0, 0, n, 1);
    else {
      const own = kernels.alloc(this.dtype, n);
      kernels.copyBlocks(g.storage, 0, 0, own, 0, 0, n, 1);
      this.currentGrad = new Tensor(own, this.shape);
      this.gradHandedOut = false;
    }
  }

  /** @internal Swaps in new storage (a dtype change of a parameter): gradients start afresh. */
  replaceStorage(storage: Storage): void {
    if (storage.length !== this.storage.length)
      throw new Error(`replaceStorage: ${storage.length} elements for shape ${fmt(this.shape)}`);
    this.storage = storage;
    this.currentGrad = null;
    this.gradStorage = null;
  }

  // ----- in-place helpers (no graph) -----
  zero_(): this {
    kernels.fill(this.storage, 0);
    return this;
  }
  fill_(v: number): this {
    kernels.fill(this.storage, v);
    return this;
  }
  /** Copies `src`'s values into this tensor (same number of elements). */
  copy_(src: Tensor): this {
    if (src.numel() !== this.numel()) throw new Error(`copy_: sizes differ: ${fmt(this.shape)} vs ${fmt(src.shape)}`);
    if (src.device !== this.device) {
      // Host values into a device tensor (a state dict loaded from a file into a model on the GPU).
      if (isHost(src.storage)) {
        const values = src.dtype === this.dtype ? src.storage : allocArray(this.dtype, src.numel());
        if (values !== src.storage) values.set(src.storage);
        kernels.writeHost(this.storage, values);
        return this;
      }
      throw new Error(
        `copy_: the source is on ${src.device}, this tensor on the host — read it with await src.data() first`,
      );
    }
    if (src.dtype === this.dtype) kernels.copyBlocks(src.storage, 0, 0, this.storage, 0, 0, src.numel(), 1);
    else kernels.cast(src.storage, this.storage);
    return this;
  }
  /** A tensor with this one's values, for methods that promise a contiguous result (always true here). */
  contiguous(): Tensor {
    return this;
  }
}

/** Nested arrays of `values` in `shape` (a number for 0-d). */
function nested(values: TypedArray, shape: readonly number[]): NestedArray {
  const build = (dim: number, offset: number): NestedArray => {
    if (dim === shape.length) return values[offset];
    const stride = numel(shape.slice(dim + 1));
    return Array.from({ length: shape[dim] }, (_, i) => build(dim + 1, offset + i * stride));
  };
  return build(0, 0);
}
