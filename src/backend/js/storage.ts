/** Storage kernels, reference: allocation, fills, block copies and dtype casts. */
import { allocArray, type DType, type TypedArray } from "../../tensor/dtype.js";

import type { Storage } from "../../tensor/storage.js";

declare module "../kernels.js" {
  interface Kernels {
    /**
     * Storage for a new tensor, zero-filled. `persistent` marks storage that lives across training
     * steps (parameters, gradients, optimizer state, buffers): a backend with its own memory (wasm)
     * keeps those in it for good, and step temporaries only under a budget it can reclaim (the
     * rest are ordinary arrays the garbage collector reclaims even in a loop that never yields) —
     * so memory stays flat without dispose().
     * `uninitialized` says the caller's kernel writes every element before anything reads one: a
     * backend may then skip the zeroing (wasm does, for a recycled block).
     */
    alloc(dtype: DType, n: number, persistent?: boolean, uninitialized?: boolean): Storage;
    /** out[i] = value for every element. */
    fill(out: Storage, value: number): void;
    /**
     * `count` blocks of `len` elements: dst[dstOffset + b·dstStride + j] = src[srcOffset + b·srcStride + j].
     * One call covers a copy, narrow and its backward, and one input of a cat. Same dtype on both sides.
     */
    copyBlocks(
      src: Storage,
      srcOffset: number,
      srcStride: number,
      dst: Storage,
      dstOffset: number,
      dstStride: number,
      len: number,
      count: number,
    ): void;
    /** out[i] = x[i] converted to out's dtype (float → int32 truncates toward zero, as PyTorch). */
    cast(x: Storage, out: Storage): void;
    /**
     * Storage holding host values (creation ops, data loading): the array itself may become the
     * storage, so the caller must not keep writing to it. float64 stays a host array everywhere.
     */
    fromHost(values: TypedArray, persistent?: boolean): Storage;
    /** Overwrites `dst` with host values of the same length and dtype (loading a state dict). */
    writeHost(dst: Storage, values: TypedArray): void;
  }
}

export const storage = {
  alloc: (dtype: DType, n: number): TypedArray => allocArray(dtype, n),
  fill(out: TypedArray, value: number): void {
    out.fill(value);
  },
  copyBlocks(
    src: TypedArray,
    srcOffset: number,
    srcStride: number,
    dst: TypedArray,
    dstOffset: number,
    dstStride: number,
    len: number,
    count: number,
  ): void {
    for (let b = 0; b < count; b++) {
      const s = srcOffset + b * srcStride;
      dst.set(src.subarray(s, s + len), dstOffset + b * dstStride);
    }
  },
  fromHost: (values: TypedArray): TypedArray => values,
  writeHost(dst: TypedArray, values: TypedArray): void {
    dst.set(values);
  },
  cast(x: TypedArray, out: TypedArray): void {
    if (out instanceof Int32Array && !(x instanceof Int32Array))
      for (let i = 0; i < x.length; i++) out[i] = Math.trunc(x[i]);
    else out.set(x);
  },
};
