/**
 * Normalization, reference: LayerNorm over the rows of a (rows, d) view and BatchNorm over the
 * channels of an (n, c, l) view, forward and backward, each in one kernel. Statistics are taken in
 * float64 with two passes (mean, then the squared deviations), as PyTorch's CPU kernels do.
 */
import type { FloatArray } from "../../tensor/dtype.js";
import type { FloatStorage } from "../../tensor/storage.js";

export interface LayerNormArgs<F = FloatStorage> {
  /** (rows, d): each row normalized over its d elements. */
  x: F;
  rows: number;
  d: number;
  /** (d) or null for no affine. */
  weight: F | null;
  bias: F | null;
  eps: number;
  /** Outputs: y (rows, d), and each row's mean and 1/√(var + eps) (rows) for the backward. */
  out: F;
  mean: F;
  rstd: F;
}

export interface LayerNormBackwardArgs<F = FloatStorage> {
  x: F;
  dy: F;
  mean: F;
  rstd: F;
  weight: F | null;
  rows: number;
  d: number;
  /** Written in full; dweight/dbias (d) are sums over rows, null when not wanted. */
  dx: F;
  dweight: F | null;
  dbias: F | null;
}

export interface BatchNormArgs<F = FloatStorage> {
  /** (n, c, l): channel ch is every x[i, ch, j]. */
  x: F;
  n: number;
  c: number;
  l: number;
  weight: F | null;
  bias: F | null;
  /**
   * Updated in place when training (running ← (1 − momentum)·running + momentum·batch, with the
   * unbiased batch variance); read in eval.
   */
  runningMean: F | null;
  runningVar: F | null;
  /** Batch statistics (true) or the running ones (false). */
  training: boolean;
  momentum: number;
  eps: number;
  /** Outputs: y (n, c, l), and the per-channel mean and 1/√(var + eps) used (c). */
  out: F;
  mean: F;
  rstd: F;
}

export interface BatchNormBackwardArgs<F = FloatStorage> {
  x: F;
  dy: F;
  mean: F;
  rstd: F;
  weight: F | null;
  n: number;
  c: number;
  l: number;
  /** As in the forward: with batch statistics dx also flows through the mean and variance. */
  training: boolean;
  /** Written in full; null when not wanted. */
  dx: F | null;
  dweight: F | null;
  dbias: F | null;
}

declare module "../kernels.js" {
  interface Kernels {
    /** y = (x − μ)·rstd·w + b per row, saving μ and rstd = 1/√(σ² + eps) (biased σ²). */
    layerNormForward(args: LayerNormArgs): void;
    /** dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·w; dw = Σ_rows dy·x̂, db = Σ_rows dy. */
    layerNormBackward(args: LayerNormBackwardArgs): void;
    /** Per-channel normalization over (n, l) with batch statistics (updating the running ones) or the running ones. */
    batchNormForward(args: BatchNormArgs): void;
    /** dβ = Σdy, dγ = Σdy·x̂, dx = γ·rstd·(dy − Σdy/M − x̂·dγ/M) (training) or γ·rstd·dy (eval), M = n·l. */
    batchNormBackward(args: BatchNormBackwardArgs): void;
  }
}

export const normKernels = {
  layerNormForward({ x, rows, d, weight, bias, eps, out, mean, rstd }: LayerNormArgs<FloatArray>): void {
    for (let r = 0; r < rows; r++) {
      const o = r * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += x[o + j];
      const mu = s / d;
      let q = 0;
      for (let j = 0; j < d; j++) {
        const t = x[o + j] - mu;
        q += t * t;
      }
      const rs = 1 / Math.sqrt(q / d + eps);
      mean[r] = mu;
      rstd[r] = rs;
      for (let j = 0; j < d; j++) {
        let y = (x[o + j] - mu) * rs;
        if (weight) y *= weight[j];
        if (bias) y += bias[j];
        out[o + j] = y;
      }
    }
  },
  layerNormBackward({
    x,
    dy,
    mean,
    rstd,
    weight,
    rows,
    d,
    dx,
    dweight,
    dbias,
  }: LayerNormBackwardArgs<FloatArray>): void {
    const dw = dweight ? new Float64Array(d) : null,
      db = dbias ? new Float64Array(d) : null;
    for (let r = 0; r < rows; r++) {
      const o = r * d,
        mu = mean[r],
        rs = rstd[r];
      let sg = 0,
        sgx = 0;
      for (let j = 0; j < d; j++) {
        const g = weight ? dy[o + j] * weight[j] : dy[o + j];
        sg += g;
        sgx += g * (x[o + j] - mu);
        if (dw) dw[j] += dy[o + j] * (x[o + j] - mu) * rs;
        if (db) db[j] += dy[o + j];
      }
      // dx = rstd·g + B·(x − μ) + C: the mean terms folded into two per-row constants.
      const B = (-rs * rs * rs * sgx) / d,
        C = (-rs * sg) / d;
      for (let j = 0; j < d; j++) {
        const g = weight ? dy[o + j] * weight[j] : dy[o + j];
        dx[o + j] = rs * g + B * (x[o + j] - mu) + C;
      }
    }
    if (dweight && dw) dweight.set(dw);
    if (dbias && db) dbias.set(db);
  },
  batchNormForward(a: BatchNormArgs<FloatArray>): void {
    const { x, n, c, l, weight, bias, runningMean, runningVar, training, momentum, eps, out, mean, rstd } = a;
    const m = n * l;
    for (let ch = 0; ch < c; ch++) {
      let mu: number, rs: number;
      if (training) {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const o = (i * c + ch) * l;
          for (let j = 0; j < l; j++) s += x[o + j];
        }
        mu = s / m;
        let q = 0;
        for (let i = 0; i < n; i++) {
          const o = (i * c + ch) * l;
          for (let j = 0; j < l; j++) {
            const t = x[o + j] - mu;
            q += t * t;
          }
        }
        rs = 1 / Math.sqrt(q / m + eps);
        if (runningMean && runningVar) {
          runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * mu;
          runningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * (q / (m - 1));
        }
      } else {
        mu = runningMean![ch];
        rs = 1 / Math.sqrt(runningVar![ch] + eps);
      }
      mean[ch] = mu;
      rstd[ch] = rs;
      const scale = weight ? rs * weight[ch] : rs,
        shift = bias ? bias[ch] : 0;
      for (let i = 0; i < n; i++) {
        const o = (i * c + ch) * l;
        for (let j = 0; j < l; j++) out[o + j] = (x[o + j] - mu) * scale + shift;
      }
    }
  },
  batchNormBackward(a: BatchNormBackwardArgs<FloatArray>): void {
    const { x, dy, mean, rstd, weight, n, c, l, training, dx, dweight, dbias } = a;
    const m = n * l;
    for (let ch = 0; ch < c; ch++) {
      const mu = mean[ch],
        rs = rstd[ch],
        w = weight ? weight[ch] : 1;
      let sdy = 0,
        sdyx = 0;
      for (let i = 0; i < n; i++) {
        const o = (i * c + ch) * l;
        for (let j = 0; j < l; j++) {
          sdy += dy[o + j];
          sdyx += dy[o + j] * (x[o + j] - mu);
        }
      }
      const dgamma = sdyx * rs;
      if (dweight) dweight[ch] = dgamma;
      if (dbias) dbias[ch] = sdy;
      if (!dx) continue;
      // dx = A·dy + B·(x − μ) + C, the batch-statistics terms folded into per-channel constants.
      const A = w * rs,
        B = training ? (-w * rs * rs * dgamma) / m : 0,
        C = training ? (-w * rs * sdy) / m : 0;
      for (let i = 0; i < n; i++) {
        const o = (i * c + ch) * l;
        for (let j = 0; j < l; j++) dx[o + j] = A * dy[o + j] + B * (x[o + j] - mu) + C;
      }
    }
  },
};
