/**
 * Argument marshalling for one kernel call. Arrays already in wasm memory pass as pointers;
 * foreign float32/int32 arrays (made by the JS backend, or any array in non-shared mode) are
 * copied into scratch blocks and, for outputs, copied back when the frame closes.
 */
import type { WasmHeap } from "./memory.js";

type Array32 = Float32Array | Int32Array;
interface CopyBack {
  arr: Array32;
  off: number;
  len: number;
  ptr: number;
}

export class Frame {
  private readonly temps: Array<[number, number]> = [];
  private readonly backs: CopyBack[] = [];
  /** Foreign arrays copied in by `in`, so an operand passed twice (a layer's dX and dW) is copied once. */
  private readonly ins: CopyBack[] = [];
  constructor(private readonly heap: WasmHeap) {}

  /** Pointer to `len` elements of `a` from `off`, for reading. */
  in(a: Array32, off = 0, len = a.length - off): number {
    const p = this.heap.ptrOf(a);
    if (p >= 0) return p + off * 4;
    const seen = this.ins.find((c) => c.arr === a && c.off === off && c.len === len);
    if (seen) return seen.ptr;
    const ptr = this.copyIn(a, off, len);
    this.ins.push({ arr: a, off, len, ptr });
    return ptr;
  }

  /**
   * Pointer for an array the kernel writes (and may read). Foreign arrays are copied in as well
   * as back, so elements a kernel leaves untouched keep their values.
   */
  out(a: Array32, off = 0, len = a.length - off): number {
    const p = this.heap.ptrOf(a);
    if (p >= 0) return p + off * 4;
    // A block of its own, never shared with a read-only operand of the same call.
    const ptr = this.copyIn(a, off, len);
    this.backs.push({ arr: a, off, len, ptr });
    return ptr;
  }

  /** Like `out`, for an array the kernel overwrites entirely without reading it (no copy in). */
  overwrite(a: Array32, off = 0, len = a.length - off): number {
    const p = this.heap.ptrOf(a);
    if (p >= 0) return p + off * 4;
    const ptr = this.raw(len * 4);
    this.backs.push({ arr: a, off, len, ptr });
    return ptr;
  }

  private copyIn(a: Array32, off: number, len: number): number {
    const ptr = this.raw(len * 4);
    this.view(a, ptr, len).set(a.subarray(off, off + len));
    return ptr;
  }

  /** A scratch block of `bytes` bytes, released with the frame. */
  raw(bytes: number): number {
    const size = Math.max(bytes, 8);
    const ptr = this.heap.allocRaw(size);
    this.temps.push([ptr, size]);
    return ptr;
  }

  /** Writes small i32 parameter lists (shapes, strides) into scratch. */
  ints(values: readonly number[]): number {
    const ptr = this.raw(values.length * 4);
    new Int32Array(this.heap.buffer, ptr, values.length).set(values);
    return ptr;
  }

  /** Copies outputs back and frees the scratch blocks. Call in `finally`. */
  close(): void {
    for (const { arr, off, len, ptr } of this.backs) arr.set(this.view(arr, ptr, len), off);
    for (const [ptr, size] of this.temps) this.heap.release(ptr, size);
  }

  // Re-reads heap.buffer each time: a non-shared memory's buffer is replaced when it grows.
  private view(like: Array32, ptr: number, len: number): Array32 {
    return like instanceof Int32Array
      ? new Int32Array(this.heap.buffer, ptr, len)
      : new Float32Array(this.heap.buffer, ptr, len);
  }
}
