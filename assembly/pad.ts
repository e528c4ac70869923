// Padding (constant / reflect / replicate / circular) and its adjoint, on the plan the TypeScript
// side builds (padPlan in src/backend/js/pad.ts): `rank` ≥ 2 dims, dim 0 never padded, and per
// output dim a map of the input index each output index reads (−1: constant fill). Output rows
// (every dim but the last) are walked in order; within a row the run [lo, hi) reads a contiguous
// input stretch starting at input index runSrc, and only the borders go element by element.
import { at } from "./simd";

/** Input offset of output row (d0, idx[1..last)) or −1 when a map says "fill". */
// @ts-ignore: decorator
@inline function rowSource(d0: i32, last: i32, inStrides: usize, maps: usize, offsets: usize, idx: usize): i32 {
  let src = load<i32>(at(maps, d0)) * load<i32>(inStrides); // dim 0 is unpadded: its map is the identity
  for (let d = 1; d < last; d++) {
    const m = load<i32>(at(maps, load<i32>(at(offsets, d)) + load<i32>(at(idx, d))));
    if (m < 0) return -1;
    src += m * load<i32>(at(inStrides, d));
  }
  return src;
}

// @ts-ignore: decorator
@inline function nextRow(last: i32, outShape: usize, idx: usize): void {
  for (let d = last - 1; d >= 1; d--) {
    const k = load<i32>(at(idx, d)) + 1;
    if (k < load<i32>(at(outShape, d))) { store<i32>(at(idx, d), k); return; }
    store<i32>(at(idx, d), 0);
  }
}

/** Output rows of dim-0 indices [d0Start, d0End); 32-bit elements of any kind, `valueBits` the fill's bits. */
export function pad(x: usize, out: usize, rank: i32, inStrides: usize, outShape: usize, maps: usize, offsets: usize,
  d0Start: i32, d0End: i32, valueBits: i32, lo: i32, hi: i32, runSrc: i32, idx: usize): void {
  const last = rank - 1, w = load<i32>(at(outShape, last));
  const lastMap = at(maps, load<i32>(at(offsets, last)));
  let rowsPer: i32 = 1;
  for (let d = 1; d < last; d++) { rowsPer *= load<i32>(at(outShape, d)); store<i32>(at(idx, d), 0); }
  const fill = i32x4.splat(valueBits);
  for (let d0 = d0Start; d0 < d0End; d0++) {
    for (let r = 0; r < rowsPer; r++) {
      const src = rowSource(d0, last, inStrides, maps, offsets, idx);
      const o = at(out, (d0 * rowsPer + r) * w);
      if (src < 0) {
        let j = 0;
        for (; j + 4 <= w; j += 4) v128.store(at(o, j), fill);
        for (; j < w; j++) store<i32>(at(o, j), valueBits);
      } else {
        const s = at(x, src);
        for (let j = 0; j < lo; j++) {
          const m = load<i32>(at(lastMap, j));
          store<i32>(at(o, j), m < 0 ? valueBits : load<i32>(at(s, m)));
        }
        memory.copy(at(o, lo), at(s, runSrc), <usize>(hi - lo) << 2);
        for (let j = hi; j < w; j++) {
          const m = load<i32>(at(lastMap, j));
          store<i32>(at(o, j), m < 0 ? valueBits : load<i32>(at(s, m)));
        }
      }
      nextRow(last, outShape, idx);
    }
  }
}

/**
 * dx += pad's adjoint for the dim-0 indices [d0Start, d0End), after zeroing dx's elements
 * [zeroStart, zeroStart + zeroLen) (this call's share of dx). Float32 only.
 */
export function padBackward(dy: usize, dx: usize, rank: i32, inStrides: usize, outShape: usize, maps: usize,
  offsets: usize, d0Start: i32, d0End: i32, lo: i32, hi: i32, runSrc: i32, idx: usize, zeroStart: i32,
  zeroLen: i32): void {
  memory.fill(at(dx, zeroStart), 0, <usize>zeroLen << 2);
  const last = rank - 1, w = load<i32>(at(outShape, last));
  const lastMap = at(maps, load<i32>(at(offsets, last)));
  let rowsPer: i32 = 1;
  for (let d = 1; d < last; d++) { rowsPer *= load<i32>(at(outShape, d)); store<i32>(at(idx, d), 0); }
  const run = hi - lo;
  for (let d0 = d0Start; d0 < d0End; d0++) {
    for (let r = 0; r < rowsPer; r++) {
      const src = rowSource(d0, last, inStrides, maps, offsets, idx);
      if (src >= 0) {
        const g = at(dy, (d0 * rowsPer + r) * w), s = at(dx, src);
        for (let j = 0; j < lo; j++) {
          const m = load<i32>(at(lastMap, j));
          if (m >= 0) store<f32>(at(s, m), load<f32>(at(s, m)) + load<f32>(at(g, j)));
        }
        const d = at(s, runSrc), e = at(g, lo);
        let j = 0;
        for (; j + 4 <= run; j += 4) v128.store(at(d, j), f32x4.add(v128.load(at(d, j)), v128.load(at(e, j))));
        for (; j < run; j++) store<f32>(at(d, j), load<f32>(at(d, j)) + load<f32>(at(e, j)));
        for (let j = hi; j < w; j++) {
          const m = load<i32>(at(lastMap, j));
          if (m >= 0) store<f32>(at(s, m), load<f32>(at(s, m)) + load<f32>(at(g, j)));
        }
      }
      nextRow(last, outShape, idx);
    }
  }
}
