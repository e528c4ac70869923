/** Line charts (uPlot) that size themselves to their container and keep log axes in range. */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { h } from "./ui.ts";

export interface Series {
  label: string;
  stroke: string;
  dash?: number[];
  width?: number;
}

export class LineChart {
  readonly el: HTMLElement;
  private plot: uPlot | null = null;
  private data: uPlot.AlignedData;
  private observer: ResizeObserver | null = null;

  constructor(
    private opts: {
      title: string;
      series: Series[];
      logY?: boolean;
      xLabel?: string;
      yLabel?: string;
      height?: number;
      metric?: string;
      yRange?: [number, number];
    },
  ) {
    this.el = h("figure", {
      class: "chart",
      "aria-label": opts.title,
      ...(opts.metric ? { "data-chart": opts.metric } : {}),
    });
    this.data = [[], ...opts.series.map(() => [])] as unknown as uPlot.AlignedData;
    requestAnimationFrame(() => this.ensure());
  }

  private width(): number {
    return Math.max(240, Math.min(560, this.el.clientWidth || 420));
  }

  private ensure(): void {
    if (this.plot || !this.el.isConnected) return;
    const yScale: uPlot.Scale = this.opts.logY ? { distr: 3 } : this.opts.yRange ? { range: this.opts.yRange } : {};
    this.plot = new uPlot(
      {
        title: this.opts.title,
        width: this.width(),
        height: this.opts.height ?? 220,
        scales: { x: { time: false }, y: yScale },
        axes: [{ label: this.opts.xLabel }, { label: this.opts.yLabel, size: 60 }],
        series: [
          { label: this.opts.xLabel ?? "x" },
          ...this.opts.series.map((s) => ({
            label: s.label,
            stroke: s.stroke,
            width: s.width ?? 2,
            dash: s.dash,
            spanGaps: true,
          })),
        ],
        legend: { show: true, live: false },
      },
      this.data,
      this.el,
    );
    // A phone rotated, a panel reflowed: follow the container's width.
    this.observer = new ResizeObserver(() => {
      const w = this.width();
      if (this.plot && Math.abs(this.plot.width - w) > 8)
        this.plot.setSize({ width: w, height: this.opts.height ?? 220 });
    });
    this.observer.observe(this.el);
  }

  setData(x: number[], ys: (number | null)[][]): void {
    // uPlot's log axis has no ticks below 1e-16: keep log-scale data within that range.
    if (this.opts.logY)
      ys = ys.map((s) => s.map((v) => (v === null || !Number.isFinite(v) ? null : Math.max(v, 1e-15))));
    else ys = ys.map((s) => s.map((v) => (v === null || !Number.isFinite(v) ? null : v)));
    this.data = [x, ...ys] as unknown as uPlot.AlignedData;
    this.ensure();
    this.plot?.setData(this.data);
  }

  destroy(): void {
    this.observer?.disconnect();
    this.plot?.destroy();
  }
}
