/** Canvas drawing for 2-D classification (region heatmaps, points, lines) and uPlot line charts. */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { cssSize, h } from "./ui.ts";

export const CLASS_COLORS: [number, number, number][] = [
  [33, 113, 181], [230, 85, 13], [49, 163, 84], [117, 107, 177], [214, 39, 40], [140, 86, 75], [23, 190, 207], [188, 189, 34], [127, 127, 127], [227, 119, 194],
];
export const rgb = (c: [number, number, number], a = 1) => `rgba(${c[0]},${c[1]},${c[2]},${a})`;

/** A square view [x0, x1] × [y0, y1] in data coordinates. */
export interface View { x0: number; x1: number; y0: number; y1: number }

export function toPx(c: HTMLCanvasElement, v: View, x: number, y: number): [number, number] {
  const [w, hh] = cssSize(c);
  return [((x - v.x0) / (v.x1 - v.x0)) * w, (1 - (y - v.y0) / (v.y1 - v.y0)) * hh];
}
export function fromPx(c: HTMLCanvasElement, v: View, px: number, py: number): [number, number] {
  const [w, hh] = cssSize(c);
  return [v.x0 + (px / w) * (v.x1 - v.x0), v.y0 + (1 - py / hh) * (v.y1 - v.y0)];
}

/**
 * Paints class regions: `probs` is (G·G, C) row-major over a G×G grid (row 0 = top), each cell
 * coloured by its argmax class, faded towards white as the confidence drops.
 */
export function drawRegions(c: HTMLCanvasElement, probs: Float32Array, g: number, classes: number): void {
  const ctx = c.getContext("2d")!;
  const img = new ImageData(g, g);
  for (let i = 0; i < g * g; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (probs[i * classes + k] > probs[i * classes + best]) best = k;
    const p = probs[i * classes + best];
    const conf = classes > 1 ? Math.max(0, (p - 1 / classes) / (1 - 1 / classes)) : p;
    const a = 0.12 + 0.38 * conf;
    const col = CLASS_COLORS[best % CLASS_COLORS.length];
    img.data[4 * i] = 255 * (1 - a) + col[0] * a;
    img.data[4 * i + 1] = 255 * (1 - a) + col[1] * a;
    img.data[4 * i + 2] = 255 * (1 - a) + col[2] * a;
    img.data[4 * i + 3] = 255;
  }
  const off = document.createElement("canvas");
  off.width = g; off.height = g;
  off.getContext("2d")!.putImageData(img, 0, 0);
  const [w, hh] = cssSize(c);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, w, hh);
}

/** A continuous field in [0, 1] (e.g. a sigmoid output) as a blue→white→orange map. */
export function drawField(c: HTMLCanvasElement, v: View, f: (x: number, y: number) => number, g = 80): void {
  const probs = new Float32Array(g * g * 2);
  for (let r = 0; r < g; r++) for (let q = 0; q < g; q++) {
    const x = v.x0 + ((q + 0.5) / g) * (v.x1 - v.x0), y = v.y1 - ((r + 0.5) / g) * (v.y1 - v.y0);
    const p = f(x, y);
    probs[(r * g + q) * 2] = 1 - p; probs[(r * g + q) * 2 + 1] = p;
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
  const [ax0, ay] = toPx(c, v, v.x0, 0), [ax1] = toPx(c, v, v.x1, 0);
  const [bx, by0] = toPx(c, v, 0, v.y0), [, by1] = toPx(c, v, 0, v.y1);
  ctx.moveTo(ax0, ay); ctx.lineTo(ax1, ay); ctx.moveTo(bx, by0); ctx.lineTo(bx, by1);
  ctx.stroke();
}

export function drawPoints(c: HTMLCanvasElement, v: View, xs: ArrayLike<number>, ys: ArrayLike<number>, r = 3.5, marker: (i: number) => "circle" | "ring" = () => "circle"): void {
  const ctx = c.getContext("2d")!;
  for (let i = 0; i < ys.length; i++) {
    const [px, py] = toPx(c, v, xs[2 * i], xs[2 * i + 1]);
    const col = CLASS_COLORS[ys[i] % CLASS_COLORS.length];
    ctx.beginPath();
    ctx.arc(px, py, r, 0, 2 * Math.PI);
    if (marker(i) === "ring") { ctx.strokeStyle = rgb(col); ctx.lineWidth = 2; ctx.stroke(); continue; }
    ctx.fillStyle = rgb(col);
    ctx.fill();
    ctx.strokeStyle = "#fff"; ctx.lineWidth = 1; ctx.stroke();
  }
}

/** The line w1·x + w2·y + b = 0 clipped to the view. */
export function drawLine(c: HTMLCanvasElement, v: View, w1: number, w2: number, b: number, color = "#111"): void {
  const ctx = c.getContext("2d")!;
  const pts: [number, number][] = [];
  if (Math.abs(w2) > 1e-9) { pts.push([v.x0, -(w1 * v.x0 + b) / w2], [v.x1, -(w1 * v.x1 + b) / w2]); }
  else if (Math.abs(w1) > 1e-9) { pts.push([-b / w1, v.y0], [-b / w1, v.y1]); }
  if (pts.length < 2) return;
  ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.setLineDash([6, 4]);
  ctx.beginPath();
  ctx.moveTo(...toPx(c, v, ...pts[0])); ctx.lineTo(...toPx(c, v, ...pts[1]));
  ctx.stroke(); ctx.setLineDash([]);
}

/** A uPlot line chart that sizes itself to its container. */
export class LineChart {
  readonly el: HTMLElement;
  private plot: uPlot | null = null;
  private data: uPlot.AlignedData;
  constructor(private opts: { title: string; series: { label: string; stroke: string; dash?: number[] }[]; logY?: boolean; xLabel?: string; yLabel?: string; height?: number; metric?: string }) {
    this.el = h("figure", { class: "chart", "aria-label": opts.title, ...(opts.metric ? { "data-chart": opts.metric } : {}) });
    this.data = [[], ...opts.series.map(() => [])] as unknown as uPlot.AlignedData;
    requestAnimationFrame(() => this.ensure());
  }
  private ensure(): void {
    if (this.plot || !this.el.isConnected) return;
    const width = Math.max(260, Math.min(560, this.el.clientWidth || 420));
    this.plot = new uPlot({
      title: this.opts.title, width, height: this.opts.height ?? 220,
      scales: { x: { time: false }, y: this.opts.logY ? { distr: 3 } : {} },
      axes: [{ label: this.opts.xLabel }, { label: this.opts.yLabel, size: 60 }],
      series: [{ label: this.opts.xLabel ?? "x" }, ...this.opts.series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, dash: s.dash, spanGaps: true }))],
      legend: { show: true },
    }, this.data, this.el);
  }
  setData(x: number[], ys: (number | null)[][]): void {
    // uPlot's log axis has no ticks below 1e-16: keep log-scale data within that range.
    if (this.opts.logY) ys = ys.map((s) => s.map((v) => (v === null || !Number.isFinite(v) ? null : Math.max(v, 1e-15))));
    this.data = [x, ...ys] as unknown as uPlot.AlignedData;
    this.ensure();
    this.plot?.setData(this.data);
  }
  destroy(): void { this.plot?.destroy(); }
}
