/**
 * The kernel interface: everything gradlab computes goes through these functions, on flat
 * row-major storage. Kernels are grouped in families, and each family declares its own kernels
 * by augmenting this interface from its JS reference file (`src/backend/js/<family>.ts`), so a new
 * family adds files and one line per backend's list, never an edit here. The JS reference
 * implements every kernel; other backends implement any subset and the registry runs the rest on
 * the reference, counted. No autograd here: kernels are pure array functions.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by the families
export interface Kernels {}

import type { TypedArray } from "../tensor/dtype.js";
import type { DeviceStorage } from "../tensor/storage.js";

export type KernelName = keyof Kernels;

/** Op names, from the shared op-code table. */
export type { UnaryOp, BinaryOp } from "./js/elementwise.js";
export type { ReduceOp } from "./js/reduce.js";
export type { GemmArgs } from "./js/gemm.js";
export type { SgdArgs, AdamArgs } from "./js/optim.js";

/**
 * The kernel interface as a CPU backend implements it: every storage parameter is a host typed
 * array (a CPU backend never receives a device's storage: tensors on a device run on its backend).
 */
type OnHost<T> = DeviceStorage extends T
  ? Exclude<T, DeviceStorage>
  : T extends TypedArray
    ? T
    : T extends number | string | boolean | null | undefined
      ? T
      : T extends readonly (infer U)[]
        ? readonly OnHost<U>[]
        : T extends object
          ? { [K in keyof T]: OnHost<T[K]> }
          : T;
type OnHostFn<F> = F extends (...args: infer A) => infer R
  ? (...args: { [I in keyof A]: OnHost<A[I]> }) => OnHost<R>
  : never;
export type HostKernels = { [K in keyof Kernels]: OnHostFn<Kernels[K]> };
