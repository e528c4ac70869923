// Fused scaled-dot-product attention per (batch, head) unit: scores, causal limit, softmax and the
// weighted sum of values in one pass over each query row, and the backward likewise — no (L, S)
// score tensor round-trips through JS, no per-head gemm calls, no head transposes (Q, K, V and the
// output are read and written through their row strides, so a packed (N, L, 3E) projection is
// used in place). Dot products run 4 lanes at a time in float32, four keys at once; the softmax's exp
// is Cephes' expf (≈1 ulp) 4 lanes at a time, so the weights agree with the float64 reference to ~1e-6. Element (b, h, t, j) of Q is at q + ((b·L + t)·qRow + h·D + j);
// weights P are (B, H, L, S) contiguous, 0 after a causal row's last key.
import { expVec } from "./elementwise";
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

/** The dots of row a with the 4 rows at b, b + stride, ... over n floats (n a multiple of 4), as one vector. */
// @ts-ignore: decorator
@inline function dot4(a: usize, b: usize, stride: i32, n: i32): v128 {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  const b1 = at(b, stride), b2 = at(b, 2 * stride), b3 = at(b, 3 * stride);
  for (let j = 0; j < n; j += 4) {
    const x = v128.load(at(a, j));
    c0 = madd(x, v128.load(at(b, j)), c0);
    c1 = madd(x, v128.load(at(b1, j)), c1);
    c2 = madd(x, v128.load(at(b2, j)), c2);
    c3 = madd(x, v128.load(at(b3, j)), c3);
  }
  // Transpose-add: lane i of the result is the sum of c_i's lanes.
  const s01 = f32x4.add(i32x4.shuffle(c0, c1, 0, 4, 1, 5), i32x4.shuffle(c0, c1, 2, 6, 3, 7));
  const s23 = f32x4.add(i32x4.shuffle(c2, c3, 0, 4, 1, 5), i32x4.shuffle(c2, c3, 2, 6, 3, 7));
  return f32x4.add(i32x4.shuffle(s01, s23, 0, 1, 4, 5), i32x4.shuffle(s01, s23, 2, 3, 6, 7));
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
      let s = 0;
      let vmx = f32x4.splat(-Infinity);
      if ((D & 3) == 0) {
        for (; s + 4 <= lim; s += 4) {
          const z = f32x4.mul(dot4(qt, at(kb, s * kRow), kRow, D), f32x4.splat(scale));
          v128.store(at(pt, s), z);
          vmx = f32x4.max(vmx, z);
        }
      }
      let mx = max(max(f32x4.extract_lane(vmx, 0), f32x4.extract_lane(vmx, 1)), max(f32x4.extract_lane(vmx, 2), f32x4.extract_lane(vmx, 3)));
      for (; s < lim; s++) {
        const z = dot(qt, at(kb, s * kRow), D) * scale;
        store<f32>(at(pt, s), z);
        mx = max(mx, z);
      }
      const vm = f32x4.splat(mx);
      let vsum = f32x4.splat(0);
      for (s = 0; s + 4 <= lim; s += 4) {
        const e = expVec(f32x4.sub(v128.load(at(pt, s)), vm));
        v128.store(at(pt, s), e);
        vsum = f32x4.add(vsum, e);
      }
      let sum = <f64>f32x4.extract_lane(vsum, 0) + <f64>f32x4.extract_lane(vsum, 1) + <f64>f32x4.extract_lane(vsum, 2) +
        <f64>f32x4.extract_lane(vsum, 3);
      for (; s < lim; s++) {
        const e = <f32>Math.exp(<f64>load<f32>(at(pt, s)) - <f64>mx);
        store<f32>(at(pt, s), e);
        sum += <f64>e;
      }
      const inv = <f32>(1 / sum);
      memory.fill(ot, 0, <usize>Dv << 2);
      for (s = 0; s < lim; s++) {
        const w = load<f32>(at(pt, s)) * inv;
        store<f32>(at(pt, s), w);
        axpyN(w, at(vb, s * vRow), ot, Dv);
      }
      if (lim < S) memory.fill(at(pt, lim), 0, <usize>(S - lim) << 2);
    }
  }
}

/**
 * out[0:n] = Σ_{i in [i0, i1)} w[i·wStep]·x_i (rows x_i = x + i·xRow floats), n a multiple of 4, summed
 * in order of i in registers, 16 floats at a time: one store per element where a row-by-row axpy
 * would load and store the whole output once per row.
 */
function weightedRowSum(w: usize, wStep: i32, x: usize, xRow: i32, i0: i32, i1: i32, n: i32, out: usize): void {
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
    for (let i = i0; i < i1; i++) {
      const a = v128.load32_splat(at(w, i * wStep)), r = at(x, i * xRow + j);
      c0 = madd(a, v128.load(r), c0);
      c1 = madd(a, v128.load(r, 16), c1);
      c2 = madd(a, v128.load(r, 32), c2);
      c3 = madd(a, v128.load(r, 48), c3);
    }
    const o = at(out, j);
    v128.store(o, c0);
    v128.store(o, c1, 16);
    v128.store(o, c2, 32);
    v128.store(o, c3, 48);
  }
  for (; j < n; j += 4) {
    let c = f32x4.splat(0);
    for (let i = i0; i < i1; i++) c = madd(v128.load32_splat(at(w, i * wStep)), v128.load(at(x, i * xRow + j)), c);
    v128.store(at(out, j), c);
  }
}

/**
 * Backward over units [u0, u1): given P and dO, overwrites the unit's dQ, dK, dV (laid out as Q, K, V):
 * dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(P ⊙ dP)) · scale, dQ = dS·K, dK = dSᵀ·Q. `ds` is L·S
 * floats of scratch. With D and Dv multiples of 4, dS is formed first and each gradient row is then
 * one weightedRowSum, in registers; other head widths take rank-1 updates row by row. Either way each
 * gradient element adds its terms in the same order (keys, or queries, ascending).
 */
export function attentionBackward(u0: i32, u1: i32, q: usize, k: usize, v: usize, qRow: i32, kRow: i32, vRow: i32, H: i32, L: i32,
  S: i32, D: i32, Dv: i32, causal: bool, scale: f32, p: usize, dout: usize, oRow: i32, dq: usize, dk: usize, dv: usize, ds: usize): void {
  const blocked = (D & 3) == 0 && (Dv & 3) == 0;
  for (let u = u0; u < u1; u++) {
    const b = u / H, h = u % H;
    const qOff = b * L * qRow + h * D, kOff = b * S * kRow + h * D, vOff = b * S * vRow + h * Dv;
    const qb = at(q, qOff), kb = at(k, kOff), vb = at(v, vOff);
    const dqb = at(dq, qOff), dkb = at(dk, kOff), dvb = at(dv, vOff), dob = at(dout, b * L * oRow + h * Dv);
    const pu = at(p, u * L * S);
    if (!blocked) {
      for (let s = 0; s < S; s++) {
        memory.fill(at(dkb, s * kRow), 0, <usize>D << 2);
        memory.fill(at(dvb, s * vRow), 0, <usize>Dv << 2);
      }
    }
    for (let t = 0; t < L; t++) {
      const qt = at(qb, t * qRow), dqt = at(dqb, t * qRow), dot_ = at(dob, t * oRow), pt = at(pu, t * S);
      const dst = at(ds, t * S); // dP, then dS, of row t
      const lim = causal ? min(t + 1, S) : S;
      let rowdot: f64 = 0;
      let s = 0;
      if ((Dv & 3) == 0) {
        let acc = f32x4.splat(0);
        for (; s + 4 <= lim; s += 4) {
          const g = dot4(dot_, at(vb, s * vRow), vRow, Dv);
          v128.store(at(dst, s), g);
          acc = madd(v128.load(at(pt, s)), g, acc);
        }
        rowdot = <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
      }
      for (; s < lim; s++) {
        const g = dot(dot_, at(vb, s * vRow), Dv);
        store<f32>(at(dst, s), g);
        rowdot += <f64>load<f32>(at(pt, s)) * <f64>g;
      }
      for (s = 0; s < lim; s++) {
        store<f32>(at(dst, s), <f32>(<f64>load<f32>(at(pt, s)) * (<f64>load<f32>(at(dst, s)) - rowdot) * <f64>scale));
      }
      if (blocked) {
        weightedRowSum(dst, 1, kb, kRow, 0, lim, D, dqt);
        continue;
      }
      memory.fill(dqt, 0, <usize>D << 2);
      for (s = 0; s < lim; s++) {
        const d = load<f32>(at(dst, s));
        axpyN(d, at(kb, s * kRow), dqt, D);
        axpyN(d, qt, at(dkb, s * kRow), D);
        axpyN(load<f32>(at(pt, s)), dot_, at(dvb, s * vRow), Dv);
      }
    }
    if (!blocked) continue;
    // Column s of dS and P: the queries that see key s (all, or t ≥ s when causal).
    for (let s = 0; s < S; s++) {
      const t0 = causal ? s : 0;
      weightedRowSum(at(ds, s), S, qb, qRow, t0, L, D, at(dkb, s * kRow));
      weightedRowSum(at(pu, s), S, dob, oRow, t0, L, Dv, at(dvb, s * vRow));
    }
  }
}
