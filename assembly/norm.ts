// LayerNorm over rows and BatchNorm over channels, forward and backward, fused: statistics in f64
// (two passes, like the reference), four f32 lanes read at a time as two f64x2 halves. The glue
// splits rows (LayerNorm) or channels (BatchNorm) across threads; LayerNorm's weight and bias
// gradients are per-thread f64 partial sums that `sumPartials` adds up.
import { at } from "./simd";

// @ts-ignore: decorator
@inline function lo(v: v128): v128 { return f64x2.promote_low_f32x4(v); }
// @ts-ignore: decorator
@inline function hi(v: v128): v128 { return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3)); }
/** Two f64x2 back to one f32x4. */
// @ts-ignore: decorator
@inline function pack(a: v128, b: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}
// @ts-ignore: decorator
@inline function hsum(a: v128): f64 { return f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1); }

/** Σ p[0..n) in f64. */
function sum64(p: usize, n: i32): f64 {
  let a = f64x2.splat(0), b = f64x2.splat(0), i = 0;
  for (; i + 4 <= n; i += 4) { const v = v128.load(at(p, i)); a = f64x2.add(a, lo(v)); b = f64x2.add(b, hi(v)); }
  let s = hsum(f64x2.add(a, b));
  for (; i < n; i++) s += <f64>load<f32>(at(p, i));
  return s;
}

/** Σ (p[i] − mu)² over [0, n) in f64. */
function sumSq64(p: usize, n: i32, mu: f64): f64 {
  const m = f64x2.splat(mu);
  let a = f64x2.splat(0), b = f64x2.splat(0), i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(at(p, i)), tl = f64x2.sub(lo(v), m), th = f64x2.sub(hi(v), m);
    a = f64x2.add(a, f64x2.mul(tl, tl)); b = f64x2.add(b, f64x2.mul(th, th));
  }
  let s = hsum(f64x2.add(a, b));
  for (; i < n; i++) { const t = <f64>load<f32>(at(p, i)) - mu; s += t * t; }
  return s;
}

/** out[i] = (x[i] − mu)·scale + shift over [0, n), in f64. */
function affine(x: usize, out: usize, n: i32, mu: f64, scale: f64, shift: f64): void {
  const m = f64x2.splat(mu), k = f64x2.splat(scale), s = f64x2.splat(shift);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(at(x, i));
    const yl = f64x2.add(f64x2.mul(f64x2.sub(lo(v), m), k), s), yh = f64x2.add(f64x2.mul(f64x2.sub(hi(v), m), k), s);
    v128.store(at(out, i), pack(yl, yh));
  }
  for (; i < n; i++) store<f32>(at(out, i), <f32>((<f64>load<f32>(at(x, i)) - mu) * scale + shift));
}

/** Rows [0, rows) of a (rows, d) block; w/b may be 0 (no affine). */
export function layerNormForward(x: usize, out: usize, mean: usize, rstd: usize, w: usize, b: usize, rows: i32, d: i32,
  eps: f64): void {
  for (let r = 0; r < rows; r++) {
    const px = at(x, r * d), po = at(out, r * d);
    const mu = sum64(px, d) / <f64>d;
    const rs = 1 / Math.sqrt(sumSq64(px, d, mu) / <f64>d + eps);
    store<f32>(at(mean, r), <f32>mu);
    store<f32>(at(rstd, r), <f32>rs);
    if (!w && !b) { affine(px, po, d, mu, rs, 0); continue; }
    const m = f64x2.splat(mu), k = f64x2.splat(rs);
    let j = 0;
    for (; j + 4 <= d; j += 4) {
      const v = v128.load(at(px, j));
      let yl = f64x2.mul(f64x2.sub(lo(v), m), k), yh = f64x2.mul(f64x2.sub(hi(v), m), k);
      if (w) { const wv = v128.load(at(w, j)); yl = f64x2.mul(yl, lo(wv)); yh = f64x2.mul(yh, hi(wv)); }
      if (b) { const bv = v128.load(at(b, j)); yl = f64x2.add(yl, lo(bv)); yh = f64x2.add(yh, hi(bv)); }
      v128.store(at(po, j), pack(yl, yh));
    }
    for (; j < d; j++) {
      let y = (<f64>load<f32>(at(px, j)) - mu) * rs;
      if (w) y *= <f64>load<f32>(at(w, j));
      if (b) y += <f64>load<f32>(at(b, j));
      store<f32>(at(po, j), <f32>y);
    }
  }
}

/**
 * Rows [0, rows): dx written in full; Σ dy·x̂ and Σ dy over these rows are added into the f64[d]
 * accumulators dwAcc / dbAcc (each may be 0), which the caller zeroed.
 */
export function layerNormBackward(x: usize, dy: usize, mean: usize, rstd: usize, w: usize, rows: i32, d: i32, dx: usize,
  dwAcc: usize, dbAcc: usize): void {
  for (let r = 0; r < rows; r++) {
    const px = at(x, r * d), pdy = at(dy, r * d), pdx = at(dx, r * d);
    const mu = <f64>load<f32>(at(mean, r)), rs = <f64>load<f32>(at(rstd, r));
    const m = f64x2.splat(mu), k = f64x2.splat(rs);
    let sgA = f64x2.splat(0), sgxA = f64x2.splat(0), j = 0;
    for (; j + 4 <= d; j += 4) {
      const v = v128.load(at(px, j)), g = v128.load(at(pdy, j));
      let gl = lo(g), gh = hi(g);
      const tl = f64x2.sub(lo(v), m), th = f64x2.sub(hi(v), m);
      if (dwAcc) {
        const p = dwAcc + (<usize>j << 3);
        v128.store(p, f64x2.add(v128.load(p), f64x2.mul(gl, f64x2.mul(tl, k))));
        v128.store(p, f64x2.add(v128.load(p, 16), f64x2.mul(gh, f64x2.mul(th, k))), 16);
      }
      if (dbAcc) {
        const p = dbAcc + (<usize>j << 3);
        v128.store(p, f64x2.add(v128.load(p), gl));
        v128.store(p, f64x2.add(v128.load(p, 16), gh), 16);
      }
      if (w) { const wv = v128.load(at(w, j)); gl = f64x2.mul(gl, lo(wv)); gh = f64x2.mul(gh, hi(wv)); }
      sgA = f64x2.add(sgA, f64x2.add(gl, gh));
      sgxA = f64x2.add(sgxA, f64x2.add(f64x2.mul(gl, tl), f64x2.mul(gh, th)));
    }
    let sg = hsum(sgA), sgx = hsum(sgxA);
    for (let t = j; t < d; t++) {
      let g = <f64>load<f32>(at(pdy, t));
      const c = <f64>load<f32>(at(px, t)) - mu;
      if (dwAcc) { const p = dwAcc + (<usize>t << 3); store<f64>(p, load<f64>(p) + g * (c * rs)); }
      if (dbAcc) { const p = dbAcc + (<usize>t << 3); store<f64>(p, load<f64>(p) + g); }
      if (w) g *= <f64>load<f32>(at(w, t));
      sg += g; sgx += g * c;
    }
    const B = -rs * rs * rs * sgx / <f64>d, C = -rs * sg / <f64>d;
    const bv = f64x2.splat(B), cv = f64x2.splat(C);
    j = 0;
    for (; j + 4 <= d; j += 4) {
      const v = v128.load(at(px, j)), g = v128.load(at(pdy, j));
      let gl = lo(g), gh = hi(g);
      if (w) { const wv = v128.load(at(w, j)); gl = f64x2.mul(gl, lo(wv)); gh = f64x2.mul(gh, hi(wv)); }
      const yl = f64x2.add(f64x2.add(f64x2.mul(k, gl), f64x2.mul(bv, f64x2.sub(lo(v), m))), cv);
      const yh = f64x2.add(f64x2.add(f64x2.mul(k, gh), f64x2.mul(bv, f64x2.sub(hi(v), m))), cv);
      v128.store(at(pdx, j), pack(yl, yh));
    }
    for (; j < d; j++) {
      let g = <f64>load<f32>(at(pdy, j));
      if (w) g *= <f64>load<f32>(at(w, j));
      store<f32>(at(pdx, j), <f32>(rs * g + B * (<f64>load<f32>(at(px, j)) - mu) + C));
    }
  }
}

/** out[j] = Σ_t parts[t·len + j] (f64 partials of `count` threads) as f32. */
export function sumPartials(parts: usize, count: i32, len: i32, out: usize): void {
  for (let j = 0; j < len; j++) {
    let s: f64 = 0;
    for (let t = 0; t < count; t++) s += load<f64>(parts + (<usize>(t * len + j) << 3));
    store<f32>(at(out, j), <f32>s);
  }
}

/**
 * Channels [c0, c0 + cc) of an (n, c, l) tensor. training: batch statistics, and the running ones
 * (rm/rv, may be 0) updated with `momentum`; else the running statistics. w/b may be 0.
 */
export function batchNormForward(x: usize, out: usize, mean: usize, rstd: usize, w: usize, b: usize, rm: usize,
  rv: usize, n: i32, c: i32, l: i32, c0: i32, cc: i32, training: bool, momentum: f64, eps: f64): void {
  const m = <f64>n * <f64>l;
  for (let ch = c0; ch < c0 + cc; ch++) {
    let mu: f64, rs: f64;
    if (training) {
      let s: f64 = 0;
      for (let i = 0; i < n; i++) s += sum64(at(x, (i * c + ch) * l), l);
      mu = s / m;
      let q: f64 = 0;
      for (let i = 0; i < n; i++) q += sumSq64(at(x, (i * c + ch) * l), l, mu);
      rs = 1 / Math.sqrt(q / m + eps);
      if (rm && rv) {
        store<f32>(at(rm, ch), <f32>((1 - momentum) * <f64>load<f32>(at(rm, ch)) + momentum * mu));
        store<f32>(at(rv, ch), <f32>((1 - momentum) * <f64>load<f32>(at(rv, ch)) + momentum * (q / (m - 1))));
      }
    } else {
      mu = <f64>load<f32>(at(rm, ch));
      rs = 1 / Math.sqrt(<f64>load<f32>(at(rv, ch)) + eps);
    }
    store<f32>(at(mean, ch), <f32>mu);
    store<f32>(at(rstd, ch), <f32>rs);
    const scale = w ? rs * <f64>load<f32>(at(w, ch)) : rs, shift: f64 = b ? <f64>load<f32>(at(b, ch)) : 0;
    for (let i = 0; i < n; i++) affine(at(x, (i * c + ch) * l), at(out, (i * c + ch) * l), l, mu, scale, shift);
  }
}

/** Channels [c0, c0 + cc): dweight/dbias (may be 0) at each channel; dx (may be 0) written in full. */
export function batchNormBackward(x: usize, dy: usize, mean: usize, rstd: usize, w: usize, n: i32, c: i32, l: i32,
  c0: i32, cc: i32, training: bool, dx: usize, dw: usize, db: usize): void {
  const m = <f64>n * <f64>l;
  for (let ch = c0; ch < c0 + cc; ch++) {
    const mu = <f64>load<f32>(at(mean, ch)), rs = <f64>load<f32>(at(rstd, ch));
    const wt: f64 = w ? <f64>load<f32>(at(w, ch)) : 1;
    const mv = f64x2.splat(mu);
    let sdy: f64 = 0, sdyx: f64 = 0;
    for (let i = 0; i < n; i++) {
      const px = at(x, (i * c + ch) * l), pdy = at(dy, (i * c + ch) * l);
      let a = f64x2.splat(0), bx = f64x2.splat(0), j = 0;
      for (; j + 4 <= l; j += 4) {
        const v = v128.load(at(px, j)), g = v128.load(at(pdy, j)), gl = lo(g), gh = hi(g);
        a = f64x2.add(a, f64x2.add(gl, gh));
        bx = f64x2.add(bx, f64x2.add(f64x2.mul(gl, f64x2.sub(lo(v), mv)), f64x2.mul(gh, f64x2.sub(hi(v), mv))));
      }
      sdy += hsum(a); sdyx += hsum(bx);
      for (; j < l; j++) {
        const g = <f64>load<f32>(at(pdy, j));
        sdy += g; sdyx += g * (<f64>load<f32>(at(px, j)) - mu);
      }
    }
    const dgamma = sdyx * rs;
    if (dw) store<f32>(at(dw, ch), <f32>dgamma);
    if (db) store<f32>(at(db, ch), <f32>sdy);
    if (!dx) continue;
    const A = wt * rs, B: f64 = training ? -wt * rs * rs * dgamma / m : 0, C: f64 = training ? -wt * rs * sdy / m : 0;
    const av = f64x2.splat(A), bv = f64x2.splat(B), cv = f64x2.splat(C);
    for (let i = 0; i < n; i++) {
      const o = (i * c + ch) * l, px = at(x, o), pdy = at(dy, o), pdx = at(dx, o);
      let j = 0;
      for (; j + 4 <= l; j += 4) {
        const v = v128.load(at(px, j)), g = v128.load(at(pdy, j));
        const yl = f64x2.add(f64x2.add(f64x2.mul(av, lo(g)), f64x2.mul(bv, f64x2.sub(lo(v), mv))), cv);
        const yh = f64x2.add(f64x2.add(f64x2.mul(av, hi(g)), f64x2.mul(bv, f64x2.sub(hi(v), mv))), cv);
        v128.store(at(pdx, j), pack(yl, yh));
      }
      for (; j < l; j++) {
        store<f32>(at(pdx, j), <f32>(A * <f64>load<f32>(at(pdy, j)) + B * (<f64>load<f32>(at(px, j)) - mu) + C));
      }
    }
  }
}
