/**
 * A model's state dict as safetensors bytes and back, for browsers (no files): PyTorch's
 * `torch.save(model.state_dict(), f)` / `model.load_state_dict(torch.load(f))` with bytes in and out.
 * Node's `save(sd, path)` / `load(path)` in `gradlab/node` use the same encoding.
 */
import { checkStateDict, type StateDict } from "../nn/module.js";
import type { TypedArray } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import type { NamedArray, NamedArrays } from "./named_array.js";
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type SafetensorsMetadata } from "./safetensors.js";

export type { StateDict } from "../nn/module.js";

/**
 * Encodes a state dict as safetensors bytes (the browser's `torch.save`): keys as given, float32 and
 * float64 as F32/F64, int32 as I64 (PyTorch's integer tensors, e.g. BatchNorm's `num_batches_tracked`,
 * are int64), metadata `{ format: "pt" }` plus yours. `safetensors.torch.load_file` reads the result.
 *
 * @example
 * const bytes = io.saveBytes(model.stateDict());              // Uint8Array
 * model.loadStateDict(io.loadBytes(bytes));
 */
export function saveBytes(sd: StateDict, metadata: SafetensorsMetadata = {}): Uint8Array {
  checkStateDict(sd, "saveBytes");
  const arrays: NamedArrays = new Map();
  for (const [k, t] of Object.entries(sd)) {
    const shape = [...t.shape];
    if (t.dtype === "int32") {
      arrays.set(k, { shape, dtype: "int64", data: BigInt64Array.from(t.dataSync(), (v) => BigInt(v)) });
    } else if (t.dtype === "float64") arrays.set(k, { shape, dtype: "float64", data: Float64Array.from(t.dataSync()) });
    else arrays.set(k, { shape, dtype: "float32", data: Float32Array.from(t.dataSync()) });
  }
  return encodeSafetensors(arrays, { format: "pt", ...metadata });
}

/**
 * Decodes safetensors bytes (from {@link saveBytes}, PyTorch's `safetensors.torch.save_file`, ...) into a
 * state dict for `model.loadStateDict` (the browser's `torch.load`). Integer tensors become int32 (gradlab
 * has no int64; a value outside int32's range is an error), float64 stays float64, half precision widens
 * to float32.
 *
 * @param source - How errors name the bytes, e.g. a file name.
 * @throws {@link SafetensorsError} for malformed bytes or an int64 value int32 cannot hold.
 */
export function loadBytes(bytes: Uint8Array, source = "safetensors data"): StateDict {
  const sd: StateDict = {};
  for (const [k, a] of decodeSafetensors(bytes, { source }).tensors) {
    // defineProperty: a key named "__proto__" stays a key.
    const value = toTensor(k, a, source);
    Object.defineProperty(sd, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return sd;
}

function toTensor(key: string, a: NamedArray, source: string): Tensor {
  let data: TypedArray;
  if (a.dtype === "int64") {
    const src = a.data as BigInt64Array;
    const out = new Int32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      if (v > 2147483647n || v < -2147483648n) {
        throw new SafetensorsError(`${source}: tensor "${key}" holds ${v}, outside int32, gradlab's integer type`);
      }
      out[i] = Number(v);
    }
    data = out;
  } else data = a.data as TypedArray;
  return new Tensor(data, [...a.shape]);
}
