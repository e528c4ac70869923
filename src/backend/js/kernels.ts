/** The reference backend: every kernel in plain TypeScript. Correct first; other backends are checked against it. */
import type { FloatArray, TypedArray } from "../../tensor/dtype.js";
import { allocArray } from "../../tensor/dtype.js";
import { broadcastStrides, numel, stridesOf } from "../../tensor/shape.js";
import { type BinaryOp, type GemmArgs, gemmsOneByOne, type Kernels, type UnaryOp } from "../kernels.js";
import { erf, gelu, geluGrad, geluTanh, geluTanhGrad, sigmoid } from "./math.js";

function unaryFn(op: UnaryOp, alpha: number): (x: number) => number {
  switch (op) {
    case "neg": return (x) => -x;
    case "exp": return Math.exp;
    case "log": return Math.log;
    case "log1p": return Math.log1p;
    case "sqrt": return Math.sqrt;
    case "abs": return Math.abs;
    case "square": return (x) => x * x;
    case "reciprocal": return (x) => 1 / x;
    case "relu": return (x) => (x > 0 ? x : 0);
    case "leakyRelu": return (x) => (x > 0 ? x : alpha * x);
    case "sigmoid": return sigmoid;
    case "tanh": return Math.tanh;
    case "gelu": return gelu;
    case "geluTanh": return geluTanh;
    case "silu": return (x) => x * sigmoid(x);
  }
}

/** Local derivative dy/dx given input x and output y. */
function derivFn(op: UnaryOp, alpha: number): (x: number, y: number) => number {
  switch (op) {
    case "neg": return () => -1;
    case "exp": return (_x, y) => y;
    case "log": return (x) => 1 / x;
    case "log1p": return (x) => 1 / (1 + x);
    case "sqrt": return (_x, y) => 0.5 / y;
    case "abs": return (x) => Math.sign(x);
    case "square": return (x) => 2 * x;
    case "reciprocal": return (_x, y) => -y * y;
    case "relu": return (x) => (x > 0 ? 1 : 0);
    case "leakyRelu": return (x) => (x > 0 ? 1 : alpha);
    case "sigmoid": return (_x, y) => y * (1 - y);
    case "tanh": return (_x, y) => 1 - y * y;
    case "gelu": return geluGrad;
    case "geluTanh": return geluTanhGrad;
    case "silu": return (x) => { const s = sigmoid(x); return s * (1 + x * (1 - s)); };
  }
}

function binaryFn(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case "add": return (a, b) => a + b;
    case "sub": return (a, b) => a - b;
    case "mul": return (a, b) => a * b;
    case "div": return (a, b) => a / b;
    case "pow": return Math.pow;
    case "maximum": return (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));
    case "minimum": return (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));
    case "eq": return (a, b) => (a === b ? 1 : 0);
    case "ne": return (a, b) => (a !== b ? 1 : 0);
    case "gt": return (a, b) => (a > b ? 1 : 0);
    case "lt": return (a, b) => (a < b ? 1 : 0);
    case "ge": return (a, b) => (a >= b ? 1 : 0);
    case "le": return (a, b) => (a <= b ? 1 : 0);
  }
}

function gemm({ transA, transB, m, n, k, a, b, c, aOffset = 0, bOffset = 0, cOffset = 0, alpha = 1, beta = 0, bias, biasOffset = 0, relu = false }: GemmArgs): void {
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
        else { const ao = aOffset + i * k; for (let p = 0; p < k; p++) s += a[ao + p] * b[bo + p]; }
        row[j] = s;
      }
    }
    const co = cOffset + i * n;
    for (let j = 0; j < n; j++) c[co + j] += alpha * row[j];
  }
  if (relu) for (let i = cOffset; i < cOffset + m * n; i++) c[i] = c[i] > 0 ? c[i] : 0;
}

function binary(op: BinaryOp, a: TypedArray, aShape: readonly number[], b: TypedArray, bShape: readonly number[], out: TypedArray, outShape: readonly number[]): void {
  const f = binaryFn(op);
  const n = out.length;
  if (a.length === n && b.length === n) { for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]); return; }
  if (b.length === 1) { const bv = b[0]; if (a.length === n) { for (let i = 0; i < n; i++) out[i] = f(a[i], bv); return; } }
  if (a.length === 1) { const av = a[0]; if (b.length === n) { for (let i = 0; i < n; i++) out[i] = f(av, b[i]); return; } }
  const rank = outShape.length;
  const sa = broadcastStrides(aShape, outShape), sb = broadcastStrides(bShape, outShape);
  const idx = new Array<number>(rank).fill(0);
  let ia = 0, ib = 0;
  for (let i = 0; i < n; i++) {
    out[i] = f(a[ia], b[ib]);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++; ia += sa[d]; ib += sb[d];
      if (idx[d] < outShape[d]) break;
      ia -= sa[d] * outShape[d]; ib -= sb[d] * outShape[d]; idx[d] = 0;
    }
  }
}

export const jsKernels: Kernels = {
  alloc: (dtype, n) => allocArray(dtype, n),
  gemm,
  gemms: gemmsOneByOne(gemm),
  unary(op, x, out, alpha = 0.01) {
    const f = unaryFn(op, alpha);
    for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
  },
  unaryBackward(op, x, y, dy, dx, alpha = 0.01) {
    const d = derivFn(op, alpha);
    for (let i = 0; i < dy.length; i++) dx[i] = dy[i] * d(x[i], y[i]);
  },
  binary,
  reduce(op, x, outer, size, inner, out, indices) {
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * size * inner + j;
        if (op === "sum") {
          let s = 0;
          for (let r = 0; r < size; r++) s += x[base + r * inner];
          out[o * inner + j] = s;
        } else {
          let best = x[base], bi = 0;
          for (let r = 1; r < size; r++) {
            const v = x[base + r * inner];
            if (Number.isNaN(best)) break;
            if (Number.isNaN(v) || (op === "max" ? v > best : v < best)) { best = v; bi = r; }
          }
          out[o * inner + j] = best;
          if (indices) indices[o * inner + j] = bi;
        }
      }
    }
  },
  clamp(x, lo, hi, out) {
    for (let i = 0; i < x.length; i++) out[i] = Math.min(Math.max(x[i], lo), hi);
  },
  softmax(x, outer, size, inner, out, log) {
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * size * inner + j;
        let mx = -Infinity;
        for (let r = 0; r < size; r++) mx = Math.max(mx, x[base + r * inner]);
        let s = 0;
        for (let r = 0; r < size; r++) s += Math.exp(x[base + r * inner] - mx);
        if (log) {
          const lse = mx + Math.log(s);
          for (let r = 0; r < size; r++) out[base + r * inner] = x[base + r * inner] - lse;
        } else {
          for (let r = 0; r < size; r++) out[base + r * inner] = Math.exp(x[base + r * inner] - mx) / s;
        }
      }
    }
  },
  softmaxBackward(y, dy, outer, size, inner, dx, log) {
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * size * inner + j;
        let s = 0;
        for (let r = 0; r < size; r++) {
          const i = base + r * inner;
          s += log ? dy[i] : dy[i] * y[i];
        }
        for (let r = 0; r < size; r++) {
          const i = base + r * inner;
          dx[i] = log ? dy[i] - Math.exp(y[i]) * s : y[i] * (dy[i] - s);
        }
      }
    }
  },
  permute(x, shape, perm, out) {
    const rank = shape.length;
    const inStrides = stridesOf(shape);
    const outShape = perm.map((p) => shape[p]);
    const st = perm.map((p) => inStrides[p]);
    const n = numel(shape);
    const idx = new Array<number>(rank).fill(0);
    let src = 0;
    for (let i = 0; i < n; i++) {
      out[i] = x[src];
      for (let d = rank - 1; d >= 0; d--) {
        idx[d]++; src += st[d];
        if (idx[d] < outShape[d]) break;
        src -= st[d] * outShape[d]; idx[d] = 0;
      }
    }
  },
  gatherRows(x, index, rowSize, out) {
    for (let i = 0; i < index.length; i++) out.set(x.subarray(index[i] * rowSize, (index[i] + 1) * rowSize), i * rowSize);
  },
  scatterAddRows(dy, index, rowSize, dx) {
    for (let i = 0; i < index.length; i++) {
      const o = index[i] * rowSize, s = i * rowSize;
      for (let j = 0; j < rowSize; j++) dx[o + j] += dy[s + j];
    }
  },
  axpy(alpha, x, y) { for (let i = 0; i < x.length; i++) y[i] += alpha * x[i]; },
  crossEntropyForward(logits, target, n, c, eps, ignoreIndex, lossRows, logProbs) {
    jsKernels.softmax(logits, n, c, 1, logProbs, true);
    for (let i = 0; i < n; i++) {
      const t = target[i];
      if (t === ignoreIndex) { lossRows[i] = 0; continue; }
      if (t < 0 || t >= c) throw new Error(`cross_entropy: target ${t} is out of bounds for ${c} classes (expected 0..${c - 1})`);
      let s = 0;
      if (eps > 0) for (let j = 0; j < c; j++) s += logProbs[i * c + j];
      lossRows[i] = -(1 - eps) * logProbs[i * c + t] - (eps / c) * s;
    }
  },
  crossEntropyBackward(logProbs, target, n, c, eps, ignoreIndex, rowGrad, dlogits) {
    for (let i = 0; i < n; i++) {
      const t = target[i], g = t === ignoreIndex ? 0 : rowGrad[i];
      for (let j = 0; j < c; j++) {
        const q = (j === t ? 1 - eps : 0) + eps / c;
        dlogits[i * c + j] = g * (Math.exp(logProbs[i * c + j]) - q);
      }
    }
  },
  sgdSteps(list) {
    for (const { param, grad, momentumBuffer: buf, lr, momentum, dampening, nesterov, weightDecay, maximize, firstStep } of list) {
      for (let i = 0; i < param.length; i++) {
        let g = maximize ? -grad[i] : grad[i];
        if (weightDecay !== 0) g += weightDecay * param[i];
        if (momentum !== 0 && buf) {
          buf[i] = firstStep ? g : momentum * buf[i] + (1 - dampening) * g;
          g = nesterov ? g + momentum * buf[i] : buf[i];
        }
        param[i] -= lr * g;
      }
    }
  },
  adamStep({ param, grad, expAvg, expAvgSq, lr, beta1, beta2, eps, weightDecay, decoupled, step, maximize }) {
    const bc1 = 1 - Math.pow(beta1, step);
    const bc2 = 1 - Math.pow(beta2, step);
    const stepSize = lr / bc1;
    const bc2Sqrt = Math.sqrt(bc2);
    for (let i = 0; i < param.length; i++) {
      let g = maximize ? -grad[i] : grad[i];
      if (decoupled) param[i] *= 1 - lr * weightDecay;
      else if (weightDecay !== 0) g += weightDecay * param[i];
      expAvg[i] = beta1 * expAvg[i] + (1 - beta1) * g;
      expAvgSq[i] = beta2 * expAvgSq[i] + (1 - beta2) * g * g;
      const denom = Math.sqrt(expAvgSq[i]) / bc2Sqrt + eps;
      param[i] -= stepSize * (expAvg[i] / denom);
    }
  },
};
export { erf };
export type { FloatArray };
