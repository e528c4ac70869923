/**
 * Storage kernels on wasm: tensor storage lives in wasm memory — step temporaries under a budget
 * of their own, past which they are ordinary arrays (see WasmHeap). Fills and block copies are the typed arrays' own native
 * fill/set on the same memory — a wasm loop would not be faster — so they are the reference's
 * functions, registered here on purpose rather than counted as fallbacks.
 */
import { storage } from "../../js/storage.js";
import type { WasmFamily } from "../context.js";

export const storageFamily: WasmFamily = (ctx) => ({
  alloc: (dtype, n, persistent, uninitialized) => ctx.heap.alloc(dtype, n, !persistent, uninitialized),
  fill: storage.fill,
  copyBlocks: storage.copyBlocks,
  cast: storage.cast,
  // Persistent storage (parameters from a file, buffers) goes into wasm memory; temporaries stay as given.
  fromHost: (values, persistent) => {
    if (!persistent || values instanceof Float64Array) return values;
    const own = ctx.heap.alloc(values instanceof Int32Array ? "int32" : "float32", values.length);
    own.set(values);
    return own;
  },
  writeHost: storage.writeHost,
});
