// Embedding lookups: rows of a weight table by int32 index, and the backward that adds them back.
// Indices were range-checked by the caller (it throws the reference's message).
import { at } from "./simd";

/** out[i, :] = weight[index[i], :] for `count` indices and rows of `dim` floats. */
export function embedding(weight: usize, index: usize, count: i32, dim: i32, out: usize): void {
  const bytes = <usize>dim << 2;
  for (let i = 0; i < count; i++) memory.copy(at(out, i * dim), at(weight, load<i32>(at(index, i)) * dim), bytes);
}

/** dw[index[i], :] += dy[i, :], skipping entries equal to paddingIdx (−1: none). */
export function embeddingBackward(dy: usize, index: usize, count: i32, dim: i32, paddingIdx: i32, dw: usize): void {
  for (let i = 0; i < count; i++) {
    const r = load<i32>(at(index, i));
    if (r == paddingIdx) continue;
    const d = at(dw, r * dim), s = at(dy, i * dim);
    let j = 0;
    for (; j + 4 <= dim; j += 4) v128.store(at(d, j), f32x4.add(v128.load(at(d, j)), v128.load(at(s, j))));
    for (; j < dim; j++) store<f32>(at(d, j), load<f32>(at(d, j)) + load<f32>(at(s, j)));
  }
}
