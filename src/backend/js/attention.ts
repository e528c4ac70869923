/**
 * Fused scaled-dot-product attention, reference: per (batch, head) unit, scores, the causal limit,
 * softmax and the weighted sum of values in one pass per query row, and the backward likewise.
 * Q, K, V, the output and the gradients are addressed through row strides, so heads are read in
 * place from a packed (N, L, 3E) projection and the output lands in (N, L, E) with no transposes.
 */
import type { FloatArray } from "../../tensor/dtype.js";
import type { FloatStorage } from "../../tensor/storage.js";

/**
 * Where the operands live. Element (b, h, t, j) of Q is q[qOffset + (b·L + t)·qRow + h·D + j]; K and V
 * likewise with S rows and kOffset/kRow (V: vOffset, vRow, Dv columns per head). q, k and v may be
 * one array (a packed projection).
 */
export interface AttentionArgs {
  q: FloatStorage;
  k: FloatStorage;
  v: FloatStorage;
  qOffset: number;
  kOffset: number;
  vOffset: number;
  qRow: number;
  kRow: number;
  vRow: number;
  /** Batch units B and heads per unit H: B·H independent attentions. */
  batch: number;
  heads: number;
  /** Queries L, keys S, head widths of Q/K (D) and of V (Dv). */
  L: number;
  S: number;
  D: number;
  Dv: number;
  /** Query t attends to keys 0..t only (PyTorch's top-left aligned causal mask). */
  causal: boolean;
  scale: number;
}

declare module "../kernels.js" {
  interface Kernels {
    /**
     * out (element (b, h, t, j) at (b·L + t)·oRow + h·Dv + j) = softmax(scale·Q·Kᵀ, causal) · V; writes the
     * weights to `weights` (B, H, L, S), zeros after a causal row's last key (the backward reads them).
     */
    attentionForward(a: AttentionArgs, out: FloatStorage, oRow: number, weights: FloatStorage): void;
    /**
     * From the forward's weights and dOut (laid out as its out), overwrites every unit's entries of dq, dk
     * and dv, laid out as q, k and v (same offsets and row strides; they may be one array).
     */
    attentionBackward(
      a: AttentionArgs,
      weights: FloatStorage,
      dOut: FloatStorage,
      oRow: number,
      dq: FloatStorage,
      dk: FloatStorage,
      dv: FloatStorage,
    ): void;
  }
}

export const attentionKernels = {
  attentionForward(a: AttentionArgs, out: FloatArray, oRow: number, weights: FloatArray): void {
    const { batch, heads: H, L, S, D, Dv, causal, scale, qRow, kRow, vRow } = a;
    const q = a.q as FloatArray,
      k = a.k as FloatArray,
      v = a.v as FloatArray;
    const e = new Float64Array(S);
    for (let u = 0; u < batch * H; u++) {
      const b = Math.floor(u / H),
        h = u % H;
      const qb = a.qOffset + b * L * qRow + h * D,
        kb = a.kOffset + b * S * kRow + h * D,
        vb = a.vOffset + b * S * vRow + h * Dv;
      for (let t = 0; t < L; t++) {
        const qt = qb + t * qRow,
          pt = (u * L + t) * S,
          ot = b * L * oRow + t * oRow + h * Dv;
        const lim = causal ? Math.min(t + 1, S) : S;
        let mx = -Infinity;
        for (let s = 0; s < lim; s++) {
          let z = 0;
          for (let j = 0; j < D; j++) z += q[qt + j] * k[kb + s * kRow + j];
          e[s] = z * scale;
          mx = Math.max(mx, e[s]);
        }
        let sum = 0;
        for (let s = 0; s < lim; s++) {
          e[s] = Math.exp(e[s] - mx);
          sum += e[s];
        }
        for (let j = 0; j < Dv; j++) out[ot + j] = 0;
        const acc = new Float64Array(Dv);
        for (let s = 0; s < lim; s++) {
          const w = e[s] / sum;
          weights[pt + s] = w;
          for (let j = 0; j < Dv; j++) acc[j] += w * v[vb + s * vRow + j];
        }
        for (let s = lim; s < S; s++) weights[pt + s] = 0;
        for (let j = 0; j < Dv; j++) out[ot + j] = acc[j];
      }
    }
  },

  attentionBackward(
    a: AttentionArgs,
    weights: FloatArray,
    dOut: FloatArray,
    oRow: number,
    dq: FloatArray,
    dk: FloatArray,
    dv: FloatArray,
  ): void {
    const { batch, heads: H, L, S, D, Dv, causal, scale, qRow, kRow, vRow } = a;
    const q = a.q as FloatArray,
      k = a.k as FloatArray,
      v = a.v as FloatArray;
    const dp = new Float64Array(S);
    for (let u = 0; u < batch * H; u++) {
      const b = Math.floor(u / H),
        h = u % H;
      const qb = a.qOffset + b * L * qRow + h * D,
        kb = a.kOffset + b * S * kRow + h * D,
        vb = a.vOffset + b * S * vRow + h * Dv;
      const dob = b * L * oRow + h * Dv;
      for (let s = 0; s < S; s++) {
        for (let j = 0; j < D; j++) dk[kb + s * kRow + j] = 0;
        for (let j = 0; j < Dv; j++) dv[vb + s * vRow + j] = 0;
      }
      for (let t = 0; t < L; t++) {
        const qt = qb + t * qRow,
          dt = dob + t * oRow,
          pt = (u * L + t) * S;
        const lim = causal ? Math.min(t + 1, S) : S;
        let rowdot = 0;
        for (let s = 0; s < lim; s++) {
          let g = 0;
          for (let j = 0; j < Dv; j++) g += dOut[dt + j] * v[vb + s * vRow + j];
          dp[s] = g;
          rowdot += weights[pt + s] * g;
        }
        for (let j = 0; j < D; j++) dq[qt + j] = 0;
        for (let s = 0; s < lim; s++) {
          const w = weights[pt + s],
            ds = w * (dp[s] - rowdot) * scale,
            ks = kb + s * kRow,
            vs = vb + s * vRow;
          for (let j = 0; j < D; j++) {
            dq[qt + j] += ds * k[ks + j];
            dk[ks + j] += ds * q[qt + j];
          }
          for (let j = 0; j < Dv; j++) dv[vs + j] += w * dOut[dt + j];
        }
      }
    }
  },
};
