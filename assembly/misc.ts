// Data movement and optimizer kernels. Optimizer updates run in f64 with a round to f32 at every
// store, mirroring the reference statement by statement, so both backends train identically.
import { at } from "./simd";

/** Strided copy of 32-bit elements: out is contiguous in `shape` (i32[rank]), x read with `strides`. */
export function permute(x: usize, out: usize, rank: i32, shape: usize, strides: usize, idx: usize): void {
  let n: i32 = 1;
  for (let d = 0; d < rank; d++) { n *= load<i32>(at(shape, d)); store<i32>(at(idx, d), 0); }
  const last = rank - 1;
  const inner = load<i32>(at(shape, last)), si = load<i32>(at(strides, last));
  let src = 0;
  for (let i = 0; i < n; i += inner) {
    for (let j = 0; j < inner; j++) store<u32>(at(out, i + j), load<u32>(at(x, src + j * si)));
    for (let d = last - 1; d >= 0; d--) {
      const k = load<i32>(at(idx, d)) + 1, sd = load<i32>(at(shape, d)), st = load<i32>(at(strides, d));
      src += st;
      if (k < sd) { store<i32>(at(idx, d), k); break; }
      src -= st * sd; store<i32>(at(idx, d), 0);
    }
  }
}

export function gatherRows(x: usize, index: usize, count: i32, rowSize: i32, out: usize): void {
  const bytes = <usize>rowSize << 2;
  for (let i = 0; i < count; i++) memory.copy(at(out, i * rowSize), at(x, load<i32>(at(index, i)) * rowSize), bytes);
}

export function scatterAddRows(dy: usize, index: usize, count: i32, rowSize: i32, dx: usize): void {
  for (let i = 0; i < count; i++) {
    const d = at(dx, load<i32>(at(index, i)) * rowSize), s = at(dy, i * rowSize);
    let j = 0;
    for (; j + 4 <= rowSize; j += 4) v128.store(at(d, j), f32x4.add(v128.load(at(d, j)), v128.load(at(s, j))));
    for (; j < rowSize; j++) store<f32>(at(d, j), load<f32>(at(d, j)) + load<f32>(at(s, j)));
  }
}

export function axpy(alpha: f64, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(at(y, i), <f32>(<f64>load<f32>(at(y, i)) + alpha * <f64>load<f32>(at(x, i))));
}

/** buf is 0 when there is no momentum buffer. */
export function sgdStep(param: usize, grad: usize, buf: usize, n: i32, lr: f64, momentum: f64, dampening: f64,
  nesterov: bool, weightDecay: f64, maximize: bool, firstStep: bool): void {
  for (let i = 0; i < n; i++) {
    const pp = at(param, i);
    let g = <f64>load<f32>(at(grad, i));
    if (maximize) g = -g;
    if (weightDecay != 0) g += weightDecay * <f64>load<f32>(pp);
    if (momentum != 0 && buf) {
      const pb = at(buf, i);
      store<f32>(pb, <f32>(firstStep ? g : momentum * <f64>load<f32>(pb) + (1 - dampening) * g));
      const b = <f64>load<f32>(pb);
      g = nesterov ? g + momentum * b : b;
    }
    store<f32>(pp, <f32>(<f64>load<f32>(pp) - lr * g));
  }
}

/** stepSize = lr / (1 − beta1^t) and bc2Sqrt = √(1 − beta2^t), computed by the caller once. */
export function adamStep(param: usize, grad: usize, expAvg: usize, expAvgSq: usize, n: i32, lr: f64, beta1: f64, beta2: f64,
  eps: f64, weightDecay: f64, decoupled: bool, maximize: bool, stepSize: f64, bc2Sqrt: f64): void {
  for (let i = 0; i < n; i++) {
    const pp = at(param, i), pm = at(expAvg, i), pv = at(expAvgSq, i);
    let g = <f64>load<f32>(at(grad, i));
    if (maximize) g = -g;
    if (decoupled) store<f32>(pp, <f32>(<f64>load<f32>(pp) * (1 - lr * weightDecay)));
    else if (weightDecay != 0) g += weightDecay * <f64>load<f32>(pp);
    store<f32>(pm, <f32>(beta1 * <f64>load<f32>(pm) + (1 - beta1) * g));
    store<f32>(pv, <f32>(beta2 * <f64>load<f32>(pv) + (1 - beta2) * g * g));
    const denom = Math.sqrt(<f64>load<f32>(pv)) / bc2Sqrt + eps;
    store<f32>(pp, <f32>(<f64>load<f32>(pp) - stepSize * (<f64>load<f32>(pm) / denom)));
  }
}
