/** Small helpers every op file uses: scalar lifting, output allocation, reducing a gradient to a broadcast input's shape. */
import { getBackend, getDevice, kernels } from "../backend/registry.js";
import { allocArray, type DType, isFloat, promote } from "../tensor/dtype.js";
import { fmt, numel, sameShape } from "../tensor/shape.js";
import { Tensor, type TensorLike } from "../tensor/tensor.js";

/** A new tensor of `shape` whose storage comes from the active backend, zero-filled. */
export function empty(shape: readonly number[], dtype: DType = "float32"): Tensor {
  return new Tensor(kernels.alloc(dtype, numel(shape)), shape);
}

/**
 * Like `empty`, for an output the caller's very next kernel writes in full (a gemm with beta 0, an
 * elementwise op): the backend may skip zeroing it — a pass over the memory a training step makes
 * for nearly every tensor it creates.
 */
export function emptyToOverwrite(shape: readonly number[], dtype: DType = "float32"): Tensor {
  return new Tensor(kernels.alloc(dtype, numel(shape), false, true), shape);
}

/**
 * Throws PyTorch's "expected all tensors to be on the same device" when a tensor of op `op` is
 * not on the device the active backend computes on (one device computes at a time: the one
 * `setBackend` chose), naming the shapes, both devices and the move that fixes it.
 */
export function checkDevices(op: string, ...tensors: readonly (Tensor | null | undefined)[]): void {
  const want = getDevice();
  for (const t of tensors) {
    if (t && t.device !== want) {
      const seen = tensors
        .filter((u): u is Tensor => !!u)
        .map((u) => `${fmt(u.shape)} on ${u.device}`)
        .join(", ");
      throw new Error(
        `${op}: expected all tensors to be on the same device, but found at least two devices, ${want} and ${t.device} ` +
          `(${seen}; the active backend "${getBackend()}" computes on ${want}) — move them with x.to("${want}") ` +
          `/ model.to("${want}")${want === "cpu" ? ` (from ${t.device}: await x.toAsync("cpu"))` : ""}, ` +
          `or await setBackend(${t.device === "cpu" ? '"wasm"' : `"${t.device}"`}) to compute on ${t.device}`,
      );
    }
  }
}

/** Lifts a JS number to a 0-d tensor of a dtype that suits `like` (ints stay int only for integral scalars). */
export function lift(x: TensorLike, like: Tensor): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== "number") throw new Error(`expected a Tensor or a number, got ${typeof x}`);
  const dtype: DType = like.dtype === "int32" && !Number.isInteger(x) ? "float32" : like.dtype;
  const value = allocArray(dtype, 1);
  value[0] = x;
  const t = new Tensor(kernels.fromHost(value), []);
  return t;
}

export function resultDtype(a: Tensor, b: Tensor): DType {
  return promote(a.dtype, b.dtype);
}

export function requireFloat(t: Tensor, op: string): void {
  if (!isFloat(t.dtype))
    throw new Error(`${op}: expected a floating-point tensor, got ${t.dtype} — convert it with .float()`);
}

/**
 * Sums a gradient of a broadcast result back to the shape of the input that was broadcast:
 * extra leading dims are summed away, dims of size 1 are summed with keepdim.
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.shape.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  return (dims.length ? g.sum(dims, true) : g).reshape(shape);
}
