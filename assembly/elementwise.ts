// Elementwise kernels. Op codes come from src/backend/opcodes.ts, the table the TypeScript side
// reads too. Cheap ops and gelu (a transformer's hot activation) run 4 lanes at a time in float32;
// the other transcendental ones are scalar and computed in f64 so results round to the same f32 as
// the JS reference almost always.
import { Binary, Unary } from "../src/backend/opcodes";
import { at, madd, reluVec } from "./simd";

const SQRT1_2: f64 = 0.7071067811865476;
const SQRT_2_OVER_PI: f64 = 0.7978845608028654;
const INV_SQRT_2PI: f64 = 0.3989422804014327;

// @ts-ignore: decorator
@inline function sigmoid(x: f64): f64 {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function unaryScalar(op: i32, x: f64, alpha: f64): f64 {
  switch (op) {
    case Unary.exp: return Math.exp(x);
    case Unary.log: return Math.log(x);
    case Unary.log1p: return Math.log1p(x);
    case Unary.leakyRelu: return x > 0 ? x : alpha * x;
    case Unary.sigmoid: return sigmoid(x);
    case Unary.tanh: return Math.tanh(x);
    case Unary.geluTanh: return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
    case Unary.silu: return x * sigmoid(x);
  }
  return NaN;
}

/**
 * e^a lane-wise in float32 (Cephes expf: a = n·ln2 + r, |r| ≤ ln2/2, a degree-5 polynomial, 2^n
 * put in the exponent bits): within ~1 ULP; a below -87.3 (results that would be denormal) gives 0.
 */
// @ts-ignore: decorator
@inline export function expVec(a: v128): v128 {
  const x = f32x4.max(f32x4.min(a, f32x4.splat(88.3762626647949)), f32x4.splat(-87.3365447505531));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  // ln 2 in two parts: n·C1 is exact, so r keeps its low bits.
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = madd(p, r, f32x4.splat(1.3981999507e-3));
  p = madd(p, r, f32x4.splat(8.3334519073e-3));
  p = madd(p, r, f32x4.splat(4.1665795894e-2));
  p = madd(p, r, f32x4.splat(1.6666665459e-1));
  p = madd(p, r, f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  const pow2n = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  // Exactly 0 below the clamp, as Math.exp underflows: gelu'(±∞) is then ∞·0 = NaN, the reference's.
  return v128.andnot(f32x4.mul(p, pow2n), f32x4.lt(a, f32x4.splat(-87.3365447505531)));
}

/**
 * t = 1/(1 + z/2) at z = |x|/√2, lane-wise: the variable of Numerical Recipes' erfc fit `erfcc` (< 1.2e-7
 * relative error everywhere; the JS reference, src/backend/js/math.ts, computes erf to float64 precision).
 */
// @ts-ignore: decorator
@inline function erfcT(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.abs(x), f32x4.splat(<f32>(0.5 * SQRT1_2)))));
}

/** The fit's exponent term P(t): erfc(z) ≈ t·exp(-z² + P(t)) for z ≥ 0, lane-wise. */
// @ts-ignore: decorator
@inline function erfcPoly(t: v128): v128 {
  let p = f32x4.splat(0.17087277);
  p = madd(p, t, f32x4.splat(-0.82215223));
  p = madd(p, t, f32x4.splat(1.48851587));
  p = madd(p, t, f32x4.splat(-1.13520398));
  p = madd(p, t, f32x4.splat(0.27886807));
  p = madd(p, t, f32x4.splat(-0.18628806));
  p = madd(p, t, f32x4.splat(0.09678418));
  p = madd(p, t, f32x4.splat(0.37409196));
  p = madd(p, t, f32x4.splat(1.00002368));
  return madd(p, t, f32x4.splat(-1.26551223));
}

/**
 * erfc(-x/√2) lane-wise (2·Φ(x)), given -x²/2 (`mhx2`) and the fit's exponent term and t: for
 * x ≤ 0 the fit r = t·e^(-x²/2 + P) itself, for x > 0 its complement 2 - r.
 */
// @ts-ignore: decorator
@inline function twoPhi(x: v128, mhx2: v128, poly: v128, t: v128): v128 {
  const r = f32x4.mul(t, expVec(f32x4.add(mhx2, poly)));
  return v128.bitselect(f32x4.sub(f32x4.splat(2), r), r, f32x4.gt(x, f32x4.splat(0)));
}

/** gelu(x) = x·Φ(x) over 4 lanes in float32 (the MLP of a transformer calls it on every activation). */
// @ts-ignore: decorator
@inline function geluVec(x: v128): v128 {
  const mhx2 = f32x4.mul(f32x4.mul(x, x), f32x4.splat(-0.5));
  const t = erfcT(x);
  return f32x4.mul(f32x4.mul(f32x4.splat(0.5), x), twoPhi(x, mhx2, erfcPoly(t), t));
}

/**
 * dy·gelu'(x) = dy·(Φ(x) + x·φ(x)) for 4 float32 lanes, in float32 like PyTorch's own kernel. Near
 * x ≈ -0.75 the two terms (≈ ±0.23) cancel, so the result is good to a few float32 ulps of the terms
 * (measured: |error| ≤ 2.4e-7·|dy| over x in [-8, 8] against the float64 reference), not of itself.
 */
// @ts-ignore: decorator
@inline function geluBackwardVec(x: v128, dy: v128): v128 {
  const mhx2 = f32x4.mul(f32x4.mul(x, x), f32x4.splat(-0.5));
  const t = erfcT(x);
  const phi = f32x4.mul(f32x4.splat(<f32>INV_SQRT_2PI), expVec(mhx2));
  const grad = madd(f32x4.splat(0.5), twoPhi(x, mhx2, erfcPoly(t), t), f32x4.mul(x, phi));
  return f32x4.mul(dy, grad);
}

// @ts-ignore: decorator
@inline function unaryVec(op: i32, x: v128): v128 {
  switch (op) {
    case Unary.neg: return f32x4.neg(x);
    case Unary.sqrt: return f32x4.sqrt(x);
    case Unary.abs: return f32x4.abs(x);
    case Unary.square: return f32x4.mul(x, x);
    case Unary.reciprocal: return f32x4.div(f32x4.splat(1), x);
    case Unary.relu: return reluVec(x);
  }
  return x;
}

/** True for the cheap ops with a SIMD path (neg sqrt abs square reciprocal relu; gelu has its own loop in `unary`). */
// @ts-ignore: decorator
@inline function isVecOp(op: i32): bool {
  return op == Unary.neg || op == Unary.sqrt || op == Unary.abs || op == Unary.square || op == Unary.reciprocal ||
    op == Unary.relu;
}

export function unary(op: i32, x: usize, out: usize, n: i32, alpha: f64): void {
  if (op == Unary.gelu) {
    // Four independent vectors per iteration: V8 emits each gelu as one long dependency chain in
    // program order, and four chains side by side let the CPU overlap them (2.1x faster, measured).
    let i = 0;
    for (; i + 16 <= n; i += 16) {
      const x0 = v128.load(at(x, i)), x1 = v128.load(at(x, i + 4));
      const x2 = v128.load(at(x, i + 8)), x3 = v128.load(at(x, i + 12));
      v128.store(at(out, i), geluVec(x0));
      v128.store(at(out, i + 4), geluVec(x1));
      v128.store(at(out, i + 8), geluVec(x2));
      v128.store(at(out, i + 12), geluVec(x3));
    }
    for (; i + 4 <= n; i += 4) v128.store(at(out, i), geluVec(v128.load(at(x, i))));
    for (; i < n; i++) store<f32>(at(out, i), f32x4.extract_lane(geluVec(f32x4.splat(load<f32>(at(x, i)))), 0));
    return;
  }
  if (isVecOp(op)) {
    let i = 0;
    for (; i + 4 <= n; i += 4) v128.store(at(out, i), unaryVec(op, v128.load(at(x, i))));
    for (; i < n; i++) {
      const v = unaryVec(op, f32x4.splat(load<f32>(at(x, i))));
      store<f32>(at(out, i), f32x4.extract_lane(v, 0));
    }
    return;
  }
  for (let i = 0; i < n; i++) store<f32>(at(out, i), <f32>unaryScalar(op, <f64>load<f32>(at(x, i)), alpha));
}

/** Local derivative dy/dx from input x and output y (mirrors derivFn in the JS backend). */
function deriv(op: i32, x: f64, y: f64, alpha: f64): f64 {
  switch (op) {
    case Unary.neg: return -1;
    case Unary.exp: return y;
    case Unary.log: return 1 / x;
    case Unary.log1p: return 1 / (1 + x);
    case Unary.sqrt: return 0.5 / y;
    case Unary.abs: return x > 0 ? 1 : x < 0 ? -1 : x; // Math.sign: keeps ±0 and NaN
    case Unary.square: return 2 * x;
    case Unary.reciprocal: return -y * y;
    case Unary.relu: return x > 0 ? 1 : 0;
    case Unary.leakyRelu: return x > 0 ? 1 : alpha;
    case Unary.sigmoid: return y * (1 - y);
    case Unary.tanh: return 1 - y * y;
    case Unary.geluTanh: {
      const t = Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x));
      const dInner = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dInner;
    }
    case Unary.silu: { const s = sigmoid(x); return s * (1 + x * (1 - s)); }
  }
  return NaN;
}

export function unaryBackward(op: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32, alpha: f64): void {
  if (op == Unary.relu) {
    // relu backward is the training hot path: dy · (x > 0), 4 lanes at a time.
    const one = f32x4.splat(1), zero = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const m = v128.and(one, f32x4.gt(v128.load(at(x, i)), zero));
      v128.store(at(dx, i), f32x4.mul(v128.load(at(dy, i)), m));
    }
    for (; i < n; i++) store<f32>(at(dx, i), load<f32>(at(dy, i)) * (load<f32>(at(x, i)) > 0 ? <f32>1 : <f32>0));
    return;
  }
  if (op == Unary.gelu) {
    // A transformer's MLP backward: four independent vectors per iteration, as in `unary`.
    let i = 0;
    for (; i + 16 <= n; i += 16) {
      const x0 = v128.load(at(x, i)), x1 = v128.load(at(x, i + 4));
      const x2 = v128.load(at(x, i + 8)), x3 = v128.load(at(x, i + 12));
      const d0 = v128.load(at(dy, i)), d1 = v128.load(at(dy, i + 4));
      const d2 = v128.load(at(dy, i + 8)), d3 = v128.load(at(dy, i + 12));
      v128.store(at(dx, i), geluBackwardVec(x0, d0));
      v128.store(at(dx, i + 4), geluBackwardVec(x1, d1));
      v128.store(at(dx, i + 8), geluBackwardVec(x2, d2));
      v128.store(at(dx, i + 12), geluBackwardVec(x3, d3));
    }
    for (; i + 4 <= n; i += 4) v128.store(at(dx, i), geluBackwardVec(v128.load(at(x, i)), v128.load(at(dy, i))));
    for (; i < n; i++) {
      const g = geluBackwardVec(f32x4.splat(load<f32>(at(x, i))), f32x4.splat(load<f32>(at(dy, i))));
      store<f32>(at(dx, i), f32x4.extract_lane(g, 0));
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const d = deriv(op, <f64>load<f32>(at(x, i)), <f64>load<f32>(at(y, i)), alpha);
    store<f32>(at(dx, i), <f32>(<f64>load<f32>(at(dy, i)) * d));
  }
}

// @ts-ignore: decorator
@inline function binVec(op: i32, a: v128, b: v128): v128 {
  const one = f32x4.splat(1);
  switch (op) {
    case Binary.add: return f32x4.add(a, b);
    case Binary.sub: return f32x4.sub(a, b);
    case Binary.mul: return f32x4.mul(a, b);
    case Binary.div: return f32x4.div(a, b);
    // wasm min/max propagate NaN and order -0 < +0, exactly like the reference.
    case Binary.maximum: return f32x4.max(a, b);
    case Binary.minimum: return f32x4.min(a, b);
    case Binary.eq: return v128.and(one, f32x4.eq(a, b));
    case Binary.gt: return v128.and(one, f32x4.gt(a, b));
    case Binary.lt: return v128.and(one, f32x4.lt(a, b));
    case Binary.ge: return v128.and(one, f32x4.ge(a, b));
    case Binary.le: return v128.and(one, f32x4.le(a, b));
    case Binary.ne: return v128.and(one, f32x4.ne(a, b));
  }
  return a;
}

// @ts-ignore: decorator
@inline function binScalar(op: i32, a: f32, b: f32): f32 {
  if (op == Binary.pow) return <f32>Math.pow(<f64>a, <f64>b);
  return f32x4.extract_lane(binVec(op, f32x4.splat(a), f32x4.splat(b)), 0);
}

/**
 * out[i] = a[i·sa] op b[i·sb] for i < n, with strides 0 or 1 taking the SIMD path (same shape,
 * scalar operand, row broadcast) and any other stride a scalar loop.
 */
export function binaryInner(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  let i = 0;
  if (op != Binary.pow && (sa == 0 || sa == 1) && (sb == 0 || sb == 1)) {
    const av0 = f32x4.splat(load<f32>(a)), bv0 = f32x4.splat(load<f32>(b));
    for (; i + 4 <= n; i += 4) {
      const av = sa ? v128.load(at(a, i)) : av0;
      const bv = sb ? v128.load(at(b, i)) : bv0;
      v128.store(at(out, i), binVec(op, av, bv));
    }
  }
  for (; i < n; i++) store<f32>(at(out, i), binScalar(op, load<f32>(at(a, i * sa)), load<f32>(at(b, i * sb))));
}

/**
 * Broadcasting binary op over `rank` dims: shape/sa/sb point at i32[rank] (sa/sb are element
 * strides of a and b read in the output's shape). The last dim is handed to binaryInner.
 */
export function binaryStrided(op: i32, a: usize, b: usize, out: usize, rank: i32, shape: usize, sa: usize, sb: usize, idx: usize): void {
  const last = rank - 1;
  const inner = load<i32>(at(shape, last));
  const ia = load<i32>(at(sa, last)), ib = load<i32>(at(sb, last));
  let total: i32 = 1;
  for (let d = 0; d < last; d++) { total *= load<i32>(at(shape, d)); store<i32>(at(idx, d), 0); }
  let oa = 0, ob = 0, o = 0;
  for (let r = 0; r < total; r++) {
    binaryInner(op, at(a, oa), ia, at(b, ob), ib, at(out, o), inner);
    o += inner;
    for (let d = last - 1; d >= 0; d--) {
      const k = load<i32>(at(idx, d)) + 1;
      const sd = load<i32>(at(shape, d)), ad = load<i32>(at(sa, d)), bd = load<i32>(at(sb, d));
      oa += ad; ob += bd;
      if (k < sd) { store<i32>(at(idx, d), k); break; }
      oa -= ad * sd; ob -= bd * sd; store<i32>(at(idx, d), 0);
    }
  }
}

export function clamp(x: usize, lo: f32, hi: f32, out: usize, n: i32): void {
  const l = f32x4.splat(lo), h = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), f32x4.min(f32x4.max(v128.load(at(x, i)), l), h));
  for (; i < n; i++) {
    const v = f32x4.min(f32x4.max(f32x4.splat(load<f32>(at(x, i))), l), h);
    store<f32>(at(out, i), f32x4.extract_lane(v, 0));
  }
}

export function axpy(alpha: f64, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(at(y, i), <f32>(<f64>load<f32>(at(y, i)) + alpha * <f64>load<f32>(at(x, i))));
}
