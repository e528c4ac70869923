// Sorting and sampling (mirrors src/backend/js/sort.ts): top-k / sort along the middle axis of an
// (outer, size, inner) view, running sums, multinomial draws from given uniforms.
import { at } from "./simd";

/** a ranks before b among the largest: NaN above every number. */
// @ts-ignore: decorator
@inline function greater(a: f32, b: f32): bool { return (a != a && b == b) || a > b; }
// @ts-ignore: decorator
@inline function better(a: f32, b: f32, largest: bool): bool { return largest ? greater(a, b) : greater(b, a); }

/** Up to this k,
  top-k keeps a sorted buffer of k candidates (O(size·k) worst case) instead of sorting the whole row. */
const INSERTION_K: i32 = 32;

/**
 * values/indices (outer, k, inner) = the k best along the middle axis, best first, ties by lower
 * index. `scratch` holds 2·size i32 (the merge sort's index buffers).
 */
export function topk(x: usize, outer: i32, size: i32, inner: i32, k: i32, largest: bool, values: usize, indices: usize,
  scratch: usize): void {
  const a = scratch, b = at(scratch, size);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = at(x, o * size * inner + j);
      const stride = inner;
      let order = a;
      if (k <= INSERTION_K) {
        // A sorted buffer of the best `count` so far; a later equal element goes after the earlier ones.
        let count = 0;
        for (let i = 0; i < size; i++) {
          const v = load<f32>(at(base, i * stride));
          if (count == k && !better(v, load<f32>(at(base, load<i32>(at(a, k - 1)) * stride)), largest)) continue;
          let p = count < k ? count : k - 1;
          while (p > 0 && better(v, load<f32>(at(base, load<i32>(at(a, p - 1)) * stride)), largest)) {
            store<i32>(at(a, p), load<i32>(at(a, p - 1)));
            p--;
          }
          store<i32>(at(a, p), i);
          if (count < k) count++;
        }
      } else {
        // Bottom-up stable merge sort of the indices.
        for (let i = 0; i < size; i++) store<i32>(at(a, i), i);
        let src = a, dst = b;
        for (let width = 1; width < size; width <<= 1) {
          for (let lo = 0; lo < size; lo += width << 1) {
            const mid = min(lo + width, size), hi = min(lo + (width << 1), size);
            let l = lo, r = mid, d = lo;
            while (l < mid && r < hi) {
              const il = load<i32>(at(src, l)), ir = load<i32>(at(src, r));
              // Take the right one only when strictly better: equal keys keep their order.
              if (better(load<f32>(at(base, ir * stride)), load<f32>(at(base, il * stride)),
                largest)) { store<i32>(at(dst, d++), ir); r++; }
              else { store<i32>(at(dst, d++), il); l++; }
            }
            while (l < mid) store<i32>(at(dst, d++), load<i32>(at(src, l++)));
            while (r < hi) store<i32>(at(dst, d++), load<i32>(at(src, r++)));
          }
          const t = src; src = dst; dst = t;
        }
        order = src;
      }
      for (let r = 0; r < k; r++) {
        const i = load<i32>(at(order, r)), d = (o * k + r) * inner + j;
        store<f32>(at(values, d), load<f32>(at(base, i * stride)));
        store<i32>(at(indices, d), i);
      }
    }
  }
}

/** Running sum along the middle axis (from the end when `reverse`), in f64 like the reference. */
export function cumsum(x: usize, outer: i32, size: i32, inner: i32, reverse: bool, out: usize): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * size * inner + j;
      let s: f64 = 0;
      for (let r = 0; r < size; r++) {
        const i = base + (reverse ? size - 1 - r : r) * inner;
        s += <f64>load<f32>(at(x, i));
        store<f32>(at(out, i), <f32>s);
      }
    }
  }
}

/**
 * numSamples draws per row of probs (rows × n) from the f64 uniforms u (rows × numSamples); the
 * distributions were checked by the caller. `w` is an f64[n] scratch.
 */
export function multinomial(probs: usize, rows: i32, n: i32, u: usize, numSamples: i32, replacement: bool, out: usize,
  w: usize): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) store<f64>(w + (<usize>j << 3), <f64>load<f32>(at(probs, r * n + j)));
    if (replacement) {
      for (let j = 1; j < n; j++) store<f64>(w + (<usize>j << 3),
        load<f64>(w + (<usize>j << 3)) + load<f64>(w + (<usize>(j - 1) << 3)));
      const total = load<f64>(w + (<usize>(n - 1) << 3));
      for (let s = 0; s < numSamples; s++) {
        const target = load<f64>(u + (<usize>(r * numSamples + s) << 3)) * total;
        let lo = 0, hi = n - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (load<f64>(w + (<usize>mid << 3)) > target) hi = mid; else lo = mid + 1;
        }
        store<i32>(at(out, r * numSamples + s), lo);
      }
    } else {
      for (let s = 0; s < numSamples; s++) {
        let total: f64 = 0;
        for (let j = 0; j < n; j++) total += load<f64>(w + (<usize>j << 3));
        const target = load<f64>(u + (<usize>(r * numSamples + s) << 3)) * total;
        let acc: f64 = 0, pick = -1;
        for (let j = 0; j < n; j++) {
          const p = load<f64>(w + (<usize>j << 3));
          if (p <= 0) continue;
          acc += p;
          pick = j;
          if (acc > target) break;
        }
        store<i32>(at(out, r * numSamples + s), pick);
        store<f64>(w + (<usize>pick << 3), 0);
      }
    }
  }
}
