/**
 * Recurrent cells, reference: one time step of an Elman RNN, an LSTM or a GRU over a batch, and
 * its backward, each in one pass. The matrix products (x·W_ihᵀ for every step at once, h·W_hhᵀ
 * per step) are gemm calls around these; what is left per step is elementwise, and fusing it
 * (gate nonlinearities + state update) keeps a step to one pass over the gates.
 *
 * Layout: every block is row-major (n rows of the batch) and starts at the given offset, so a
 * step reads and writes its slice of whole-sequence buffers (L, n, G·H) in place. H = `hs`.
 * Gate order is PyTorch's: LSTM i, f, g, o; GRU r, z, n.
 */
import type { FloatArray } from "../../tensor/dtype.js";
import { sigmoid } from "./math.js";

import type { FloatStorage } from "../../tensor/storage.js";

declare module "../kernels.js" {
  interface Kernels {
    /**
     * One Elman step: h (n×H at hOff) holds h_prev·W_hhᵀ + b_hh on entry and becomes
     * act(xProj + h), act = tanh (or relu when `relu`).
     */
    rnnCell(
      n: number,
      hs: number,
      relu: boolean,
      xProj: FloatStorage,
      xOff: number,
      h: FloatStorage,
      hOff: number,
    ): void;
    /** dPre (n×H at dpOff) = (dhOut + dhRec) ⊙ act'(h); dhOut may be null (no gradient from the output). */
    rnnCellBackward(
      n: number,
      hs: number,
      relu: boolean,
      h: FloatStorage,
      hOff: number,
      dhOut: FloatStorage | null,
      dhOff: number,
      dhRec: FloatStorage,
      dPre: FloatStorage,
      dpOff: number,
    ): void;
    /**
     * One LSTM step. gates (n×4H at gOff) holds h_prev·W_hhᵀ + b_hh on entry; xProj (at xOff) is
     * x·W_ihᵀ + b_ih. Stores the activated gates σ(i), σ(f), tanh(g), σ(o) in place, then
     * c = f⊙cPrev + i⊙g and h = o⊙tanh(c).
     */
    lstmCell(
      n: number,
      hs: number,
      xProj: FloatStorage,
      xOff: number,
      gates: FloatStorage,
      gOff: number,
      cPrev: FloatStorage,
      cpOff: number,
      c: FloatStorage,
      cOff: number,
      h: FloatStorage,
      hOff: number,
    ): void;
    /**
     * Backward of one LSTM step from the activated gates, cPrev and c: with dh = dhOut + dhRec
     * (dhOut may be null) and dc (n×H) the gradient of c from the later step, writes the
     * pre-activation gate gradients dGates (n×4H at dgOff) and replaces dc by the gradient of cPrev.
     */
    lstmCellBackward(
      n: number,
      hs: number,
      gates: FloatStorage,
      gOff: number,
      cPrev: FloatStorage,
      cpOff: number,
      c: FloatStorage,
      cOff: number,
      dhOut: FloatStorage | null,
      dhOff: number,
      dhRec: FloatStorage,
      dc: FloatStorage,
      dGates: FloatStorage,
      dgOff: number,
    ): void;
    /**
     * One GRU step, PyTorch's formulation: with xProj = x·W_ihᵀ + b_ih and hProj = h_prev·W_hhᵀ + b_hh
     * (n×3H each), r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r⊙h_n) and
     * h = (1 − z)⊙n + z⊙hPrev. Stores r, z, n (n×3H at gOff) for the backward and h (at hOff).
     */
    gruCell(
      n: number,
      hs: number,
      xProj: FloatStorage,
      xOff: number,
      hProj: FloatStorage,
      hpOff: number,
      hPrev: FloatStorage,
      hPrevOff: number,
      gates: FloatStorage,
      gOff: number,
      h: FloatStorage,
      hOff: number,
    ): void;
    /**
     * Backward of one GRU step, dh = dhOut + dhRec (dhOut may be null): writes the gradients of
     * xProj (dX, n×3H at dxOff) and of hProj (dHProj at dhpOff), and replaces dhRec by the direct
     * part of hPrev's gradient, dh⊙z (the caller adds dHProj·W_hh).
     */
    gruCellBackward(
      n: number,
      hs: number,
      gates: FloatStorage,
      gOff: number,
      hProj: FloatStorage,
      hpOff: number,
      hPrev: FloatStorage,
      hPrevOff: number,
      dhOut: FloatStorage | null,
      dhOff: number,
      dhRec: FloatStorage,
      dX: FloatStorage,
      dxOff: number,
      dHProj: FloatStorage,
      dhpOff: number,
    ): void;
  }
}

export const recurrentKernels = {
  rnnCell(n: number, hs: number, relu: boolean, xProj: FloatArray, xOff: number, h: FloatArray, hOff: number): void {
    for (let k = 0; k < n * hs; k++) {
      const v = xProj[xOff + k] + h[hOff + k];
      h[hOff + k] = relu ? (v > 0 || v !== v ? v : 0) : Math.tanh(v);
    }
  },
  rnnCellBackward(
    n: number,
    hs: number,
    relu: boolean,
    h: FloatArray,
    hOff: number,
    dhOut: FloatArray | null,
    dhOff: number,
    dhRec: FloatArray,
    dPre: FloatArray,
    dpOff: number,
  ): void {
    for (let k = 0; k < n * hs; k++) {
      const dh = (dhOut ? dhOut[dhOff + k] : 0) + dhRec[k],
        y = h[hOff + k];
      dPre[dpOff + k] = dh * (relu ? (y > 0 ? 1 : 0) : 1 - y * y);
    }
  },
  lstmCell(
    n: number,
    hs: number,
    xProj: FloatArray,
    xOff: number,
    gates: FloatArray,
    gOff: number,
    cPrev: FloatArray,
    cpOff: number,
    c: FloatArray,
    cOff: number,
    h: FloatArray,
    hOff: number,
  ): void {
    for (let b = 0; b < n; b++) {
      const g = gOff + b * 4 * hs,
        x = xOff + b * 4 * hs;
      for (let j = 0; j < hs; j++) {
        const ig = sigmoid(xProj[x + j] + gates[g + j]);
        const fg = sigmoid(xProj[x + hs + j] + gates[g + hs + j]);
        const gg = Math.tanh(xProj[x + 2 * hs + j] + gates[g + 2 * hs + j]);
        const og = sigmoid(xProj[x + 3 * hs + j] + gates[g + 3 * hs + j]);
        gates[g + j] = ig;
        gates[g + hs + j] = fg;
        gates[g + 2 * hs + j] = gg;
        gates[g + 3 * hs + j] = og;
        const cv = fg * cPrev[cpOff + b * hs + j] + ig * gg;
        c[cOff + b * hs + j] = cv;
        h[hOff + b * hs + j] = og * Math.tanh(cv);
      }
    }
  },
  lstmCellBackward(
    n: number,
    hs: number,
    gates: FloatArray,
    gOff: number,
    cPrev: FloatArray,
    cpOff: number,
    c: FloatArray,
    cOff: number,
    dhOut: FloatArray | null,
    dhOff: number,
    dhRec: FloatArray,
    dc: FloatArray,
    dGates: FloatArray,
    dgOff: number,
  ): void {
    for (let b = 0; b < n; b++) {
      const g = gOff + b * 4 * hs,
        dg = dgOff + b * 4 * hs;
      for (let j = 0; j < hs; j++) {
        const k = b * hs + j;
        const ig = gates[g + j],
          fg = gates[g + hs + j],
          gg = gates[g + 2 * hs + j],
          og = gates[g + 3 * hs + j];
        const tc = Math.tanh(c[cOff + k]);
        const dh = (dhOut ? dhOut[dhOff + k] : 0) + dhRec[k];
        const dct = dc[k] + dh * og * (1 - tc * tc);
        dGates[dg + j] = dct * gg * ig * (1 - ig);
        dGates[dg + hs + j] = dct * cPrev[cpOff + k] * fg * (1 - fg);
        dGates[dg + 2 * hs + j] = dct * ig * (1 - gg * gg);
        dGates[dg + 3 * hs + j] = dh * tc * og * (1 - og);
        dc[k] = dct * fg;
      }
    }
  },
  gruCell(
    n: number,
    hs: number,
    xProj: FloatArray,
    xOff: number,
    hProj: FloatArray,
    hpOff: number,
    hPrev: FloatArray,
    hPrevOff: number,
    gates: FloatArray,
    gOff: number,
    h: FloatArray,
    hOff: number,
  ): void {
    for (let b = 0; b < n; b++) {
      const x = xOff + b * 3 * hs,
        p = hpOff + b * 3 * hs,
        g = gOff + b * 3 * hs;
      for (let j = 0; j < hs; j++) {
        const r = sigmoid(xProj[x + j] + hProj[p + j]);
        const z = sigmoid(xProj[x + hs + j] + hProj[p + hs + j]);
        const nn = Math.tanh(xProj[x + 2 * hs + j] + r * hProj[p + 2 * hs + j]);
        gates[g + j] = r;
        gates[g + hs + j] = z;
        gates[g + 2 * hs + j] = nn;
        h[hOff + b * hs + j] = (1 - z) * nn + z * hPrev[hPrevOff + b * hs + j];
      }
    }
  },
  gruCellBackward(
    n: number,
    hs: number,
    gates: FloatArray,
    gOff: number,
    hProj: FloatArray,
    hpOff: number,
    hPrev: FloatArray,
    hPrevOff: number,
    dhOut: FloatArray | null,
    dhOff: number,
    dhRec: FloatArray,
    dX: FloatArray,
    dxOff: number,
    dHProj: FloatArray,
    dhpOff: number,
  ): void {
    for (let b = 0; b < n; b++) {
      const g = gOff + b * 3 * hs,
        p = hpOff + b * 3 * hs,
        dx = dxOff + b * 3 * hs,
        dp = dhpOff + b * 3 * hs;
      for (let j = 0; j < hs; j++) {
        const k = b * hs + j;
        const r = gates[g + j],
          z = gates[g + hs + j],
          nn = gates[g + 2 * hs + j];
        const dh = (dhOut ? dhOut[dhOff + k] : 0) + dhRec[k];
        const dnPre = dh * (1 - z) * (1 - nn * nn);
        const drPre = dnPre * hProj[p + 2 * hs + j] * r * (1 - r);
        const dzPre = dh * (hPrev[hPrevOff + k] - nn) * z * (1 - z);
        dX[dx + j] = drPre;
        dX[dx + hs + j] = dzPre;
        dX[dx + 2 * hs + j] = dnPre;
        dHProj[dp + j] = drPre;
        dHProj[dp + hs + j] = dzPre;
        dHProj[dp + 2 * hs + j] = dnPre * r;
        dhRec[k] = dh * z;
      }
    }
  },
};
