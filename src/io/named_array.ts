/**
 * Plain tensor records used by the serialisers in `src/io`.
 *
 * They deliberately know nothing about the Tensor class so that the file
 * formats can be tested (and used in a browser) without the autograd core.
 */

/** Element types a {@link NamedArray} can hold. */
export type NamedDType = "float32" | "int32" | "int64" | "float64";

/** The typed array that backs each {@link NamedDType}. */
export interface NamedDTypeArray {
  float32: Float32Array;
  int32: Int32Array;
  int64: BigInt64Array;
  float64: Float64Array;
}

/**
 * A dense, row-major ("C" order) array with a shape. `data.length` must equal
 * the product of `shape` (1 for a scalar, whose shape is `[]`).
 */
export interface NamedArray {
  shape: number[];
  dtype: NamedDType;
  data: Float32Array | Int32Array | Float64Array | BigInt64Array;
}

/**
 * Named arrays: a state dict as the file formats see it (plain arrays; the Tensor form is
 * `StateDict`, what `model.stateDict()` returns). A `Map` keeps insertion order,
 * which the encoders do not rely on (safetensors sorts by itself), but which
 * makes decoded files easy to iterate in file order.
 */
export type NamedArrays = Map<string, NamedArray>;

/** Either form is accepted wherever named arrays are read. */
export type NamedArraysLike = NamedArrays | Record<string, NamedArray>;

/** Normalises a {@link NamedArraysLike} into `[name, array]` pairs. */
export function namedArrayEntries(tensors: NamedArraysLike): [string, NamedArray][] {
  return tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
}

/** Product of a shape's dimensions; `[]` (a scalar) has one element. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** True on little-endian hosts, where typed arrays can be copied byte-for-byte. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
