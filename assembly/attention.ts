// Fused scaled-dot-product attention per (batch, head) unit: scores, causal limit, softmax and the
// weighted sum of values in one pass over each query row, and the backward likewise — no (L, S)
// score tensor round-trips through JS, no per-head gemm calls, no head transposes (Q, K, V and the
// output are read and written through their row strides, so a packed (N, L, 3E) projection is
// used in place). Dot products run 4 lanes at a time in float32; the softmax's max, exp and sum in
// float64 as the reference does. Element (b, h, t, j) of Q is at q + ((b·L + t)·qRow + h·D + j);
// weights P are (B, H, L, S) contiguous, 0 after a causal row's last key.
import { at, madd } from "./simd";

/** Σ a[j]·b[j] over n floats (4 lanes, then the tail). */
// @ts-ignore: decorator
@inline function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) acc = madd(v128.load(at(a, j)), v128.load(at(b, j)), acc);
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; j < n; j++) s += load<f32>(at(a, j)) * load<f32>(at(b, j));
  return s;
}

/** y[j] += alpha·x[j] over n floats. */
// @ts-ignore: decorator
@inline function axpyN(alpha: f32, x: usize, y: usize, n: i32): void {
  const va = f32x4.splat(alpha);
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(at(y, j), madd(va, v128.load(at(x, j)), v128.load(at(y, j))));
  for (; j < n; j++) store<f32>(at(y, j), load<f32>(at(y, j)) + alpha * load<f32>(at(x, j)));
}

/** Forward over units [u0, u1) of B·H: o = softmax(scale·Q·Kᵀ (causal: keys ≤ query)) · V, p = the weights. */
export function attentionForward(u0: i32, u1: i32, q: usize, k: usize, v: usize, qRow: i32, kRow: i32, vRow: i32, H: i32, L: i32,
  S: i32, D: i32, Dv: i32, causal: bool, scale: f32, o: usize, oRow: i32, p: usize): void {
  for (let u = u0; u < u1; u++) {
    const b = u / H, h = u % H;
    const qb = at(q, b * L * qRow + h * D), kb = at(k, b * S * kRow + h * D), vb = at(v, b * S * vRow + h * Dv);
    const ob = at(o, b * L * oRow + h * Dv);
    for (let t = 0; t < L; t++) {
      const qt = at(qb, t * qRow), pt = at(p, (u * L + t) * S), ot = at(ob, t * oRow);
      const lim = causal ? min(t + 1, S) : S;
      let mx: f64 = -Infinity;
      for (let s = 0; s < lim; s++) {
        const z = dot(qt, at(kb, s * kRow), D) * scale;
        store<f32>(at(pt, s), z);
        mx = Math.max(mx, <f64>z);
      }
      let sum: f64 = 0;
      for (let s = 0; s < lim; s++) {
        const e = Math.exp(<f64>load<f32>(at(pt, s)) - mx);
        sum += e;
        store<f32>(at(pt, s), <f32>e);
      }
      const inv = 1 / sum;
      memory.fill(ot, 0, <usize>Dv << 2);
      for (let s = 0; s < lim; s++) {
        const w = <f32>(<f64>load<f32>(at(pt, s)) * inv);
        store<f32>(at(pt, s), w);
        axpyN(w, at(vb, s * vRow), ot, Dv);
      }
      if (lim < S) memory.fill(at(pt, lim), 0, <usize>(S - lim) << 2);
    }
  }
}

/**
 * Backward over units [u0, u1): given P and dO, overwrites the unit's dQ, dK, dV (laid out as Q, K, V):
 * dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(P ⊙ dP)) · scale, dQ = dS·K, dK = dSᵀ·Q. `dp` is S
 * floats of scratch.
 */
export function attentionBackward(u0: i32, u1: i32, q: usize, k: usize, v: usize, qRow: i32, kRow: i32, vRow: i32, H: i32, L: i32,
  S: i32, D: i32, Dv: i32, causal: bool, scale: f32, p: usize, dout: usize, oRow: i32, dq: usize, dk: usize, dv: usize, dp: usize): void {
  for (let u = u0; u < u1; u++) {
    const b = u / H, h = u % H;
    const qOff = b * L * qRow + h * D, kOff = b * S * kRow + h * D, vOff = b * S * vRow + h * Dv;
    const qb = at(q, qOff), kb = at(k, kOff), vb = at(v, vOff);
    const dqb = at(dq, qOff), dkb = at(dk, kOff), dvb = at(dv, vOff), dob = at(dout, b * L * oRow + h * Dv);
    for (let s = 0; s < S; s++) {
      memory.fill(at(dkb, s * kRow), 0, <usize>D << 2);
      memory.fill(at(dvb, s * vRow), 0, <usize>Dv << 2);
    }
    for (let t = 0; t < L; t++) {
      const qt = at(qb, t * qRow), dqt = at(dqb, t * qRow), dot_ = at(dob, t * oRow), pt = at(p, (u * L + t) * S);
      const lim = causal ? min(t + 1, S) : S;
      let rowdot: f64 = 0;
      for (let s = 0; s < lim; s++) {
        const g = dot(dot_, at(vb, s * vRow), Dv);
        store<f32>(at(dp, s), g);
        rowdot += <f64>load<f32>(at(pt, s)) * <f64>g;
      }
      memory.fill(dqt, 0, <usize>D << 2);
      for (let s = 0; s < lim; s++) {
        const w = load<f32>(at(pt, s));
        const ds = <f32>(<f64>w * (<f64>load<f32>(at(dp, s)) - rowdot) * <f64>scale);
        axpyN(ds, at(kb, s * kRow), dqt, D);
        axpyN(ds, qt, at(dkb, s * kRow), D);
        axpyN(w, dot_, at(dvb, s * vRow), Dv);
      }
    }
  }
}
