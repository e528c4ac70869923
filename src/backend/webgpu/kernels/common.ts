/** Shared pieces of the WGSL kernels: binding headers, dtype conversions, the kernel type map. */
import type { Kernels } from "../../kernels.js";
import type { DeviceStorage } from "../../../tensor/storage.js";
import type { GpuStorage } from "../storage.js";

/**
 * The Kernels interface with every host array replaced by GPU storage: same names, same other
 * parameters, same semantics (`kernels.gemm({ a, b, c, ... })` with `a`, `b`, `c` GpuStorage).
 */
type OnGpu<T> = DeviceStorage extends T
  ? GpuStorage | Extract<T, null | undefined>
  : T extends Float32Array | Float64Array | Int32Array
    ? T
    : // host values (fromHost, writeHost) stay on the host
      T extends number | string | boolean | null | undefined
      ? T
      : T extends readonly (infer U)[]
        ? readonly OnGpu<U>[]
        : T extends object
          ? { [K in keyof T]: OnGpu<T[K]> }
          : T;
type OnGpuFn<F> = F extends (...args: infer A) => infer R
  ? (...args: { [I in keyof A]: OnGpu<A[I]> }) => OnGpu<R>
  : never;
/**
 * Kernels only the CPU backends implement: fused ops whose callers run the composite ops on a device
 * (ops/attention.ts checks the device), so a GPU backend need not provide them.
 */
type HostOnly = "attentionForward" | "attentionBackward";
export type GpuKernels = { [K in Exclude<keyof Kernels, HostOnly>]: OnGpuFn<Kernels[K]> };

export type Access = "read" | "read_write";
/**
 * `struct P { fields }` at binding 0, then storage arrays at bindings 1.. in order.
 * Every declared binding must be used by the shader (layout "auto" drops unused ones).
 */
export function header(fields: string, binds: ReadonlyArray<readonly [string, Access, string?]>): string {
  return `struct P { ${fields} }
@group(0) @binding(0) var<uniform> p: P;
${binds.map(([name, access, type], i) => `@group(0) @binding(${i + 1}) var<storage, ${access}> ${name}: array<${type ?? "f32"}>;`).join("\n")}
`;
}

/** WGSL converting f32 to int32 as a JS Int32Array store of Math.trunc(x) does (NaN, ±inf → 0; wraps mod 2^32). */
export const WGSL_F2I = /* wgsl */ `
fn f2i(x: f32) -> i32 {
  if (is_nan(x) || is_inf(x)) { return 0; }
  let t = trunc(x);
  if (abs(t) < 2147483648.0) { return i32(t); }
  let r = t - floor(t / 4294967296.0) * 4294967296.0;
  return bitcast<i32>(u32(r));
}`;

/** Arrays bound as u32 are read per dtype: these give a value as f32 / store an f32 per dtype. */
export function loadF(dtype: string, expr: string): string {
  return dtype === "int32" ? `f32(bitcast<i32>(${expr}))` : `bitcast<f32>(${expr})`;
}
export function storeF(dtype: string, expr: string): string {
  return dtype === "int32" ? `bitcast<u32>(f2i(${expr}))` : `bitcast<u32>(${expr})`;
}

/** The bits a fill writes: the value converted as the host's typed array would. */
export function bitsOf(dtype: string, value: number): number {
  return dtype === "int32"
    ? new Uint32Array(new Int32Array([value]).buffer)[0]
    : new Uint32Array(new Float32Array([value]).buffer)[0];
}

/**
 * Merges dims that every operand walks contiguously and drops size-1 dims, so broadcasts and
 * permutes of any rank fit the kernels' 8 dims (strides per operand; 0 = broadcast).
 */
export function collapse(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outS: number[] = [];
  const outT: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outS.length - 1;
    if (last >= 0 && strides.every((st, k) => outT[k][last] === st[d] * shape[d])) {
      outS[last] *= shape[d];
      strides.forEach((st, k) => {
        outT[k][last] = st[d];
      });
    } else {
      outS.push(shape[d]);
      strides.forEach((st, k) => outT[k].push(st[d]));
    }
  }
  return { shape: outS, strides: outT };
}

export const MAX_RANK = 8;
/** 8 u32 (two vec4 in WGSL) for a shape or stride list. */
export function pad8(xs: readonly number[], what: string): number[] {
  if (xs.length > MAX_RANK)
    throw new Error(`WebGPU ${what}: ${xs.length} dims after merging contiguous ones; at most ${MAX_RANK}`);
  return [...xs, ...new Array<number>(MAX_RANK - xs.length).fill(0)];
}
export const U8 = "uuuuuuuu";
/** WGSL reading element d of an `array<vec4<u32>, 2>` uniform field. */
export const at8 = (field: string, d: string): string => `p.${field}[${d} / 4u][${d} % 4u]`;
