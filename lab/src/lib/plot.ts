/** Canvas drawing for the 2-D pages: class regions, points, lines, axes, and an animated region view. */
import { CLASS_COLORS, classColor } from "./colors.ts";
import { cssSize, prefersReducedMotion } from "./ui.ts";

/** A view [x0, x1] × [y0, y1] in data coordinates. */
export interface View {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export function toPx(c: HTMLCanvasElement, v: View, x: number, y: number): [number, number] {
  const [w, hh] = cssSize(c);
  return [((x - v.x0) / (v.x1 - v.x0)) * w, (1 - (y - v.y0) / (v.y1 - v.y0)) * hh];
}
export function fromPx(c: HTMLCanvasElement, v: View, px: number, py: number): [number, number] {
  const [w, hh] = cssSize(c);
  return [v.x0 + (px / w) * (v.x1 - v.x0), v.y0 + (1 - py / hh) * (v.y1 - v.y0)];
}

/** The centres of a g×g grid over `v`, row 0 at the top: (g·g, 2) row-major. */
export function gridPoints(v: View, g: number): Float32Array {
  const pts = new Float32Array(g * g * 2);
  for (let r = 0; r < g; r++)
    for (let q = 0; q < g; q++) {
      pts[(r * g + q) * 2] = v.x0 + ((q + 0.5) / g) * (v.x1 - v.x0);
      pts[(r * g + q) * 2 + 1] = v.y1 - ((r + 0.5) / g) * (v.y1 - v.y0);
    }
  return pts;
}

/**
 * Paints class regions: `probs` is (g·g, classes) row-major over a g×g grid (row 0 = top), each
 * cell in its most likely class's colour, faded towards white as the confidence drops.
 */
export function drawRegions(c: HTMLCanvasElement, probs: ArrayLike<number>, g: number, classes: number): void {
  const img = new ImageData(g, g);
  for (let i = 0; i < g * g; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (probs[i * classes + k] > probs[i * classes + best]) best = k;
    const p = probs[i * classes + best];
    const conf = classes > 1 ? Math.max(0, (p - 1 / classes) / (1 - 1 / classes)) : p;
    const a = 0.12 + 0.4 * conf;
    const col = CLASS_COLORS[best % CLASS_COLORS.length];
    for (let ch = 0; ch < 3; ch++) img.data[4 * i + ch] = 255 * (1 - a) + col[ch] * a;
    img.data[4 * i + 3] = 255;
  }
  const off = document.createElement("canvas");
  off.width = g;
  off.height = g;
  off.getContext("2d")!.putImageData(img, 0, 0);
  const [w, hh] = cssSize(c);
  const ctx = c.getContext("2d")!;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, w, hh);
}

/** A field f(x, y) in [0, 1] (e.g. a sigmoid output) as blue (0) → white → orange (1). */
export function drawField(c: HTMLCanvasElement, v: View, f: (x: number, y: number) => number, g = 80): void {
  const pts = gridPoints(v, g),
    probs = new Float32Array(g * g * 2);
  for (let i = 0; i < g * g; i++) {
    const p = f(pts[2 * i], pts[2 * i + 1]);
    probs[2 * i] = 1 - p;
    probs[2 * i + 1] = p;
  }
  drawRegions(c, probs, g, 2);
}

export function clear(c: HTMLCanvasElement): void {
  const [w, hh] = cssSize(c);
  const ctx = c.getContext("2d")!;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, hh);
}

export function drawAxes(c: HTMLCanvasElement, v: View): void {
  const ctx = c.getContext("2d")!;
  ctx.strokeStyle = "rgba(0,0,0,0.25)";
  ctx.lineWidth = 1;
  ctx.beginPath();
  const [ax0, ay] = toPx(c, v, v.x0, 0),
    [ax1] = toPx(c, v, v.x1, 0);
  const [bx, by0] = toPx(c, v, 0, v.y0),
    [, by1] = toPx(c, v, 0, v.y1);
  ctx.moveTo(ax0, ay);
  ctx.lineTo(ax1, ay);
  ctx.moveTo(bx, by0);
  ctx.lineTo(bx, by1);
  ctx.stroke();
}

/** Points (xy interleaved) in their class colours: filled discs, or rings (e.g. test points). */
export function drawPoints(
  c: HTMLCanvasElement,
  v: View,
  xy: ArrayLike<number>,
  labels: ArrayLike<number>,
  r = 3.5,
  marker: (i: number) => "disc" | "ring" = () => "disc",
): void {
  const ctx = c.getContext("2d")!;
  for (let i = 0; i < labels.length; i++) {
    const [px, py] = toPx(c, v, xy[2 * i], xy[2 * i + 1]);
    ctx.beginPath();
    ctx.arc(px, py, r, 0, 2 * Math.PI);
    if (marker(i) === "ring") {
      ctx.strokeStyle = classColor(labels[i]);
      ctx.lineWidth = 2;
      ctx.stroke();
      continue;
    }
    ctx.fillStyle = classColor(labels[i]);
    ctx.fill();
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 1;
    ctx.stroke();
  }
}

/** The line w1·x + w2·y + b = 0 clipped to the view, dashed. */
export function drawLine(c: HTMLCanvasElement, v: View, w1: number, w2: number, b: number, color = "#111"): void {
  const ctx = c.getContext("2d")!;
  const pts: [number, number][] = [];
  if (Math.abs(w2) > 1e-9) pts.push([v.x0, -(w1 * v.x0 + b) / w2], [v.x1, -(w1 * v.x1 + b) / w2]);
  else if (Math.abs(w1) > 1e-9) pts.push([-b / w1, v.y0], [-b / w1, v.y1]);
  if (pts.length < 2) return;
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.setLineDash([6, 4]);
  ctx.beginPath();
  ctx.moveTo(...toPx(c, v, ...pts[0]));
  ctx.lineTo(...toPx(c, v, ...pts[1]));
  ctx.stroke();
  ctx.setLineDash([]);
}

/**
 * A decision-region canvas that eases from the last region to the next (about a quarter of a
 * second), so training reads as one smooth motion rather than jumps; instant when the reader
 * asked for reduced motion. `overlay` draws points and lines on top of each frame.
 */
export class RegionView {
  private shown: Float32Array | null = null;
  private target: Float32Array | null = null;
  private from: Float32Array | null = null;
  private t0 = 0;
  private frame = 0;
  constructor(
    readonly canvas: HTMLCanvasElement,
    private g: number,
    private classes: number,
    private overlay: () => void,
    private durationMs = 260,
  ) {}

  update(probs: Float32Array, classes = this.classes): void {
    if (classes !== this.classes || !this.shown || this.shown.length !== probs.length || prefersReducedMotion()) {
      this.classes = classes;
      this.shown = Float32Array.from(probs);
      this.target = null;
      this.draw();
      return;
    }
    this.from = Float32Array.from(this.shown);
    this.target = Float32Array.from(probs);
    this.t0 = performance.now();
    if (!this.frame) this.frame = requestAnimationFrame(this.tick);
  }

  /** Redraws at the current state (e.g. after points changed). */
  redraw(): void {
    this.draw();
  }

  reset(): void {
    this.shown = null;
    this.target = null;
    this.draw();
  }

  private tick = (now: number) => {
    this.frame = 0;
    if (!this.target || !this.from || !this.shown) return;
    const t = Math.min(1, (now - this.t0) / this.durationMs),
      e = t * (2 - t);
    for (let i = 0; i < this.shown.length; i++) this.shown[i] = this.from[i] + (this.target[i] - this.from[i]) * e;
    this.draw();
    if (t < 1) this.frame = requestAnimationFrame(this.tick);
    else this.target = null;
  };

  private draw(): void {
    clear(this.canvas);
    if (this.shown) drawRegions(this.canvas, this.shown, this.g, this.classes);
    this.overlay();
  }
}
