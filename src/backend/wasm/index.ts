/**
 * The WebAssembly SIMD backend. `await initWasmBackend()` compiles the kernel module (relaxed
 * SIMD where the engine supports it), creates the shared memory and worker threads, and registers
 * the kernels as backend "wasm"; `setBackend("wasm")` then switches to it.
 *
 * In a browser, threads need `crossOriginIsolated` and are only useful inside a Web Worker (the
 * main thread may not block, so there the caller spins while workers run); elsewhere the
 * backend runs single-threaded.
 */
import type { Kernels } from "../kernels.js";
import { registerBackend } from "../registry.js";
import type { WasmContext, WasmFunction } from "./context.js";
import { makeKernels } from "./kernels/index.js";
import { compileKernels, compileKernelsSync, detectSimd, type SimdLevel } from "./loader.js";
import { WasmHeap } from "./memory.js";
import { ThreadPool } from "./pool.js";

export interface WasmBackendOptions {
  /** Threads for big gemm / elementwise calls, the caller included. Default min(2, cores). */
  threads?: number;
  /** Force a module variant, e.g. "simd" to test the portable one where relaxed is available. */
  simd?: SimdLevel;
  /** Use a non-shared memory (no threads; kernels copy through scratch). For tests. */
  unshared?: boolean;
  /**
   * Tensor storage in wasm memory stops growing past this (default 1024 MiB); beyond it tensors
   * get ordinary arrays until garbage-collected ones are recycled, which needs the event loop to
   * turn — a training loop should `await` now and then.
   */
  memoryLimitMB?: number;
  /**
   * Of that, the most step temporaries (activations and their gradients) may take once the program
   * is seen to yield (default a quarter of memoryLimitMB, at most all of it; 0 keeps them out); a
   * loop that never yields keeps them to 32 MiB. Past the budget they are ordinary arrays, copied in
   * and out around each kernel.
   */
  temporaryLimitMB?: number;
  /** Register under this name (default "wasm"). */
  name?: string;
}

/** What was loaded, for diagnostics and tests. */
export interface WasmBackendInfo {
  simd: SimdLevel;
  shared: boolean;
  /** Bytes of wasm memory and of live blocks in it. */
  memoryBytes(): number;
  liveBytes(): number;
  /** Of the live bytes, those of step temporaries. */
  temporaryBytes(): number;
  /** Calls the caller ran itself because a worker was late, and regions run alone on a busy machine. */
  poolStats(): { stolenCalls: number; asleepSteals: number; soloRegions: number; postedRegions: number };
  /** @internal The thread pool, for tests (its `hold` hook simulates a descheduled worker). */
  pool: ThreadPool | null;
}

let ctx: WasmContext | null = null;
let info: WasmBackendInfo | null = null;

/** min(2, cores): more threads than the 2 cores these machines have only adds contention. */
function defaultThreads(): number {
  let cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  // Node 20 has no `navigator`; getBuiltinModule keeps browsers from ever loading node: modules.
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (cores === undefined && proc?.getBuiltinModule) {
    cores = (proc.getBuiltinModule("node:os") as { availableParallelism(): number }).availableParallelism();
  }
  return Math.max(1, Math.min(2, cores ?? 1));
}

function setup(
  module: WebAssembly.Module,
  mem: ReturnType<typeof WasmHeap.createMemory>,
  level: SimdLevel,
  opts: WasmBackendOptions,
): Partial<Kernels> {
  const { memory, shared, maxBytes } = mem;
  const ex = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Record<string, WasmFunction>;
  // Tensor storage may use at most 3/4 of what the memory can grow to: the copy path's scratch
  // blocks need the rest (a browser may only grant a 256 MiB reservation).
  const softLimit = Math.min((opts.memoryLimitMB ?? 1024) * 2 ** 20, 0.75 * maxBytes);
  const temporaries = opts.temporaryLimitMB;
  if (temporaries !== undefined && !(temporaries >= 0)) {
    throw new Error(
      `initWasmBackend: temporaryLimitMB must be a number of MiB ≥ 0 (0 keeps step temporaries out of wasm memory), got ${temporaries}`,
    );
  }
  const heap = new WasmHeap(
    ex.heapBase() as number,
    memory,
    shared,
    softLimit,
    temporaries === undefined ? undefined : Math.min(temporaries * 2 ** 20, softLimit), // undefined: the heap's default
  );
  const scratchBytes = (ex.gemmScratchFloats() as number) * 4;
  const pool = ThreadPool.supported(heap)
    ? new ThreadPool(module, heap, heap.allocRaw(ThreadPool.bytesNeeded()), scratchBytes)
    : null;
  if (ctx?.pool) ctx.pool.shrink(0);
  pool?.bindCaller(ex);
  ctx = { ex, heap, pool, scratch: heap.allocRaw(scratchBytes), threads: 1 };
  info = {
    simd: level,
    shared,
    memoryBytes: () => heap.byteLength,
    liveBytes: () => heap.liveBytes,
    temporaryBytes: () => heap.temporaryBytes,
    pool,
    poolStats: () => ({
      stolenCalls: pool?.stolenCalls ?? 0,
      asleepSteals: pool?.asleepSteals ?? 0,
      soloRegions: pool?.soloRegions ?? 0,
      postedRegions: pool?.postedRegions ?? 0,
    }),
  };
  const kernels = makeKernels(ctx);
  registerBackend(opts.name ?? "wasm", kernels);
  return kernels;
}

function simdLevel(opts: WasmBackendOptions): SimdLevel {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    ?.GRADLAB_WASM_SIMD;
  const detected = detectSimd();
  const level = opts.simd ?? (env === "simd" && detected ? "simd" : detected);
  if (!level) throw new Error('wasm backend: this engine has no WebAssembly SIMD support; use the "js" backend');
  return level;
}

/**
 * Loads the wasm backend and registers it, resolving once its worker threads run. Rejects when
 * the engine has no wasm SIMD (use the "js" backend then). Calling it again re-initialises from scratch.
 */
export async function initWasmBackend(opts: WasmBackendOptions = {}): Promise<Partial<Kernels>> {
  const level = simdLevel(opts);
  const mem = WasmHeap.createMemory(!opts.unshared);
  const kernels = setup(await compileKernels(level, mem.shared), mem, level, opts);
  await setNumThreadsAsync(opts.threads ?? defaultThreads());
  return kernels;
}

/**
 * The same, synchronously (what `import "gradlab"` runs to make wasm the default backend);
 * worker threads start in the background and join as they become ready.
 */
export function initWasmBackendSync(opts: WasmBackendOptions = {}): Partial<Kernels> {
  const level = simdLevel(opts);
  const mem = WasmHeap.createMemory(!opts.unshared);
  const kernels = setup(compileKernelsSync(level, mem.shared), mem, level, opts);
  setNumThreads(opts.threads ?? defaultThreads());
  return kernels;
}

/**
 * Sets how many threads big kernels use (the caller included). Workers start in the
 * background; until they are ready, calls use the threads that are. Without shared memory or
 * workers this is a no-op beyond 1.
 */
export function setNumThreads(n: number): void {
  // A worker that cannot start (a CSP forbidding blob: workers, Node's permission model) leaves
  // the backend on the threads it has; it must not end the process as an unhandled rejection.
  setNumThreadsAsync(n).catch(() => {});
}

/** Like setNumThreads, resolving once the requested workers are running. */
export async function setNumThreadsAsync(n: number): Promise<void> {
  if (!ctx) throw new Error("wasm backend: call initWasmBackend() first");
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`setNumThreads: the thread count must be a positive integer, got ${n}`);
  const want = n;
  ctx.threads = ctx.pool ? want : 1;
  if (ctx.pool) await ctx.pool.grow(ctx.threads - 1);
}

/** Threads big kernels use now (requested, capped by the workers that are running). */
export function getNumThreads(): number {
  if (!ctx) return 1;
  return ctx.pool ? Math.min(ctx.threads, ctx.pool.readyCount + 1) : 1;
}

/** Details of the loaded backend, or null before initWasmBackend. */
export function wasmBackendInfo(): WasmBackendInfo | null {
  return info;
}
