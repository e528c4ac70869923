// Recurrent cells: one time step of an Elman RNN, an LSTM or a GRU over a batch, and its backward,
// each one pass (the gemms around them are separate calls). Mirrors src/backend/js/recurrent.ts:
// blocks are row-major, n rows of H = hs (or G·H gate) floats from the given float offset; the
// math is f64, rounded to f32 on store, like the reference. A null dhOut is pointer 0.
import { at } from "./simd";

// @ts-ignore: decorator
@inline function sigmoid(x: f64): f64 {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
// @ts-ignore: decorator
@inline function ld(p: usize, i: i32): f64 { return <f64>load<f32>(at(p, i)); }
// @ts-ignore: decorator
@inline function st(p: usize, i: i32, v: f64): void { store<f32>(at(p, i), <f32>v); }

export function rnnCell(n: i32, hs: i32, relu: bool, xProj: usize, xOff: i32, h: usize, hOff: i32): void {
  for (let k = 0; k < n * hs; k++) {
    const v = ld(xProj, xOff + k) + ld(h, hOff + k);
    st(h, hOff + k, relu ? (v > 0 || v != v ? v : 0) : Math.tanh(v));
  }
}

export function rnnCellBackward(n: i32, hs: i32, relu: bool, h: usize, hOff: i32, dhOut: usize, dhOff: i32, dhRec: usize, dPre: usize, dpOff: i32): void {
  for (let k = 0; k < n * hs; k++) {
    const dh = (dhOut ? ld(dhOut, dhOff + k) : 0) + ld(dhRec, k), y = ld(h, hOff + k);
    st(dPre, dpOff + k, dh * (relu ? (y > 0 ? 1 : 0) : 1 - y * y));
  }
}

export function lstmCell(n: i32, hs: i32, xProj: usize, xOff: i32, gates: usize, gOff: i32, cPrev: usize, cpOff: i32, c: usize, cOff: i32,
  h: usize, hOff: i32): void {
  for (let b = 0; b < n; b++) {
    const g = gOff + b * 4 * hs, x = xOff + b * 4 * hs;
    for (let j = 0; j < hs; j++) {
      const ig = sigmoid(ld(xProj, x + j) + ld(gates, g + j));
      const fg = sigmoid(ld(xProj, x + hs + j) + ld(gates, g + hs + j));
      const gg = Math.tanh(ld(xProj, x + 2 * hs + j) + ld(gates, g + 2 * hs + j));
      const og = sigmoid(ld(xProj, x + 3 * hs + j) + ld(gates, g + 3 * hs + j));
      // The backward reads the stored (f32) gates, as the reference's does.
      st(gates, g + j, ig); st(gates, g + hs + j, fg); st(gates, g + 2 * hs + j, gg); st(gates, g + 3 * hs + j, og);
      const cv = fg * ld(cPrev, cpOff + b * hs + j) + ig * gg;
      st(c, cOff + b * hs + j, cv);
      st(h, hOff + b * hs + j, og * Math.tanh(cv));
    }
  }
}

export function lstmCellBackward(n: i32, hs: i32, gates: usize, gOff: i32, cPrev: usize, cpOff: i32, c: usize, cOff: i32, dhOut: usize,
  dhOff: i32, dhRec: usize, dc: usize, dGates: usize, dgOff: i32): void {
  for (let b = 0; b < n; b++) {
    const g = gOff + b * 4 * hs, dg = dgOff + b * 4 * hs;
    for (let j = 0; j < hs; j++) {
      const k = b * hs + j;
      const ig = ld(gates, g + j), fg = ld(gates, g + hs + j), gg = ld(gates, g + 2 * hs + j), og = ld(gates, g + 3 * hs + j);
      const tc = Math.tanh(ld(c, cOff + k));
      const dh = (dhOut ? ld(dhOut, dhOff + k) : 0) + ld(dhRec, k);
      const dct = ld(dc, k) + dh * og * (1 - tc * tc);
      st(dGates, dg + j, dct * gg * ig * (1 - ig));
      st(dGates, dg + hs + j, dct * ld(cPrev, cpOff + k) * fg * (1 - fg));
      st(dGates, dg + 2 * hs + j, dct * ig * (1 - gg * gg));
      st(dGates, dg + 3 * hs + j, dh * tc * og * (1 - og));
      st(dc, k, dct * fg);
    }
  }
}

export function gruCell(n: i32, hs: i32, xProj: usize, xOff: i32, hProj: usize, hpOff: i32, hPrev: usize, hPrevOff: i32, gates: usize, gOff: i32,
  h: usize, hOff: i32): void {
  for (let b = 0; b < n; b++) {
    const x = xOff + b * 3 * hs, p = hpOff + b * 3 * hs, g = gOff + b * 3 * hs;
    for (let j = 0; j < hs; j++) {
      const r = sigmoid(ld(xProj, x + j) + ld(hProj, p + j));
      const z = sigmoid(ld(xProj, x + hs + j) + ld(hProj, p + hs + j));
      const nn = Math.tanh(ld(xProj, x + 2 * hs + j) + r * ld(hProj, p + 2 * hs + j));
      st(gates, g + j, r); st(gates, g + hs + j, z); st(gates, g + 2 * hs + j, nn);
      st(h, hOff + b * hs + j, (1 - z) * nn + z * ld(hPrev, hPrevOff + b * hs + j));
    }
  }
}

export function gruCellBackward(n: i32, hs: i32, gates: usize, gOff: i32, hProj: usize, hpOff: i32, hPrev: usize, hPrevOff: i32, dhOut: usize,
  dhOff: i32, dhRec: usize, dX: usize, dxOff: i32, dHProj: usize, dhpOff: i32): void {
  for (let b = 0; b < n; b++) {
    const g = gOff + b * 3 * hs, p = hpOff + b * 3 * hs, dx = dxOff + b * 3 * hs, dp = dhpOff + b * 3 * hs;
    for (let j = 0; j < hs; j++) {
      const k = b * hs + j;
      const r = ld(gates, g + j), z = ld(gates, g + hs + j), nn = ld(gates, g + 2 * hs + j);
      const dh = (dhOut ? ld(dhOut, dhOff + k) : 0) + ld(dhRec, k);
      const dnPre = dh * (1 - z) * (1 - nn * nn);
      const drPre = dnPre * ld(hProj, p + 2 * hs + j) * r * (1 - r);
      const dzPre = dh * (ld(hPrev, hPrevOff + k) - nn) * z * (1 - z);
      st(dX, dx + j, drPre); st(dX, dx + hs + j, dzPre); st(dX, dx + 2 * hs + j, dnPre);
      st(dHProj, dp + j, drPre); st(dHProj, dp + hs + j, dzPre); st(dHProj, dp + 2 * hs + j, dnPre * r);
      st(dhRec, k, dh * z);
    }
  }
}
