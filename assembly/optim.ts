// Optimizer kernels. Updates run in f32 lanes, as PyTorch's own float32 update, mirroring the
// reference statement by statement, so both backends train identically.
import { claim, at } from "./simd";

/** buf is 0 when there is no momentum buffer. */
export function sgdStep(param: usize, grad: usize, buf: usize, n: i32, lr: f64, momentum: f64, dampening: f64,
  nesterov: bool, weightDecay: f64, maximize: bool, firstStep: bool): void {
  // f32 arithmetic, 4 lanes at a time, as PyTorch's own float32 update; the flags are loop-invariant.
  const vlr = f32x4.splat(<f32>lr), vm = f32x4.splat(<f32>momentum), vd = f32x4.splat(<f32>(1 - dampening));
  const vwd = f32x4.splat(<f32>weightDecay);
  const useBuf = momentum != 0 && buf != 0;
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const pp = at(param, i);
    const p = v128.load(pp);
    let g = v128.load(at(grad, i));
    if (maximize) g = f32x4.neg(g);
    if (weightDecay != 0) g = f32x4.add(g, f32x4.mul(vwd, p));
    if (useBuf) {
      const pb = at(buf, i);
      const b = firstStep ? g : f32x4.add(f32x4.mul(vm, v128.load(pb)), f32x4.mul(vd, g));
      v128.store(pb, b);
      g = nesterov ? f32x4.add(g, f32x4.mul(vm, b)) : b;
    }
    v128.store(pp, f32x4.sub(p, f32x4.mul(vlr, g)));
  }
  for (let i = n4; i < n; i++) {
    const pp = at(param, i);
    const p = load<f32>(pp);
    let g = load<f32>(at(grad, i));
    if (maximize) g = -g;
    if (weightDecay != 0) g += <f32>weightDecay * p;
    if (useBuf) {
      const pb = at(buf, i);
      const b = firstStep ? g : <f32>momentum * load<f32>(pb) + <f32>(1 - dampening) * g;
      store<f32>(pb, b);
      g = nesterov ? g + <f32>momentum * b : b;
    }
    store<f32>(pp, p - <f32>lr * g);
  }
}

/**
 * sgdStep over a table of `count` entries of 11 f64s each: param, grad, buf pointers, n, lr,
 * momentum, dampening, nesterov, weightDecay, maximize, firstStep — slices of an optimizer step's
 * parameters. Every thread runs this on the same table and takes the next entry from the shared
 * counter at `next` until none is left: equal shares measured 60 vs 75 µs (and 120 vs 180 µs when
 * memory was busy) depending on where the data sat, so shares are claimed, not fixed.
 */
export function sgdStepTasks(next: usize, table: usize, count: i32): void {
  for (;;) {
    const i = claim(next);
    if (i >= count) return;
    const e = table + <usize>i * 88;
    sgdStep(<usize>load<f64>(e), <usize>load<f64>(e, 8), <usize>load<f64>(e, 16), <i32>load<f64>(e, 24), load<f64>(e, 32),
      load<f64>(e, 40), load<f64>(e, 48), load<f64>(e, 56) != 0, load<f64>(e, 64), load<f64>(e, 72) != 0, load<f64>(e, 80) != 0);
  }
}

/**
 * One Adam step of n elements. stepSize = lr / (1 − beta1^t) and bc2Sqrt = √(1 − beta2^t) are
 * computed by the caller once; maxSq (0 for none) is AMSGrad's running maximum of the second moment.
 */
export function adamStep(param: usize, grad: usize, expAvg: usize, expAvgSq: usize, maxSq: usize, n: i32, lr: f64, beta1: f64,
  beta2: f64, eps: f64, weightDecay: f64, decoupled: bool, maximize: bool, stepSize: f64, bc2Sqrt: f64): void {
  const vb1 = f32x4.splat(<f32>beta1), vb1c = f32x4.splat(<f32>(1 - beta1));
  const vb2 = f32x4.splat(<f32>beta2), vb2c = f32x4.splat(<f32>(1 - beta2));
  const vdecay = f32x4.splat(<f32>(1 - lr * weightDecay)), vwd = f32x4.splat(<f32>weightDecay);
  const vstep = f32x4.splat(<f32>stepSize), vbc2 = f32x4.splat(<f32>bc2Sqrt), veps = f32x4.splat(<f32>eps);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const pp = at(param, i), pm = at(expAvg, i), pv = at(expAvgSq, i);
    let p = v128.load(pp);
    let g = v128.load(at(grad, i));
    if (maximize) g = f32x4.neg(g);
    if (decoupled) p = f32x4.mul(p, vdecay);
    else if (weightDecay != 0) g = f32x4.add(g, f32x4.mul(vwd, p));
    const m = f32x4.add(f32x4.mul(vb1, v128.load(pm)), f32x4.mul(vb1c, g));
    let v = f32x4.add(f32x4.mul(vb2, v128.load(pv)), f32x4.mul(vb2c, f32x4.mul(g, g)));
    v128.store(pm, m);
    v128.store(pv, v);
    if (maxSq) {
      const px = at(maxSq, i);
      v = f32x4.max(v128.load(px), v);
      v128.store(px, v);
    }
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(v), vbc2), veps);
    v128.store(pp, f32x4.sub(p, f32x4.mul(vstep, f32x4.div(m, denom))));
  }
  for (let i = n4; i < n; i++) {
    const pp = at(param, i), pm = at(expAvg, i), pv = at(expAvgSq, i);
    let p = load<f32>(pp);
    let g = load<f32>(at(grad, i));
    if (maximize) g = -g;
    if (decoupled) p *= <f32>(1 - lr * weightDecay);
    else if (weightDecay != 0) g += <f32>weightDecay * p;
    const m = <f32>beta1 * load<f32>(pm) + <f32>(1 - beta1) * g;
    let v = <f32>beta2 * load<f32>(pv) + <f32>(1 - beta2) * g * g;
    store<f32>(pm, m);
    store<f32>(pv, v);
    if (maxSq) {
      const px = at(maxSq, i);
      v = max(load<f32>(px), v);
      store<f32>(px, v);
    }
    const denom = Mathf.sqrt(v) / <f32>bc2Sqrt + <f32>eps;
    store<f32>(pp, p - <f32>stepSize * (m / denom));
  }
}

/** f64 fields per row of the adamStepTasks table, in adamStep's argument order. */
const ADAM_ROW: i32 = 15;

/**
 * adamStep over a table of `count` rows (slices of a step's parameters), claimed from the shared
 * counter at `next` by every thread that runs it, like sgdStepTasks.
 */
export function adamStepTasks(next: usize, table: usize, count: i32): void {
  for (;;) {
    const i = claim(next);
    if (i >= count) return;
    const e = table + <usize>(i * ADAM_ROW) * 8;
    adamStep(<usize>load<f64>(e), <usize>load<f64>(e, 8), <usize>load<f64>(e, 16), <usize>load<f64>(e, 24),
      <usize>load<f64>(e, 32), <i32>load<f64>(e, 40), load<f64>(e, 48), load<f64>(e, 56), load<f64>(e, 64), load<f64>(e, 72),
      load<f64>(e, 80), load<f64>(e, 88) != 0, load<f64>(e, 96) != 0, load<f64>(e, 104), load<f64>(e, 112));
  }
}
