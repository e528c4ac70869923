// Fused cross-entropy: log-softmax and the negative log-likelihood, per row, in f64 like the reference.
import { at } from "./simd";
import { softmax } from "./reduce";

/** Targets were range-checked by the caller (it throws the reference's error message). */
export function crossEntropyForward(logits: usize, target: usize, n: i32, c: i32, eps: f64, ignoreIndex: i32, lossRows: usize, logProbs: usize): void {
  softmax(logits, n, c, 1, logProbs, true);
  for (let i = 0; i < n; i++) {
    const t = load<i32>(at(target, i));
    if (t == ignoreIndex) { store<f32>(at(lossRows, i), 0); continue; }
    let s: f64 = 0;
    if (eps > 0) for (let j = 0; j < c; j++) s += <f64>load<f32>(at(logProbs, i * c + j));
    store<f32>(at(lossRows, i), <f32>(-(1 - eps) * <f64>load<f32>(at(logProbs, i * c + t)) - (eps / c) * s));
  }
}

export function crossEntropyBackward(logProbs: usize, target: usize, n: i32, c: i32, eps: f64, ignoreIndex: i32, rowGrad: usize, dlogits: usize): void {
  for (let i = 0; i < n; i++) {
    const t = load<i32>(at(target, i));
    const g: f64 = t == ignoreIndex ? 0 : <f64>load<f32>(at(rowGrad, i));
    for (let j = 0; j < c; j++) {
      const q: f64 = (j == t ? 1 - eps : 0) + eps / c;
      store<f32>(at(dlogits, i * c + j), <f32>(g * (Math.exp(<f64>load<f32>(at(logProbs, i * c + j))) - q)));
    }
  }
}
