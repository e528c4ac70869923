// Reductions and softmax over the middle axis of an (outer, size, inner) view. Sums accumulate in
// f64 in the same order as the JS reference, so results match it to the last bit in practice.
import { Reduce } from "../src/backend/opcodes";
import { at } from "./simd";

/** op: a Reduce code (sum, max, min). `acc` is an f64[inner] scratch; `idx` may be 0 (no indices). */
export function reduce(op: i32, x: usize, outer: i32, size: i32, inner: i32, out: usize, idx: usize, acc: usize): void {
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    if (op == Reduce.sum && inner > 1) {
      // Row-order walk: contiguous reads instead of `inner` strided passes.
      memory.fill(acc, 0, <usize>inner << 3);
      const inner4 = inner & ~3;
      for (let r = 0; r < size; r++) {
        const row = at(x, base + r * inner);
        // Four columns at a time as two f64x2 halves: the same additions in the same order.
        for (let j = 0; j < inner4; j += 4) {
          const v = v128.load(at(row, j));
          const p = acc + (<usize>j << 3);
          v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v)));
          v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3))), 16);
        }
        for (let j = inner4; j < inner; j++) {
          const p = acc + (<usize>j << 3);
          store<f64>(p, load<f64>(p) + <f64>load<f32>(at(row, j)));
        }
      }
      for (let j = 0; j < inner; j++) store<f32>(at(out, o * inner + j), <f32>load<f64>(acc + (<usize>j << 3)));
      continue;
    }
    for (let j = 0; j < inner; j++) {
      const p = at(x, base + j);
      if (op == Reduce.sum) {
        let s: f64 = 0;
        for (let r = 0; r < size; r++) s += <f64>load<f32>(at(p, r * inner));
        store<f32>(at(out, o * inner + j), <f32>s);
      } else {
        // A NaN wins and stops the scan (first NaN's index), as in the reference.
        let best = load<f32>(p), bi = 0;
        for (let r = 1; r < size; r++) {
          if (isNaN(best)) break;
          const v = load<f32>(at(p, r * inner));
          if (isNaN(v) || (op == Reduce.max ? v > best : v < best)) { best = v; bi = r; }
        }
        store<f32>(at(out, o * inner + j), best);
        if (idx) store<i32>(at(idx, o * inner + j), bi);
      }
    }
  }
}

export function softmax(x: usize, outer: i32, size: i32, inner: i32, out: usize, log: bool): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const px = at(x, o * size * inner + j), po = at(out, o * size * inner + j);
      let mx: f64 = -Infinity;
      for (let r = 0; r < size; r++) mx = Math.max(mx, <f64>load<f32>(at(px, r * inner)));
      let s: f64 = 0;
      for (let r = 0; r < size; r++) s += Math.exp(<f64>load<f32>(at(px, r * inner)) - mx);
      if (log) {
        const lse = mx + Math.log(s);
        for (let r = 0; r < size; r++) store<f32>(at(po, r * inner), <f32>(<f64>load<f32>(at(px, r * inner)) - lse));
      } else {
        for (let r = 0; r < size; r++) store<f32>(at(po, r * inner), <f32>(Math.exp(<f64>load<f32>(at(px, r * inner)) - mx) / s));
      }
    }
  }
}

export function softmaxBackward(y: usize, dy: usize, outer: i32, size: i32, inner: i32, dx: usize, log: bool): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * size * inner + j;
      let s: f64 = 0;
      for (let r = 0; r < size; r++) {
        const i = base + r * inner;
        const d = <f64>load<f32>(at(dy, i));
        s += log ? d : d * <f64>load<f32>(at(y, i));
      }
      for (let r = 0; r < size; r++) {
        const i = base + r * inner;
        const yi = <f64>load<f32>(at(y, i)), d = <f64>load<f32>(at(dy, i));
        store<f32>(at(dx, i), <f32>(log ? d - Math.exp(yi) * s : yi * (d - s)));
      }
    }
  }
}
