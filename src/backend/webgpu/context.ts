/**
 * The WebGPU context: one device, its buffer pool, the pipeline cache and the command batch.
 *
 * - Pipelines: a kernel is a key (name + specialization, e.g. "gemm:tA1:tB0:bias:relu") and a
 *   function producing its WGSL; the first dispatch compiles it, every later one reuses it.
 *   Sizes, offsets and scalars travel as uniforms, so shapes never cause a recompile.
 * - Batching: dispatches are recorded into one command encoder (one compute pass) and submitted
 *   when something reads back, when `flush()` is called, or every `maxBatch` dispatches. Each
 *   dispatch's uniforms take a 256-byte slot of one host arena, written to its GPU buffer by one
 *   writeBuffer just before the submit (queue order keeps the previous batch's slots intact).
 * - Errors: kernels that validate indices record the first bad one in a small device buffer;
 *   every read checks it and throws the reference's message (like CUDA, an error surfaces at the
 *   next synchronizing call). WebGPU validation errors surface the same way.
 */
/// <reference types="@webgpu/types" />
import { acquireDevice, type AcquireOptions, type GpuAdapterSummary } from "./device.js";
import { GpuBufferPool, GpuStorage, type GpuDType, type HostArray } from "./storage.js";
import { unshared } from "../../tensor/storage.js";
import { WGSL_MATH } from "./wgsl_math.js";

export const SLOT = 256;
export const WG = 256;

/** A kernel source: its cache key and its WGSL (without the shared math prelude). */
export interface KernelSource {
  key: string;
  code: () => string;
}

/** A storage binding: read-only unless `w`. "errors" binds the context's error buffer. */
export type Bind = GpuStorage | { s: GpuStorage; w: true } | "errors";

/** Error codes kernels write to the error buffer, and the reference's message for each. */
export const ERR = {
  crossEntropyTarget: 1,
  gatherIndex: 2,
  scatterAddIndex: 3,
  embeddingIndex: 4,
  // multinomial: a bad weight (value = its f32 bits, size = row, at = category), a zero row, too few positive weights
  multinomialWeight: 5,
  multinomialZeroRow: 6,
  multinomialTooFew: 7,
} as const;
/** The message for a kernel's error; `at` is the 4th word (a position, where the message names one). */
export function errorMessage(code: number, value: number, size: number, at = 0): string {
  switch (code) {
    case ERR.embeddingIndex:
      return (
        `embedding: index ${value} (at position ${at}) is out of range for an embedding table of ` +
        `${size} rows (numEmbeddings); indices must be in 0..${size - 1} — is the vocabulary larger than the table?`
      );
    case ERR.multinomialWeight:
      return (
        `multinomial: row ${size} has the weight ${new Float32Array(new Int32Array([value]).buffer)[0]} ` +
        `at category ${at}; weights must be finite and ≥ 0 (pass probabilities, e.g. softmax(logits), not logits)`
      );
    case ERR.multinomialZeroRow:
      return `multinomial: row ${size} sums to 0 — every category has weight 0, so there is nothing to draw`;
    case ERR.multinomialTooFew:
      return (
        `multinomial: row ${size} has only ${value} categories with a positive weight, too few for ` +
        `${at} samples without replacement`
      );
    case ERR.crossEntropyTarget:
      return `cross_entropy: target ${value} is out of bounds for ${size} classes (expected 0..${size - 1})`;
    case ERR.gatherIndex:
      return `gather: index ${value} is out of bounds for a dim of size ${size}`;
    case ERR.scatterAddIndex:
      return `scatterAdd: index ${value} is out of bounds for a dim of size ${size}`;
    default:
      return `WebGPU kernel error ${code} (value ${value}, size ${size})`;
  }
}
/** WGSL a validating kernel includes: `report(code, value, size)` keeps the first error. */
export const WGSL_ERRORS = (binding: number): string => `
@group(0) @binding(${binding}) var<storage, read_write> errs: array<atomic<u32>, 4>;
fn report(code: u32, value: i32, size: u32) {
  let r = atomicCompareExchangeWeak(&errs[0], 0u, code);
  if (r.exchanged) { atomicStore(&errs[1], bitcast<u32>(value)); atomicStore(&errs[2], size); }
}
fn report_at(code: u32, value: i32, size: u32, at: u32) {
  let r = atomicCompareExchangeWeak(&errs[0], 0u, code);
  if (r.exchanged) { atomicStore(&errs[1], bitcast<u32>(value)); atomicStore(&errs[2], size); atomicStore(&errs[3], at); }
}`;

export interface ContextOptions extends AcquireOptions {
  /** Dispatches recorded before a submit (default 64). */
  maxBatch?: number;
}

export function refuseFloat64(what: string): never {
  throw new Error(
    `WebGPU: ${what} is float64, which WGSL cannot compute in; float64 (gradcheck's dtype) stays on the ` +
      'CPU backends — use float32 here, or setBackend("js" | "wasm") for float64',
  );
}

export function dtypeOfHost(a: ArrayBufferView): GpuDType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Float64Array) refuseFloat64("this array");
  throw new Error(`WebGPU: cannot store a ${a.constructor.name}: float32 and int32 only`);
}

/**
 * queue.writeBuffer of a host array. The wasm backend keeps tensors in a SharedArrayBuffer, which
 * writeBuffer does not take (Dawn refuses it): those are copied to an ordinary buffer first.
 */
function writeUnshared(device: GPUDevice, dst: GPUBuffer, data: HostArray): void {
  const src = unshared(data);
  device.queue.writeBuffer(dst, 0, src.buffer as ArrayBuffer, src.byteOffset, src.byteLength);
}

export class GpuContext {
  readonly pool: GpuBufferPool;
  private readonly readPool: GpuBufferPool;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatches = 0;
  private readonly maxBatch: number;
  private readonly arena: ArrayBuffer;
  private readonly arenaU32: Uint32Array;
  private readonly arenaI32: Int32Array;
  private readonly arenaF32: Float32Array;
  private readonly uniforms: GPUBuffer;
  private readonly errs: GPUBuffer;
  private deviceError: string | null = null;
  /** Holds the GPU object (Dawn's instance in Node) alive as long as this context. */
  gpu: GPU | null = null;
  /** Counters for tests and benchmarks. */
  readonly counters = { dispatches: 0, submits: 0, pipelinesCompiled: 0, reads: 0, aliasCopies: 0 };

  static async create(opts: ContextOptions = {}): Promise<GpuContext> {
    const { device, adapter, gpu } = await acquireDevice(opts);
    const ctx = new GpuContext(device, adapter, opts);
    ctx.gpu = gpu;
    return ctx;
  }

  constructor(
    readonly device: GPUDevice,
    readonly adapter: GpuAdapterSummary,
    opts: ContextOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 64;
    this.pool = new GpuBufferPool(device);
    this.readPool = new GpuBufferPool(device, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    this.arena = new ArrayBuffer(this.maxBatch * SLOT);
    this.arenaU32 = new Uint32Array(this.arena);
    this.arenaI32 = new Int32Array(this.arena);
    this.arenaF32 = new Float32Array(this.arena);
    this.uniforms = device.createBuffer({
      size: this.maxBatch * SLOT,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.errs = device.createBuffer({
      size: 16,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    device.addEventListener("uncapturederror", (e) => {
      const msg = (e as GPUUncapturedErrorEvent).error.message;
      this.deviceError ??= msg;
    });
  }

  // ---- storage ----

  /** Uninitialised storage for `length` elements (kernels that write in full need no zeroing). */
  empty(dtype: GpuDType | "float64", length: number): GpuStorage {
    if (dtype === "float64") refuseFloat64("a new tensor");
    const { buffer, cls } = this.pool.acquire(Math.max(length, 1) * 4);
    return new GpuStorage(this.pool, buffer, cls, dtype, length);
  }

  /** Copies a host array into new storage. `keepHostCopy` keeps a copy for host-side index checks. */
  upload(data: HostArray | Float64Array, opts: { keepHostCopy?: boolean } = {}): GpuStorage {
    const s = this.empty(dtypeOfHost(data), data.length);
    if (data.length) writeUnshared(this.device, s.buffer, data as HostArray);
    if (opts.keepHostCopy) s.host = data.slice() as HostArray;
    return s;
  }

  /** Overwrites existing storage from the host, after every recorded command that may use it. */
  write(s: GpuStorage, data: HostArray): void {
    if (data.length !== s.length || dtypeOfHost(data) !== s.dtype) {
      throw new Error(`WebGPU write: ${data.constructor.name}(${data.length}) into ${s.dtype} storage of ${s.length}`);
    }
    if (this.encoder) this.flush();
    if (data.length) writeUnshared(this.device, s.buffer, data);
    s.host = null;
  }

  /** The storage's values on the host; submits what is recorded. Throws a kernel's recorded error. */
  async read(s: GpuStorage): Promise<HostArray> {
    this.counters.reads++;
    const bytes = Math.max(s.byteLength, 4);
    const staging = this.readPool.acquire(bytes + 16);
    const enc = this.encoderForCopy();
    enc.copyBufferToBuffer(s.buffer, 0, staging.buffer, 0, bytes);
    enc.copyBufferToBuffer(this.errs, 0, staging.buffer, bytes, 16);
    this.flush();
    await staging.buffer.mapAsync(GPUMapMode.READ);
    const mapped = staging.buffer.getMappedRange();
    const out = s.dtype === "float32" ? new Float32Array(s.length) : new Int32Array(s.length);
    out.set(s.dtype === "float32" ? new Float32Array(mapped, 0, s.length) : new Int32Array(mapped, 0, s.length));
    const [code, value, size, at] = new Int32Array(mapped, bytes, 4);
    staging.buffer.unmap();
    this.readPool.release(staging.buffer, staging.cls);
    this.readPool.submitted();
    this.throwIfFailed(code, value, size, at);
    return out;
  }

  /** Waits for the device and throws a recorded kernel or validation error. */
  async sync(): Promise<void> {
    const probe = this.empty("int32", 1);
    try {
      await this.read(probe);
    } finally {
      probe.dispose();
    }
  }

  private throwIfFailed(code: number, value: number, size: number, at: number): void {
    if (code !== 0) {
      this.device.queue.writeBuffer(this.errs, 0, new Uint32Array(4));
      throw new Error(errorMessage(code, value, size, at));
    }
    if (this.deviceError) {
      const msg = this.deviceError;
      this.deviceError = null;
      throw new Error(`WebGPU: ${msg}`);
    }
  }

  // ---- pipelines and dispatch ----

  pipeline(src: KernelSource): GPUComputePipeline {
    let p = this.pipelines.get(src.key);
    if (!p) {
      const module = this.device.createShaderModule({ code: WGSL_MATH + src.code(), label: src.key });
      p = this.device.createComputePipeline({
        layout: "auto",
        compute: { module, entryPoint: "main" },
        label: src.key,
      });
      this.pipelines.set(src.key, p);
      this.counters.pipelinesCompiled++;
    }
    return p;
  }

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  private encoderForCopy(): GPUCommandEncoder {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  /**
   * Records one dispatch. `format` gives the uniform fields' types in order ("u" u32, "i" i32,
   * "f" f32), matching the kernel's `struct P`; bindings follow the uniform at binding 0 in
   * order. A buffer bound for reading that is also written (x and out the same storage) is read
   * from a copy, since WebGPU forbids that aliasing.
   */
  dispatch(
    src: KernelSource,
    format: string,
    values: readonly number[],
    bind: readonly Bind[],
    groups: readonly number[],
  ): void {
    if (format.length !== values.length || format.length * 4 > SLOT)
      throw new Error(`WebGPU ${src.key}: bad uniform list`);
    const pipeline = this.pipeline(src);
    const written = new Set<GPUBuffer>();
    for (const b of bind) {
      if (typeof b === "object" && "w" in b) {
        if (written.has(b.s.buffer)) throw new Error(`WebGPU ${src.key}: the same storage is passed as two outputs`);
        written.add(b.s.buffer);
        b.s.host = null;
      }
    }
    const buffers: GPUBuffer[] = [];
    let copies: GpuStorage[] | null = null;
    for (const b of bind) {
      if (b === "errors") {
        buffers.push(this.errs);
        continue;
      }
      if ("w" in b) {
        buffers.push(b.s.buffer);
        continue;
      }
      if (written.has(b.buffer)) {
        const tmp = this.empty(b.dtype, b.length);
        this.encoderForCopy().copyBufferToBuffer(b.buffer, 0, tmp.buffer, 0, Math.max(b.byteLength, 4));
        (copies ??= []).push(tmp);
        this.counters.aliasCopies++;
        buffers.push(tmp.buffer);
      } else buffers.push(b.buffer);
    }
    const slot = this.dispatches;
    const base = (slot * SLOT) / 4;
    for (let i = 0; i < format.length; i++) {
      const v = values[i];
      if (format[i] === "f") this.arenaF32[base + i] = v;
      else if (format[i] === "i") this.arenaI32[base + i] = v;
      else this.arenaU32[base + i] = v;
    }
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: this.uniforms, offset: slot * SLOT, size: SLOT } },
    ];
    buffers.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer } }));
    const group = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    this.encoder ??= this.device.createCommandEncoder();
    this.pass ??= this.encoder.beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, group);
    this.pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
    this.dispatches++;
    this.counters.dispatches++;
    // Temporaries go back to the pool as pending: reusable once this batch is submitted.
    if (copies) for (const t of copies) t.dispose();
    if (this.dispatches >= this.maxBatch) this.flush();
  }

  /** Submits everything recorded. */
  flush(): void {
    if (!this.encoder) return;
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    if (this.dispatches) this.device.queue.writeBuffer(this.uniforms, 0, this.arena, 0, this.dispatches * SLOT);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.dispatches = 0;
    this.counters.submits++;
    this.pool.submitted();
  }

  destroy(): void {
    this.flush();
    this.pool.trim();
    this.device.destroy();
  }
}

/** Workgroups for `n` threads of WG each: x ≤ 65535, the rest in y (kernels use `flatIndex`). */
export function grid(n: number, wg = WG): [number, number] {
  const groups = Math.max(1, Math.ceil(n / wg));
  if (groups <= 65535) return [groups, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y];
}

/** The WGSL header of a 1-D elementwise kernel: `i` is the flat thread index. */
export const FLAT = (wg = WG): string => `
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${wg}u;`;

export async function createGpuContext(opts?: ContextOptions): Promise<GpuContext> {
  return GpuContext.create(opts);
}
