/** Number formatting for readouts: never "-0.000", exponents only for very small or large values. */

/** `v` with `digits` decimals; a value that rounds to zero prints as 0 whatever its sign. */
export function fixed(v: number, digits: number): string {
  if (!Number.isFinite(v)) return String(v);
  const s = v.toFixed(digits);
  return Number(s) === 0 ? (0).toFixed(digits) : s;
}

/** Up to `digits` significant decimals, trailing zeros dropped; exponent form outside [1e-3, 1e5). */
export function fmtNum(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(3);
  const r = +v.toFixed(digits);
  return String(r === 0 ? 0 : r);
}

/** 0.9731 → "97.3%". */
export const pct = (v: number, digits = 1): string => (Number.isFinite(v) ? `${fixed(100 * v, digits)}%` : "–");

/** 269322 → "269,322". */
export const count = (n: number): string => n.toLocaleString("en-US");

/** ["a", "b", "c"] → "a, b and c". */
export function listAnd(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
