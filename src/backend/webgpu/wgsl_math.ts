/**
 * WGSL helpers every shader includes (the compiler drops what a shader does not call).
 *
 * Why our own exp/log: WGSL only promises exp to 3 + 2·|x| ULP and log to an absolute 2^-21 near 1,
 * and leaves tanh/pow to formulas that overflow to NaN on some drivers. Elementwise kernels are
 * memory-bound, so a few more flops buy results that agree with the float64 reference to about an
 * ULP on every adapter, not only on SwiftShader. Coefficients are our own least-squares fits
 * (relative error, Chebyshev nodes, float64), checked in float32 arithmetic: exp ≤ 0.92 ULP over
 * [-87, 88], log ≤ 0.83 ULP over [1e-30, 1e30] (before the final rounding).
 *
 * NaN is tested on the bits, never with `x != x`: WGSL lets implementations assume no NaN or
 * infinity in arithmetic, but not in bitcasts. NaN and ±inf are made from a private variable's
 * bits, since a constant expression that evaluates to NaN is a shader-creation error.
 */
export const WGSL_MATH = /* wgsl */ `
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
fn nan_() -> f32 { return bitcast<f32>(NAN_BITS); }
fn inf_() -> f32 { return bitcast<f32>(INF_BITS); }
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn neg_bit(x: f32) -> bool { return (bitcast<u32>(x) & 0x80000000u) != 0u; }
/** |x| with x's sign replaced by s's. */
fn copysign_(x: f32, s: f32) -> f32 {
  return bitcast<f32>((bitcast<u32>(x) & 0x7fffffffu) | (bitcast<u32>(s) & 0x80000000u));
}
/** max/min that return NaN when either side is NaN (JS's Math.max, PyTorch's maximum). */
fn max_nan(a: f32, b: f32) -> f32 { if (is_nan(a) || is_nan(b)) { return nan_(); } return max(a, b); }
fn min_nan(a: f32, b: f32) -> f32 { if (is_nan(a) || is_nan(b)) { return nan_(); } return min(a, b); }
/** max(x, 0) keeping NaN, as the reference relu. */
fn relu_(x: f32) -> f32 { if (x > 0.0 || is_nan(x)) { return x; } return 0.0; }

fn m_exp(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x > 88.72283935546875) { return inf_(); }
  if (x < -103.972084045410) { return 0.0; }
  // x = n·ln2 + r, |r| ≤ ln2/2, ln2 split in two (Cody-Waite) so n·C1 is exact.
  let n = floor(x * 1.4426950408889634 + 0.5);
  var r = x - n * 0.693359375;
  r = r - n * -2.1219444005469057e-4;
  let p = ((((1.9849518505e-4 * r + 1.3933581280e-3) * r + 8.3333731276e-3) * r + 4.1666465723e-2) * r
    + 1.6666666495e-1) * r + 5.0000000134e-1;
  let e = p * (r * r) + r + 1.0;
  // 2^n in two halves: each factor stays a normal number for every n in range.
  let ni = i32(n);
  let h = ni / 2;
  return e * ldexp(1.0, h) * ldexp(1.0, ni - h);
}

fn m_log(x: f32) -> f32 {
  if (is_nan(x) || x < 0.0) { return nan_(); }
  if (x == 0.0) { return -inf_(); }
  if (is_inf(x)) { return x; }
  let fr = frexp(x);
  var m = fr.fract;
  var e = f32(fr.exp);
  if (m < 0.70710678118654752) { m = m + m; e = e - 1.0; }
  let f = m - 1.0;
  let f2 = f * f;
  let p = (((((((6.8623749810e-2 * f - 1.1421598800e-1) * f + 1.1699114085e-1) * f - 1.2434910798e-1) * f
    + 1.4248649095e-1) * f - 1.6667378759e-1) * f + 2.0000716450e-1) * f - 2.5000001864e-1) * f
    + 3.3333331193e-1;
  return (((e * -2.1219444005469057e-4 - 0.5 * f2) + f * f2 * p) + f) + e * 0.693359375;
}

/** log(1 + x) without cancellation: log(u)·x/(u − 1) with u = 1 + x corrects u's rounding. */
fn m_log1p(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (is_inf(u) && u > 0.0) { return u; }
  return m_log(u) * (x / (u - 1.0));
}

/** exp(x) − 1 without cancellation, by the same correction. */
fn m_expm1(x: f32) -> f32 {
  let u = m_exp(x);
  if (u == 1.0) { return x; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  if (is_inf(u)) { return u; }
  return um1 * (x / m_log(u));
}

fn m_tanh(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let a = abs(x);
  if (a > 10.0) { return copysign_(1.0, x); }
  let e = m_expm1(2.0 * a);
  return copysign_(e / (e + 2.0), x);
}

fn m_sigmoid(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + m_exp(-x)); }
  let e = m_exp(x);
  return e / (1.0 + e);
}

/**
 * erfc(z) for every z, accurate relative to erfc itself (what gelu needs for negative inputs):
 * |z| < 1: 1 − erf(z), erf(z) = z·A(z²); z ≥ 1: exp(−z²)·Q(1/z), with z² split into an exact
 * square and a small product so exp sees no rounding error from squaring. A, Q: our own fits.
 */
fn m_erf_small(z: f32) -> f32 {
  let u = z * z;
  return z * (((((((-9.689741105e-06 * u + 1.127473795e-04) * u - 8.485438918e-04) * u + 5.221138696e-03) * u
    - 2.686547551e-02) * u + 1.128378344e-01) * u - 3.761263855e-01) * u + 1.128379167e+00);
}
/** erfc(z)·exp(z²) for z ≥ 1, a polynomial in t = 1/z (two pieces). */
fn erfc_q(z: f32) -> f32 {
  let t = 1.0 / z;
  if (z < 2.5) {
    return (((((((((-1.447084427e-02 * t + 1.071194845e-01) * t - 3.464097652e-01) * t + 6.243390591e-01) * t
      - 6.323295674e-01) * t + 2.270152183e-01) * t + 2.780383554e-01) * t - 4.064955540e-01) * t
      + 3.044622945e-02) * t + 5.600918844e-01) * t + 2.390758699e-04;
  }
  return (((((((-1.561711420e-01 * t + 6.804420180e-01) * t - 1.091056836e+00) * t + 7.841798812e-01) * t
    - 7.423919662e-02) * t - 2.723161947e-01) * t - 8.025999722e-04) * t + 5.642269247e-01) * t
    - 7.508038214e-07;
}
/** exp(−s·v²) with v² split into an exact square and a small product, so squaring adds no error. */
fn m_exp_neg_sq(v: f32, s: f32) -> f32 {
  let vh = bitcast<f32>(bitcast<u32>(v) & 0xfffff000u);
  return m_exp(-s * vh * vh) * m_exp(-s * (v - vh) * (v + vh));
}
fn m_erfc_big(z: f32) -> f32 {
  if (z > 10.5) { return 0.0; }
  return m_exp_neg_sq(z, 1.0) * erfc_q(z);
}
fn m_erfc(z: f32) -> f32 {
  if (is_nan(z)) { return z; }
  if (abs(z) < 1.0) { return 1.0 - m_erf_small(z); }
  if (z > 0.0) { return m_erfc_big(z); }
  return 2.0 - m_erfc_big(-z);
}
fn m_erf(z: f32) -> f32 {
  if (is_nan(z)) { return z; }
  if (abs(z) < 1.0) { return m_erf_small(z); }
  return copysign_(1.0 - m_erfc_big(abs(z)), z);
}

/**
 * PyTorch's gelu (exact, erf form): 0.5·x·erfc(−x/√2). For x < −√2 the Gaussian factor is
 * exp(−x²/2) from x itself: rounding x/√2 first would cost |x|²·2^-24 of relative accuracy.
 * ±inf follow the formula (gelu(−inf) is NaN, as the reference).
 */
fn m_gelu(x: f32) -> f32 {
  if (x < -1.4142135623730951 && x > -15.0) {
    return 0.5 * x * m_exp_neg_sq(x, 0.5) * erfc_q(-x * 0.70710678118654752);
  }
  return 0.5 * x * m_erfc(-x * 0.70710678118654752);
}
fn m_gelu_grad(x: f32) -> f32 {
  let g = m_exp_neg_sq(x, 0.5);
  if (x < -1.4142135623730951 && x > -15.0) {
    return g * (0.5 * erfc_q(-x * 0.70710678118654752) + x * 0.39894228040143268);
  }
  return 0.5 * m_erfc(-x * 0.70710678118654752) + x * 0.39894228040143268 * g;
}
/**
 * The tanh form through sigmoid, without cancellation for negative x: with s = σ(2u),
 * 1 + tanh(u) = 2s and 1 − tanh²(u) = 4·s·σ(−2u).
 */
fn m_gelu_tanh(x: f32) -> f32 {
  return x * m_sigmoid(1.5957691216057307 * (x + 0.044715 * x * x * x));
}
fn m_gelu_tanh_grad(x: f32) -> f32 {
  let u2 = 1.5957691216057307 * (x + 0.044715 * x * x * x);
  let s = m_sigmoid(u2);
  let d = 0.79788456080286536 * (1.0 + 3.0 * 0.044715 * x * x);
  return s + 2.0 * x * s * m_sigmoid(-u2) * d;
}

/** x^y with JS's Math.pow special cases; small integer powers by repeated products. */
fn m_pow(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (is_nan(x) || is_nan(y)) { return nan_(); }
  let yInt = !is_inf(y) && floor(y) == y;
  let ay = abs(y);
  if (yInt && ay <= 8.0) {
    var r = 1.0;
    var b = x;
    var k = u32(ay);
    loop {
      if ((k & 1u) != 0u) { r = r * b; }
      k = k >> 1u;
      if (k == 0u) { break; }
      b = b * b;
    }
    return select(r, 1.0 / r, y < 0.0);
  }
  let ax = abs(x);
  if (ax == 1.0 && is_inf(y)) { return nan_(); }
  if (x < 0.0 && !yInt && !is_inf(y)) { return nan_(); }
  var r: f32;
  if (ax == 0.0) { r = select(0.0, inf_(), y < 0.0); }
  else { r = m_exp(y * m_log(ax)); }
  // A negative base to an odd integer power keeps its sign (also -0 and -inf).
  let odd = yInt && ay < 16777216.0 && (u32(ay) & 1u) == 1u;
  if (neg_bit(x) && odd) { r = -r; }
  return r;
}
`;
