/**
 * Tensor storage as the backends own it. CPU backends (js, wasm) keep a tensor's elements in a host
 * typed array; a device backend (webgpu) keeps them in its own memory and hands out a handle —
 * ops and kernels pass either along without looking inside, and values are read explicitly
 * (`dataSync()` where the storage is on the host, `await t.data()` everywhere).
 */
import { type DType, dtypeOf, type FloatArray, type TypedArray } from "./dtype.js";

/** Where a tensor's elements live: host memory, or a GPU through WebGPU. */
export type Device = "cpu" | "webgpu";

/** A handle to elements kept by a device backend (a GPU buffer). */
export interface DeviceStorage {
  readonly device: Exclude<Device, "cpu">;
  readonly dtype: DType;
  /** Number of elements. */
  readonly length: number;
}

export type Storage = TypedArray | DeviceStorage;
/** Storage of floating-point elements. */
export type FloatStorage = FloatArray | DeviceStorage;
/** Storage of int32 elements (labels, indices). */
export type IntStorage = Int32Array | DeviceStorage;

/** True for host storage (a typed array the CPU can read). */
export const isHost = (s: Storage): s is TypedArray => ArrayBuffer.isView(s);
/**
 * `a` itself, or a copy of its own where `a` views a SharedArrayBuffer (the wasm backend's memory
 * with threads), which can be neither transferred nor handed to WebGPU's writeBuffer.
 */
export const unshared = <T extends TypedArray>(a: T): T =>
  typeof SharedArrayBuffer !== "undefined" && a.buffer instanceof SharedArrayBuffer ? (a.slice() as T) : a;
export const deviceOf = (s: Storage): Device => (isHost(s) ? "cpu" : s.device);
export const dtypeOfStorage = (s: Storage): DType => (isHost(s) ? dtypeOf(s) : s.dtype);
