// Selection without arithmetic: where (bitselect by a condition) and tril/triu. Values move as
// 32-bit patterns, so float32 and int32 share the code and ±inf/NaN pass through exactly. The
// condition is float32 (`condFloat` = 1: non-zero unless ±0, NaN counts) or int32 (non-zero).
import { at } from "./simd";

// @ts-ignore: decorator
@inline function condMask(c: v128, condFloat: i32): v128 {
  return condFloat ? f32x4.ne(c, f32x4.splat(0)) : i32x4.ne(c, i32x4.splat(0));
}

// @ts-ignore: decorator
@inline function condTrue(c: i32, condFloat: i32): bool {
  return condFloat ? (c & 0x7fffffff) != 0 : c != 0;
}

/** out[i] = cond[i·sc] ? a[i·sa] : b[i·sb] for i < n; strides 0 or 1 take the SIMD path. */
export function whereInner(cond: usize, sc: i32, condFloat: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize,
  n: i32): void {
  let i = 0;
  if ((sc == 0 || sc == 1) && (sa == 0 || sa == 1) && (sb == 0 || sb == 1)) {
    const c0 = condMask(i32x4.splat(load<i32>(cond)), condFloat);
    const a0 = i32x4.splat(load<i32>(a)), b0 = i32x4.splat(load<i32>(b));
    for (; i + 4 <= n; i += 4) {
      const m = sc ? condMask(v128.load(at(cond, i)), condFloat) : c0;
      v128.store(at(out, i), v128.bitselect(sa ? v128.load(at(a, i)) : a0, sb ? v128.load(at(b, i)) : b0, m));
    }
  }
  for (; i < n; i++) {
    const pick = condTrue(load<i32>(at(cond, i * sc)), condFloat);
    store<i32>(at(out, i), pick ? load<i32>(at(a, i * sa)) : load<i32>(at(b, i * sb)));
  }
}

/**
 * Broadcast where over `rank` dims: shape/sc/sa/sb point at i32[rank] (element strides of each
 * operand read in the output's shape); the last dim goes to whereInner.
 */
export function whereStrided(cond: usize, condFloat: i32, a: usize, b: usize, out: usize, rank: i32, shape: usize,
  sc: usize, sa: usize, sb: usize, idx: usize): void {
  const last = rank - 1;
  const inner = load<i32>(at(shape, last));
  const ic = load<i32>(at(sc, last)), ia = load<i32>(at(sa, last)), ib = load<i32>(at(sb, last));
  let total: i32 = 1;
  for (let d = 0; d < last; d++) { total *= load<i32>(at(shape, d)); store<i32>(at(idx, d), 0); }
  let oc = 0, oa = 0, ob = 0, o = 0;
  for (let r = 0; r < total; r++) {
    whereInner(at(cond, oc), ic, condFloat, at(a, oa), ia, at(b, ob), ib, at(out, o), inner);
    o += inner;
    for (let d = last - 1; d >= 0; d--) {
      const k = load<i32>(at(idx, d)) + 1, sd = load<i32>(at(shape, d));
      const cd = load<i32>(at(sc, d)), ad = load<i32>(at(sa, d)), bd = load<i32>(at(sb, d));
      oc += cd; oa += ad; ob += bd;
      if (k < sd) { store<i32>(at(idx, d), k); break; }
      oc -= cd * sd; oa -= ad * sd; ob -= bd * sd; store<i32>(at(idx, d), 0);
    }
  }
}

/** tril (upper 0) / triu (upper 1) of `batch` rows × cols matrices; out may not alias x. */
export function triangle(x: usize, out: usize, batch: i32, rows: i32, cols: i32, diagonal: i32, upper: i32): void {
  for (let m = 0; m < batch; m++) {
    for (let i = 0; i < rows; i++) {
      const o = (m * rows + i) * cols;
      let cut = upper ? i + diagonal : i + diagonal + 1;
      cut = cut < 0 ? 0 : cut > cols ? cols : cut;
      if (upper) {
        memory.fill(at(out, o), 0, <usize>cut << 2);
        memory.copy(at(out, o + cut), at(x, o + cut), <usize>(cols - cut) << 2);
      } else {
        memory.copy(at(out, o), at(x, o), <usize>cut << 2);
        memory.fill(at(out, o + cut), 0, <usize>(cols - cut) << 2);
      }
    }
  }
}
