/**
 * The lab's visual language, in one place: a colour per class (the same on every page, in plots,
 * legends and digit galleries), orange for positive and blue for negative (weights, signs,
 * outputs — as in TensorFlow Playground), and a colour per compared variant.
 */
export type RGB = readonly [number, number, number];

/** Class k's colour: class 0 blue, class 1 orange (the two signs), then 8 more distinct hues. */
export const CLASS_COLORS: readonly RGB[] = [
  [33, 113, 181],
  [230, 85, 13],
  [49, 163, 84],
  [117, 107, 177],
  [214, 39, 40],
  [140, 86, 75],
  [23, 190, 207],
  [188, 189, 34],
  [127, 127, 127],
  [227, 119, 194],
];
export const POSITIVE: RGB = CLASS_COLORS[1];
export const NEGATIVE: RGB = CLASS_COLORS[0];

export const rgb = (c: RGB, a = 1): string => `rgba(${c[0]},${c[1]},${c[2]},${a})`;
export const classColor = (k: number, a = 1): string => rgb(CLASS_COLORS[((k % 10) + 10) % 10], a);

/** Orange for v > 0, blue for v < 0, its opacity growing with |v| / scale. */
export function signColor(v: number, scale: number, minAlpha = 0.15): string {
  const a = scale > 0 ? Math.min(1, minAlpha + ((1 - minAlpha) * Math.abs(v)) / scale) : minAlpha;
  return rgb(v >= 0 ? POSITIVE : NEGATIVE, a);
}

/** Blends white → the sign colour, for pixel maps (weights as images). `t` in [-1, 1]. */
export function signPixel(t: number): RGB {
  const c = t >= 0 ? POSITIVE : NEGATIVE,
    a = Math.min(1, Math.abs(t));
  return [255 + (c[0] - 255) * a, 255 + (c[1] - 255) * a, 255 + (c[2] - 255) * a];
}

/** Colours for the lines of compared runs (variants, models): distinct from each other, in a fixed order. */
export const SERIES_COLORS = ["#1f6fd1", "#e6550d", "#2ca02c", "#8e44ad", "#17becf", "#c0392b", "#7f7f7f", "#bcbd22"];

/** Sets the palette as CSS custom properties (--c0 … --c9, --pos, --neg) for the stylesheet. */
export function installPalette(root: HTMLElement = document.documentElement): void {
  CLASS_COLORS.forEach((c, k) => root.style.setProperty(`--c${k}`, rgb(c)));
  root.style.setProperty("--pos", rgb(POSITIVE));
  root.style.setProperty("--neg", rgb(NEGATIVE));
}
