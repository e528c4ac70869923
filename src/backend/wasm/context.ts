/**
 * What every wasm kernel family shares: the module's exports, the heap, the thread pool, and the
 * helpers that marshal arguments (`withFrame`) and split work across threads (`parallelRange`).
 * A family is a function of this context returning the kernels it implements
 * (`src/backend/wasm/kernels/<family>.ts`, listed in `kernels/index.ts`).
 */
import type { HostKernels } from "../kernels.js";
import { Frame } from "./frame.js";
import type { WasmHeap } from "./memory.js";
import type { ThreadPool } from "./pool.js";

/** A kernel module export: pointers, sizes and flags are plain numbers. */
export type WasmFunction = (...args: number[]) => number | void;

export interface WasmContext {
  /** The module's exported kernels by name (each family types the ones it calls). */
  ex: Record<string, WasmFunction>;
  heap: WasmHeap;
  pool: ThreadPool | null;
  /** gemm scratch block of the calling thread. */
  scratch: number;
  /** Threads requested by setNumThreads (the caller counts as one). */
  threads: number;
}

/** A kernel family's wasm glue. */
export type WasmFamily = (ctx: WasmContext) => Partial<HostKernels>;

/** Elementwise calls split across threads from this many elements. */
export const ELEMENTWISE_PARALLEL = 1 << 16;

/** True when every argument is a Float32Array (what the wasm kernels compute on). */
export const f32 = (...xs: unknown[]): boolean => xs.every((x) => x instanceof Float32Array);

/** Runs `body` with a fresh argument frame, copying outputs back and freeing scratch after. */
export function withFrame<T>(ctx: WasmContext, body: (f: Frame) => T): T {
  const f = new Frame(ctx.heap);
  try {
    return body(f);
  } finally {
    f.close();
  }
}

/** Threads usable now: requested, capped by the workers that have finished starting. */
export function threadsNow(ctx: WasmContext): number {
  return ctx.pool ? Math.min(ctx.threads, ctx.pool.readyCount + 1) : 1;
}

/**
 * Runs export `fn` over [0, n) on up to threadsNow() threads in 4-aligned chunks (one thread
 * below ELEMENTWISE_PARALLEL elements); `call(start, len)` returns the argument list for one chunk.
 */
export function parallelRange(
  ctx: WasmContext,
  fn: string,
  n: number,
  call: (start: number, len: number) => number[],
): void {
  const t = n >= ELEMENTWISE_PARALLEL ? threadsNow(ctx) : 1;
  const run = ctx.ex[fn];
  if (t <= 1) {
    run(...call(0, n));
    return;
  }
  const chunk = Math.ceil(n / t / 4) * 4;
  const calls: number[][] = [];
  for (let s = chunk; s < n; s += chunk) calls.push(call(s, Math.min(chunk, n - s)));
  ctx.pool!.run(fn, calls, () => run(...call(0, Math.min(chunk, n))));
}
