/**
 * The WebGPU backend's kernels: every kernel of the `Kernels` interface with host arrays replaced
 * by `GpuStorage` (see kernels/common.ts, `GpuKernels`), float32 and int32. float64 is refused
 * with a message (gradcheck's dtype stays on the CPU backends).
 *
 * @example
 * const ctx = await GpuContext.create();          // navigator.gpu, or Dawn in Node
 * const K = webgpuKernels(ctx);
 * const x = ctx.upload(new Float32Array([1, -2, 3]));
 * const y = ctx.empty("float32", 3);
 * K.unary("relu", x, y);
 * await ctx.read(y);                              // Float32Array [1, 0, 3]
 */
import type { GpuContext } from "./context.js";
import type { GpuKernels } from "./kernels/common.js";
import { elementwiseKernels } from "./kernels/elementwise.js";
import { gemmKernels } from "./kernels/gemm.js";
import { indexingKernels } from "./kernels/indexing.js";
import { optimKernels } from "./kernels/optim.js";
import { reduceKernels } from "./kernels/reduce.js";
import { storageKernels } from "./kernels/storage.js";
import { selectKernels } from "./kernels/select.js";
import { embeddingKernels } from "./kernels/embedding.js";
import { normKernels } from "./kernels/norm.js";
import { convKernels } from "./kernels/conv.js";
import { poolKernels } from "./kernels/pool.js";
import { padKernels } from "./kernels/pad.js";
import { upsampleKernels } from "./kernels/upsample.js";
import { recurrentKernels } from "./kernels/recurrent.js";
import { sortKernels } from "./kernels/sort.js";

/**
 * The WebGPU kernels: every kernel of the interface but the fused attention pair, which the
 * attention ops call only on the CPU backends (the parity test's NOT_ON_WEBGPU, checked both ways). Typed Partial for the callers; `satisfies` checks here that none is missing.
 */
export function webgpuKernels(ctx: GpuContext): Partial<GpuKernels> {
  const all = {
    ...storageKernels(ctx),
    ...gemmKernels(ctx),
    ...elementwiseKernels(ctx),
    ...reduceKernels(ctx),
    ...indexingKernels(ctx),
    ...optimKernels(ctx),
    ...selectKernels(ctx),
    ...embeddingKernels(ctx),
    ...normKernels(ctx),
    ...convKernels(ctx),
    ...poolKernels(ctx),
    ...padKernels(ctx),
    ...upsampleKernels(ctx),
    ...recurrentKernels(ctx),
    ...sortKernels(ctx),
  } satisfies GpuKernels;
  return all;
}

export { GpuContext, createGpuContext, type ContextOptions } from "./context.js";
export { GpuStorage, GpuBufferPool, type GpuDType, type PoolStats } from "./storage.js";
export { acquireDevice, describeAdapter, noAdapterMessage, type GpuAdapterSummary } from "./device.js";
export type { GpuKernels } from "./kernels/common.js";
