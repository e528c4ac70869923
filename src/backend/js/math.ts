/** Scalar activation functions and their derivatives, shared by the JS kernels. */
const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** erf to float64 precision: Maclaurin series below 2.5, Lentz's continued fraction for erfc above. */
export function erf(x: number): number {
  const z = Math.abs(x);
  const e = z < 2.5 ? erfSeries(z) : z > 6 ? 1 : 1 - erfcContinuedFraction(z);
  return x >= 0 ? e : -e;
}

function erfSeries(z: number): number {
  let sum = z,
    term = z;
  const z2 = z * z;
  for (let n = 1; n < 100; n++) {
    term *= -z2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

function erfcContinuedFraction(z: number): number {
  let f = z,
    C = z,
    D = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    D = 1 / (z + an * D);
    C = z + an / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-z * z) / (f * Math.sqrt(Math.PI));
}

export const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export const gelu = (x: number): number => 0.5 * x * (1 + erf(x * SQRT1_2));
export const geluGrad = (x: number): number => 0.5 * (1 + erf(x * SQRT1_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);

export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
}
export function geluTanhGrad(x: number): number {
  const inner = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
  const t = Math.tanh(inner);
  const dInner = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dInner;
}
