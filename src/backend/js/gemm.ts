/** Matrix products, reference: C = alpha·op(A)·op(B) + beta·C + bias, then relu if asked. */
import type { FloatArray } from "../../tensor/dtype.js";
import type { FloatStorage } from "../../tensor/storage.js";

/** One product; `F` is the storage type (host arrays in a CPU backend's implementation). */
export interface GemmArgs<F = FloatStorage> {
  transA: boolean;
  transB: boolean;
  /** C is m×n; op(A) is m×k; op(B) is k×n. */
  m: number;
  n: number;
  k: number;
  a: F;
  aOffset?: number;
  b: F;
  bOffset?: number;
  c: F;
  cOffset?: number;
  /** C = alpha·op(A)·op(B) + beta·C + bias, the bias (n entries) added to every row */
  alpha?: number;
  beta?: number;
  bias?: F;
  biasOffset?: number;
  /** Then C = max(C, 0) (NaN stays NaN, as the relu kernel): a Linear→ReLU pair in one call. */
  relu?: boolean;
}

declare module "../kernels.js" {
  interface Kernels {
    /** C = alpha·op(A)·op(B) + beta·C + bias, then relu if asked: a backend's gemm must honour bias and relu. */
    gemm(args: GemmArgs): void;
    /**
     * Independent products (no output is another's input), in any order or at once: a backend
     * with threads may run them side by side instead of splitting each — a layer's dX and dW.
     */
    gemms(list: readonly GemmArgs[]): void;
  }
}

/** `gemms` for a backend that runs products one at a time: each on its own `gemm`. */
export function gemmsOneByOne<F>(gemm: (args: GemmArgs<F>) => void): (list: readonly GemmArgs<F>[]) => void {
  return (list) => {
    for (const args of list) gemm(args);
  };
}

function gemm({
  transA,
  transB,
  m,
  n,
  k,
  a,
  b,
  c,
  aOffset = 0,
  bOffset = 0,
  cOffset = 0,
  alpha = 1,
  beta = 0,
  bias,
  biasOffset = 0,
  relu = false,
}: GemmArgs<FloatArray>): void {
  if (beta !== 1) {
    for (let i = cOffset; i < cOffset + m * n; i++) c[i] = beta === 0 ? 0 : beta * c[i];
  }
  if (bias) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) c[cOffset + i * n + j] += bias[biasOffset + j];
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    if (!transB) {
      // row += A[i,p] · B[p,:] — the inner loop walks B contiguously.
      for (let p = 0; p < k; p++) {
        const av = transA ? a[aOffset + p * m + i] : a[aOffset + i * k + p];
        const bo = bOffset + p * n;
        for (let j = 0; j < n; j++) row[j] += av * b[bo + j];
      }
    } else {
      // row[j] = A[i,:] · B[j,:] — a dot product over contiguous rows.
      for (let j = 0; j < n; j++) {
        const bo = bOffset + j * k;
        let s = 0;
        if (transA) for (let p = 0; p < k; p++) s += a[aOffset + p * m + i] * b[bo + p];
        else {
          const ao = aOffset + i * k;
          for (let p = 0; p < k; p++) s += a[ao + p] * b[bo + p];
        }
        row[j] = s;
      }
    }
    const co = cOffset + i * n;
    for (let j = 0; j < n; j++) c[co + j] += alpha * row[j];
  }
  if (relu) for (let i = cOffset; i < cOffset + m * n; i++) c[i] = reluOf(c[i]);
}

/** max(x, 0) keeping NaN (PyTorch's relu propagates NaN, so a NaN loss is not hidden). */
export const reluOf = (x: number): number => (x > 0 || x !== x ? x : 0);

export const gemmKernels = { gemm, gemms: gemmsOneByOne(gemm) };
