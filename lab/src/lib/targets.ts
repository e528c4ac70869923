/**
 * The 1-D functions the universal-approximation page fits, sampled on a grid. Pure arithmetic (no
 * gradlab), so the browser tests can rebuild the same targets in Node.
 */
export const TARGETS = ["sine", "step", "abs", "noisy", "drawn"] as const;
export type TargetName = (typeof TARGETS)[number];
export const TARGET_LABELS: Record<TargetName, string> = {
  sine: "sine",
  step: "step",
  abs: "|x|",
  noisy: "noisy curve",
  drawn: "your drawing",
};
/** Points on [-1, 1] the fit is trained on. */
export const FIT_POINTS = 200;
/** Control points of a drawn target (the page's link keeps them). */
export const DRAWN_POINTS = 24;

export const gridX = (n: number, lo = -1, hi = 1): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));

/** A small deterministic generator, so the noisy curve is the same in every browser and in Node. */
function noise(i: number): number {
  const s = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
  return s - Math.floor(s) - 0.5;
}

/** The target at each of FIT_POINTS points of [-1, 1]; `drawn` holds DRAWN_POINTS control values for "drawn". */
export function targetValues(name: TargetName, drawn: readonly number[] = []): Float32Array {
  const xs = gridX(FIT_POINTS);
  switch (name) {
    case "sine":
      return xs.map((x) => Math.sin(Math.PI * 1.5 * x));
    case "step":
      return xs.map((x) => (x < 0 ? -0.5 : 0.5));
    case "abs":
      return xs.map((x) => Math.abs(x) - 0.5);
    case "noisy":
      return xs.map((x, i) => 0.6 * Math.sin(3 * x) + 0.3 * x * x + 0.25 * noise(i));
    case "drawn": {
      const d = drawn.length === DRAWN_POINTS ? drawn : new Array<number>(DRAWN_POINTS).fill(0);
      // piecewise-linear through the control points, spread evenly over [-1, 1]
      return xs.map((x) => {
        const t = ((x + 1) / 2) * (DRAWN_POINTS - 1),
          i = Math.min(DRAWN_POINTS - 2, Math.floor(t)),
          f = t - i;
        return d[i] * (1 - f) + d[i + 1] * f;
      });
    }
  }
}

/**
 * The sawtooth of "why more than one layer?": the tent map t(x) = 2·ReLU(x) − 4·ReLU(x − ½) on
 * [0, 1] composed L times, 2^(L−1) teeth, 2^L straight pieces.
 */
export function sawtooth(x: number, layers: number): number {
  let v = x;
  for (let k = 0; k < layers; k++) v = 2 * Math.max(0, v) - 4 * Math.max(0, v - 0.5);
  return v;
}

/** Parameters of L layers of 2 ReLU units on 1 input with 1 output: 4 + 6(L − 1) + 3. */
export const deepNarrowParams = (layers: number): number => 6 * layers + 1;
/** Units of one hidden layer with (at most) the same parameter count: 3W + 1 ≤ 6L + 1. */
export const wideUnitsForBudget = (layers: number): number => 2 * layers;
/** Units one hidden layer needs to draw the sawtooth at all: one per kink. */
export const wideUnitsNeeded = (layers: number): number => 2 ** layers - 1;
