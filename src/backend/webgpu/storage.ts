/**
 * Device memory: a tensor's storage on WebGPU is a `GpuStorage` — one pooled GPUBuffer, its dtype
 * and its element count. Buffers come from a pool keyed by size class (powers of two in quarter
 * steps, so at most 25% is wasted) and go back to it when their storage is disposed or garbage
 * collected (a FinalizationRegistry), so a training loop that never calls dispose() still
 * reuses the same few buffers every step.
 *
 * The one hazard a pool has on WebGPU: commands are recorded now and run later, so a buffer
 * released while recorded-but-unsubmitted commands still use it must not be handed out (an
 * upload with queue.writeBuffer would land before those commands run). Released buffers wait in
 * `pending` until the batch that may use them is submitted; after that, queue order makes any
 * later write safe.
 */
/// <reference types="@webgpu/types" />

export type GpuDType = "float32" | "int32";
export type HostArray = Float32Array | Int32Array;

/** Bytes of size class `c`: 256 B, then 2^k·{1, 1.25, 1.5, 1.75}. */
export function classBytes(c: number): number {
  if (c === 0) return 256;
  const k = 8 + Math.floor((c - 1) / 4),
    q = (c - 1) % 4;
  return 2 ** k + q * 2 ** (k - 2);
}
/** The smallest class holding `bytes`. */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 0;
  const k = Math.floor(Math.log2(bytes));
  let c = (k - 8) * 4 + 1;
  while (classBytes(c) < bytes) c++;
  while (c > 1 && classBytes(c - 1) >= bytes) c--;
  return c;
}

interface Held {
  pool: GpuBufferPool;
  buffer: GPUBuffer;
  cls: number;
}
const finalizer = new FinalizationRegistry<Held>((h) => h.pool.release(h.buffer, h.cls));

export class GpuStorage {
  /** Where the elements live (the `DeviceStorage` handle the tensors hold). */
  readonly device = "webgpu" as const;
  /**
   * The values as last uploaded from the host, kept only when asked (index and target tensors):
   * kernels that validate indices check them here synchronously, with the reference's message.
   * Cleared when a kernel writes this storage.
   */
  host: HostArray | null = null;
  private released = false;

  constructor(
    readonly pool: GpuBufferPool,
    readonly buffer: GPUBuffer,
    readonly cls: number,
    readonly dtype: GpuDType,
    readonly length: number,
  ) {
    finalizer.register(this, { pool, buffer, cls }, this);
  }

  get byteLength(): number {
    return this.length * 4;
  }

  /** Returns the buffer to the pool now (optional: garbage collection does it otherwise). */
  dispose(): void {
    if (this.released) return;
    this.released = true;
    finalizer.unregister(this);
    this.pool.release(this.buffer, this.cls);
  }

  get disposed(): boolean {
    return this.released;
  }
}

export interface PoolStats {
  /** Bytes held by live storages. */
  bytesInUse: number;
  /** Bytes of free buffers kept for reuse (and of those waiting for their batch to be submitted). */
  bytesFree: number;
  buffersCreated: number;
  /** acquire() calls served from the free lists. */
  reused: number;
}

export class GpuBufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private pending: Array<[GPUBuffer, number]> = [];
  private stats: PoolStats = { bytesInUse: 0, bytesFree: 0, buffersCreated: 0, reused: 0 };

  constructor(
    private readonly device: GPUDevice,
    private readonly usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  ) {}

  acquire(bytes: number): { buffer: GPUBuffer; cls: number } {
    const cls = sizeClass(bytes);
    const size = classBytes(cls);
    const list = this.free.get(cls);
    this.stats.bytesInUse += size;
    if (list?.length) {
      this.stats.bytesFree -= size;
      this.stats.reused++;
      return { buffer: list.pop()!, cls };
    }
    this.stats.buffersCreated++;
    return { buffer: this.device.createBuffer({ size, usage: this.usage }), cls };
  }

  /** Back to the pool once the current batch is submitted (see the file's comment). */
  release(buffer: GPUBuffer, cls: number): void {
    const size = classBytes(cls);
    this.stats.bytesInUse -= size;
    this.stats.bytesFree += size;
    this.pending.push([buffer, cls]);
  }

  /** Called by the context right after it submits a batch. */
  submitted(): void {
    for (const [buffer, cls] of this.pending) {
      let list = this.free.get(cls);
      if (!list) this.free.set(cls, (list = []));
      list.push(buffer);
    }
    this.pending.length = 0;
  }

  /** Destroys every free buffer (memory back to the driver). */
  trim(): void {
    for (const list of this.free.values())
      for (const b of list) {
        this.stats.bytesFree -= b.size;
        b.destroy();
      }
    this.free.clear();
  }

  snapshot(): PoolStats {
    return { ...this.stats };
  }
}
