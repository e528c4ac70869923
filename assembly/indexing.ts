// Data movement by index: permutes, row gathers and scatters, torch.gather along a dim.
import { at } from "./simd";

/** Strided copy of 32-bit elements: out is contiguous in `shape` (i32[rank]), x read with `strides`. */
export function permute(x: usize, out: usize, rank: i32, shape: usize, strides: usize, idx: usize): void {
  let n: i32 = 1;
  for (let d = 0; d < rank; d++) { n *= load<i32>(at(shape, d)); store<i32>(at(idx, d), 0); }
  const last = rank - 1;
  const inner = load<i32>(at(shape, last)), si = load<i32>(at(strides, last));
  let src = 0;
  for (let i = 0; i < n; i += inner) {
    for (let j = 0; j < inner; j++) store<u32>(at(out, i + j), load<u32>(at(x, src + j * si)));
    for (let d = last - 1; d >= 0; d--) {
      const k = load<i32>(at(idx, d)) + 1, sd = load<i32>(at(shape, d)), st = load<i32>(at(strides, d));
      src += st;
      if (k < sd) { store<i32>(at(idx, d), k); break; }
      src -= st * sd; store<i32>(at(idx, d), 0);
    }
  }
}

export function gatherRows(x: usize, index: usize, count: i32, rowSize: i32, out: usize): void {
  const bytes = <usize>rowSize << 2;
  for (let i = 0; i < count; i++) memory.copy(at(out, i * rowSize), at(x, load<i32>(at(index, i)) * rowSize), bytes);
}

export function scatterAddRows(dy: usize, index: usize, count: i32, rowSize: i32, dx: usize): void {
  for (let i = 0; i < count; i++) {
    const d = at(dx, load<i32>(at(index, i)) * rowSize), s = at(dy, i * rowSize);
    let j = 0;
    for (; j + 4 <= rowSize; j += 4) v128.store(at(d, j), f32x4.add(v128.load(at(d, j)), v128.load(at(s, j))));
    for (; j < rowSize; j++) store<f32>(at(d, j), load<f32>(at(d, j)) + load<f32>(at(s, j)));
  }
}

/** out[o, r, j] = x[o, index[o, r, j], j] over (outer, indexSize, inner); indices were range-checked by the caller. */
export function gatherAlong(x: usize, index: usize, outer: i32, size: i32, inner: i32, indexSize: i32, out: usize): void {
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < indexSize; r++) {
      const k = (o * indexSize + r) * inner;
      for (let j = 0; j < inner; j++) store<u32>(at(out, k + j), load<u32>(at(x, (o * size + load<i32>(at(index, k + j))) * inner + j)));
    }
  }
}

/** dx[o, index[o, r, j], j] += dy[o, r, j]; indices were range-checked by the caller. */
export function scatterAddAlong(dy: usize, index: usize, outer: i32, size: i32, inner: i32, indexSize: i32, dx: usize): void {
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < indexSize; r++) {
      const k = (o * indexSize + r) * inner;
      for (let j = 0; j < inner; j++) {
        const p = at(dx, (o * size + load<i32>(at(index, k + j))) * inner + j);
        store<f32>(p, load<f32>(p) + load<f32>(at(dy, k + j)));
      }
    }
  }
}
