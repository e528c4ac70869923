// Recurrent cells: one time step of an Elman RNN, an LSTM or a GRU over a batch, and its backward,
// each one pass (the gemms around them are separate calls). Mirrors src/backend/js/recurrent.ts:
// blocks are row-major, n rows of H = hs (or G·H gate) floats from the given float offset. A null
// dhOut is pointer 0.
//
// Four lanes at a time in f32 with polynomial exp and tanh (the reference uses f64 Math.exp/tanh):
// the per-step elementwise work of a small recurrent net costs as much as its gemm when done with
// scalar f64 transcendentals (LSTM H=256, batch 32: lstmCell took longer than the step's h·W_hhᵀ).
// expVec is Cephes' expf (≈1 ulp), tanhVec Eigen's rational approximation (a few ulp), so results
// agree with the reference to ~1e-6 relative.
import { at, madd } from "./simd";

// @ts-ignore: decorator
@inline function splat(v: f32): v128 { return f32x4.splat(v); }

/** e^x lane-wise (Cephes expf): x = n·ln2 + r, e^r by a degree-6 polynomial, 2^n in the exponent bits. */
// @ts-ignore: decorator
@inline function expVec(v: v128): v128 {
  let x = f32x4.min(f32x4.max(v, splat(-87.33654)), splat(88.37626)); // 2^n stays a normal number
  const fx = f32x4.floor(madd(x, splat(1.44269504088896341), splat(0.5)));
  x = f32x4.sub(x, f32x4.mul(fx, splat(0.693359375)));
  x = f32x4.sub(x, f32x4.mul(fx, splat(-2.12194440e-4)));
  let y = splat(1.9875691500e-4);
  y = madd(y, x, splat(1.3981999507e-3));
  y = madd(y, x, splat(8.3334519073e-3));
  y = madd(y, x, splat(4.1665795894e-2));
  y = madd(y, x, splat(1.6666665459e-1));
  y = madd(y, x, splat(5.0000001201e-1));
  y = madd(y, f32x4.mul(x, x), f32x4.add(x, splat(1)));
  return f32x4.mul(y, i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(fx), i32x4.splat(127)), 23));
}

/** σ(x) = 1 / (1 + e^−x). */
// @ts-ignore: decorator
@inline function sigmoidVec(x: v128): v128 { return f32x4.div(splat(1), f32x4.add(splat(1), expVec(f32x4.neg(x)))); }

/** tanh lane-wise: Eigen's 13/6 rational approximation on [−7.9, 7.9] (±1 in f32 beyond), x itself below 4e-4. */
// @ts-ignore: decorator
@inline function tanhVec(v: v128): v128 {
  const x = f32x4.min(f32x4.max(v, splat(-7.90531110763549805)), splat(7.90531110763549805));
  const x2 = f32x4.mul(x, x);
  let p = splat(-2.76076847742355e-16);
  p = madd(p, x2, splat(2.00018790482477e-13));
  p = madd(p, x2, splat(-8.60467152213735e-11));
  p = madd(p, x2, splat(5.12229709037114e-8));
  p = madd(p, x2, splat(1.48572235717979e-5));
  p = madd(p, x2, splat(6.37261928875436e-4));
  p = madd(p, x2, splat(4.89352455891786e-3));
  p = f32x4.mul(p, x);
  let q = splat(1.19825839466702e-6);
  q = madd(q, x2, splat(1.18534705686654e-4));
  q = madd(q, x2, splat(2.26843463243900e-3));
  q = madd(q, x2, splat(4.89352518554385e-3));
  const tiny = f32x4.lt(f32x4.abs(v), splat(0.0004));
  // NaN lanes: the clamp keeps NaN (wasm min/max propagate it), so p/q is NaN too.
  return v128.bitselect(v, f32x4.div(p, q), tiny);
}

/** 4 floats from p[i], or (tail) 1 float in lane 0 and zeros. */
// @ts-ignore: decorator
@inline function ld(p: usize, i: i32, full: bool): v128 {
  return full ? v128.load(at(p, i)) : v128.load32_zero(at(p, i));
}
// @ts-ignore: decorator
@inline function st(p: usize, i: i32, v: v128, full: bool): void {
  if (full) v128.store(at(p, i), v); else v128.store32_lane(at(p, i), v, 0);
}
/** dhOut + dhRec, with a null dhOut read as zeros. */
// @ts-ignore: decorator
@inline function dhOf(dhOut: usize, dhOff: i32, dhRec: usize, k: i32, full: bool): v128 {
  const rec = ld(dhRec, k, full);
  return dhOut ? f32x4.add(ld(dhOut, dhOff + k, full), rec) : rec;
}

export function rnnCell(n: i32, hs: i32, relu: bool, xProj: usize, xOff: i32, h: usize, hOff: i32): void {
  const total = n * hs;
  for (let k = 0; k < total;) {
    const full = k + 4 <= total;
    const v = f32x4.add(ld(xProj, xOff + k, full), ld(h, hOff + k, full));
    // relu keeps NaN, as the reference (x > 0 || x !== x ? x : 0).
    st(h, hOff + k, relu ? v128.and(v, v128.or(f32x4.gt(v, splat(0)), f32x4.ne(v, v))) : tanhVec(v), full);
    k += full ? 4 : 1;
  }
}

export function rnnCellBackward(n: i32, hs: i32, relu: bool, h: usize, hOff: i32, dhOut: usize, dhOff: i32,
  dhRec: usize, dPre: usize, dpOff: i32): void {
  const total = n * hs;
  for (let k = 0; k < total;) {
    const full = k + 4 <= total;
    const dh = dhOf(dhOut, dhOff, dhRec, k, full), y = ld(h, hOff + k, full);
    const d = relu ? v128.and(splat(1), f32x4.gt(y, splat(0))) : f32x4.sub(splat(1), f32x4.mul(y, y));
    st(dPre, dpOff + k, f32x4.mul(dh, d), full);
    k += full ? 4 : 1;
  }
}

export function lstmCell(n: i32, hs: i32, xProj: usize, xOff: i32, gates: usize, gOff: i32, cPrev: usize, cpOff: i32,
  c: usize, cOff: i32, h: usize, hOff: i32): void {
  for (let b = 0; b < n; b++) {
    const g = gOff + b * 4 * hs, x = xOff + b * 4 * hs, r = b * hs;
    for (let j = 0; j < hs;) {
      const full = j + 4 <= hs;
      const ig = sigmoidVec(f32x4.add(ld(xProj, x + j, full), ld(gates, g + j, full)));
      const fg = sigmoidVec(f32x4.add(ld(xProj, x + hs + j, full), ld(gates, g + hs + j, full)));
      const gg = tanhVec(f32x4.add(ld(xProj, x + 2 * hs + j, full), ld(gates, g + 2 * hs + j, full)));
      const og = sigmoidVec(f32x4.add(ld(xProj, x + 3 * hs + j, full), ld(gates, g + 3 * hs + j, full)));
      st(gates, g + j, ig, full); st(gates, g + hs + j, fg, full); st(gates, g + 2 * hs + j, gg, full); st(gates,
        g + 3 * hs + j, og, full);
      const cv = madd(fg, ld(cPrev, cpOff + r + j, full), f32x4.mul(ig, gg));
      st(c, cOff + r + j, cv, full);
      st(h, hOff + r + j, f32x4.mul(og, tanhVec(cv)), full);
      j += full ? 4 : 1;
    }
  }
}

export function lstmCellBackward(n: i32, hs: i32, gates: usize, gOff: i32, cPrev: usize, cpOff: i32, c: usize,
  cOff: i32, dhOut: usize, dhOff: i32, dhRec: usize, dc: usize, dGates: usize, dgOff: i32): void {
  const one = splat(1);
  for (let b = 0; b < n; b++) {
    const g = gOff + b * 4 * hs, dg = dgOff + b * 4 * hs, r = b * hs;
    for (let j = 0; j < hs;) {
      const full = j + 4 <= hs, k = r + j;
      const ig = ld(gates, g + j, full), fg = ld(gates, g + hs + j, full), gg = ld(gates, g + 2 * hs + j, full),
        og = ld(gates, g + 3 * hs + j, full);
      const tc = tanhVec(ld(c, cOff + k, full));
      const dh = dhOf(dhOut, dhOff, dhRec, k, full);
      const dct = madd(f32x4.mul(dh, og), f32x4.sub(one, f32x4.mul(tc, tc)), ld(dc, k, full));
      st(dGates, dg + j, f32x4.mul(f32x4.mul(dct, gg), f32x4.mul(ig, f32x4.sub(one, ig))), full);
      const cp = ld(cPrev, cpOff + k, full);
      st(dGates, dg + hs + j, f32x4.mul(f32x4.mul(dct, cp), f32x4.mul(fg, f32x4.sub(one, fg))), full);
      st(dGates, dg + 2 * hs + j, f32x4.mul(f32x4.mul(dct, ig), f32x4.sub(one, f32x4.mul(gg, gg))), full);
      st(dGates, dg + 3 * hs + j, f32x4.mul(f32x4.mul(dh, tc), f32x4.mul(og, f32x4.sub(one, og))), full);
      st(dc, k, f32x4.mul(dct, fg), full);
      j += full ? 4 : 1;
    }
  }
}

export function gruCell(n: i32, hs: i32, xProj: usize, xOff: i32, hProj: usize, hpOff: i32, hPrev: usize, hPrevOff: i32,
  gates: usize, gOff: i32, h: usize, hOff: i32): void {
  for (let b = 0; b < n; b++) {
    const x = xOff + b * 3 * hs, p = hpOff + b * 3 * hs, g = gOff + b * 3 * hs, r0 = b * hs;
    for (let j = 0; j < hs;) {
      const full = j + 4 <= hs;
      const r = sigmoidVec(f32x4.add(ld(xProj, x + j, full), ld(hProj, p + j, full)));
      const z = sigmoidVec(f32x4.add(ld(xProj, x + hs + j, full), ld(hProj, p + hs + j, full)));
      const nn = tanhVec(madd(r, ld(hProj, p + 2 * hs + j, full), ld(xProj, x + 2 * hs + j, full)));
      st(gates, g + j, r, full); st(gates, g + hs + j, z, full); st(gates, g + 2 * hs + j, nn, full);
      // (1 − z)·n + z·hPrev = n + z·(hPrev − n)
      st(h, hOff + r0 + j, madd(z, f32x4.sub(ld(hPrev, hPrevOff + r0 + j, full), nn), nn), full);
      j += full ? 4 : 1;
    }
  }
}

export function gruCellBackward(n: i32, hs: i32, gates: usize, gOff: i32, hProj: usize, hpOff: i32, hPrev: usize,
  hPrevOff: i32, dhOut: usize, dhOff: i32, dhRec: usize, dX: usize, dxOff: i32, dHProj: usize, dhpOff: i32): void {
  const one = splat(1);
  for (let b = 0; b < n; b++) {
    const g = gOff + b * 3 * hs, p = hpOff + b * 3 * hs, dx = dxOff + b * 3 * hs, dp = dhpOff + b * 3 * hs, r0 = b * hs;
    for (let j = 0; j < hs;) {
      const full = j + 4 <= hs, k = r0 + j;
      const r = ld(gates, g + j, full), z = ld(gates, g + hs + j, full), nn = ld(gates, g + 2 * hs + j, full);
      const dh = dhOf(dhOut, dhOff, dhRec, k, full);
      const dnPre = f32x4.mul(f32x4.mul(dh, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(nn, nn)));
      const drPre = f32x4.mul(f32x4.mul(dnPre, ld(hProj, p + 2 * hs + j, full)), f32x4.mul(r, f32x4.sub(one, r)));
      const hp = ld(hPrev, hPrevOff + k, full);
      const dzPre = f32x4.mul(f32x4.mul(dh, f32x4.sub(hp, nn)), f32x4.mul(z, f32x4.sub(one, z)));
      st(dX, dx + j, drPre, full); st(dX, dx + hs + j, dzPre, full); st(dX, dx + 2 * hs + j, dnPre, full);
      st(dHProj, dp + j, drPre, full); st(dHProj, dp + hs + j, dzPre, full); st(dHProj, dp + 2 * hs + j,
        f32x4.mul(dnPre, r), full);
      st(dhRec, k, f32x4.mul(dh, z), full);
      j += full ? 4 : 1;
    }
  }
}
