/**
 * The wasm linear memory and a size-class allocator over it. Tensor storage handed out by
 * `alloc` is a typed-array view straight into the memory, so kernels run on pointers with no
 * copies; a FinalizationRegistry returns the block to its size-class free list once the view is
 * garbage-collected (users never dispose tensors).
 *
 * With a shared memory, growth never detaches existing views, so views can live forever. A
 * non-shared memory (no SharedArrayBuffer: pages that are not crossOriginIsolated) detaches all
 * views on growth, so in that mode `alloc` hands out ordinary arrays and kernels copy through
 * scratch blocks instead.
 *
 * Finalizers only run between tasks, so a loop that never yields (no `await`) cannot recycle
 * anything: past `softLimit` bytes, `alloc` hands out ordinary arrays too (correct, slower
 * copy path) until collected blocks come back.
 *
 * Step temporaries (activations, their gradients) are tensor storage too, under a budget of their
 * own: in wasm memory the kernels read and write them in place, where an ordinary array is copied
 * in and out around every kernel call (a quarter of a char-GPT step). The budget starts small
 * (`TEMPORARY_START`) and grows to `temporaryLimit` only once collected temporaries come back —
 * proof that the program yields and finalizers run. A loop that never yields thus holds at most
 * `TEMPORARY_START` bytes of wasm memory in temporaries and goes on in ordinary arrays, which the
 * garbage collector reclaims without the event loop: memory stays flat either way.
 */
import type { DType, TypedArray } from "../../tensor/dtype.js";
import { allocArray } from "../../tensor/dtype.js";

const PAGE = 65536;
/**
 * Set (to "1") in the test runs: an uninitialized block is filled with NaN instead of left as it
 * was, so a kernel that leaves an element of its output unwritten shows in every result.
 */
const POISON = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
  ?.GRADLAB_POISON_UNINITIALIZED;
/** Largest memory we ask for (4 GiB of address space; only touched pages cost RAM). */
export const MAX_PAGES = 65536;
/** Blocks are 64-byte aligned (cache lines, and any SIMD load is aligned to its own size). */
const ALIGN = 64;

/** The temporaries' budget before any collected temporary has come back (see the header). */
export const TEMPORARY_START = 32 * 2 ** 20;

/** Size class of a request: 64-byte multiples, at most 4 classes per power of two (≤25% waste). */
export function sizeClass(bytes: number): number {
  if (bytes <= ALIGN) return ALIGN;
  const p = 2 ** Math.floor(Math.log2(bytes - 1));
  const step = Math.max(ALIGN, p / 4);
  return Math.ceil(bytes / step) * step;
}

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  /** Every ArrayBuffer `memory.buffer` has returned (a new object after each growth). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private top: number;
  private readonly free = new Map<number, number[]>();
  private readonly registry = new FinalizationRegistry<number>((held) => this.releaseHeld(held));
  private readonly temporaries = new FinalizationRegistry<number>((held) => {
    const size = this.releaseHeld(held);
    this.temporaryBytes -= size;
    this.temporaryBudget = this.temporaryLimit; // finalizers run: the program yields
  });
  /** Bytes currently handed out (tensor storage + scratch), for tests and diagnostics. */
  liveBytes = 0;
  /** Of those, bytes of step temporaries, and how many the temporaries may hold now. */
  temporaryBytes = 0;
  private temporaryBudget: number;
  /** Tensor storage stops growing the memory past this many bytes (scratch may still). */
  softLimit: number;

  /**
   * `temporaryLimit`: the most step temporaries may hold once finalizers are seen to run (by
   * default a quarter of `softLimit`).
   */
  constructor(
    heapBase: number,
    memory: WebAssembly.Memory,
    shared: boolean,
    softLimit = 2 ** 30,
    readonly temporaryLimit = softLimit / 4,
  ) {
    this.memory = memory;
    this.shared = shared;
    this.softLimit = softLimit;
    this.temporaryBudget = Math.min(TEMPORARY_START, temporaryLimit);
    this.top = Math.ceil(heapBase / ALIGN) * ALIGN;
    this.buffers.add(memory.buffer);
  }

  /** Creates the memory: shared when SharedArrayBuffer exists, trying smaller maxima if needed. */
  static createMemory(wantShared: boolean): { memory: WebAssembly.Memory; shared: boolean; maxBytes: number } {
    if (wantShared && typeof SharedArrayBuffer !== "undefined") {
      for (const maximum of [MAX_PAGES, 16384, 4096]) {
        try {
          return {
            memory: new WebAssembly.Memory({ initial: 64, maximum, shared: true }),
            shared: true,
            maxBytes: maximum * PAGE,
          };
        } catch {
          /* address space too small: try a smaller reservation */
        }
      }
    }
    return {
      memory: new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES }),
      shared: false,
      maxBytes: MAX_PAGES * PAGE,
    };
  }

  /** The current buffer; re-read after anything that may grow memory. */
  get buffer(): ArrayBuffer {
    const b = this.memory.buffer;
    this.buffers.add(b);
    return b as ArrayBuffer;
  }

  /** Byte size of the memory. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** Pointer of an array that lives in this memory, or -1 for a foreign array. */
  ptrOf(a: ArrayBufferView): number {
    return this.buffers.has(a.buffer) ? a.byteOffset : -1;
  }

  /** A raw block of at least `bytes` bytes (not zeroed); the caller must `release` it. */
  allocRaw(bytes: number): number {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    let ptr = list?.pop();
    if (ptr === undefined) {
      ptr = this.top;
      const end = ptr + size;
      const have = this.memory.buffer.byteLength;
      if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE)); // throws RangeError when full
      this.top = end;
    }
    this.liveBytes += size;
    return ptr;
  }

  release(ptr: number, bytes: number): void {
    const size = sizeClass(bytes);
    this.liveBytes -= size;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(ptr);
  }

  /**
   * Tensor storage: a zeroed view into wasm memory, freed when the view is collected. float64
   * (gradcheck only; every kernel hands it to the JS reference), empty arrays, non-shared mode, a
   * full memory and a `temporary` past the temporaries' budget all get an ordinary array, which
   * every kernel also accepts. `uninitialized`: the caller writes every element before reading any,
   * so a recycled block keeps its old data (fresh memory is zero anyway).
   */
  alloc(dtype: DType, n: number, temporary = false, uninitialized = false): TypedArray {
    if (dtype === "float64" || n === 0 || !this.shared) return allocArray(dtype, n);
    const bytes = n * 4;
    const size = sizeClass(bytes);
    if (temporary && this.temporaryBytes + size > this.temporaryBudget) return allocArray(dtype, n);
    if (this.top + size > this.softLimit) {
      // Over the limit only a recycled block below it may become tensor storage (blocks above it
      // are scratch for the copy path; handing those out would creep the memory upwards).
      const list = this.free.get(size),
        last = list?.[list.length - 1];
      if (last === undefined || last + size > this.softLimit) return allocArray(dtype, n);
    }
    let ptr: number;
    try {
      ptr = this.allocRaw(bytes);
    } catch {
      return allocArray(dtype, n);
    }
    const arr = dtype === "int32" ? new Int32Array(this.buffer, ptr, n) : new Float32Array(this.buffer, ptr, n);
    // Recycled blocks hold old data.
    if (!uninitialized) arr.fill(0);
    else if (POISON === "1") dtype === "int32" ? arr.fill(-2147483648) : arr.fill(Number.NaN);
    // Held value packs (ptr, size class) into one number: both are multiples of 64 below 2^32.
    const held = (ptr / ALIGN) * 2 ** 26 + size / ALIGN;
    if (temporary) {
      this.temporaryBytes += size;
      this.temporaries.register(arr, held);
    } else this.registry.register(arr, held);
    return arr;
  }

  /** Frees the block a collected view held; returns its size class. */
  private releaseHeld(held: number): number {
    const size = (held % 2 ** 26) * ALIGN;
    this.release(Math.floor(held / 2 ** 26) * ALIGN, size);
    return size;
  }
}
