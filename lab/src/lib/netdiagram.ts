/**
 * A network drawn the way TensorFlow Playground draws it: a column of units per layer and a line
 * per weight, its width showing |w| and its colour the sign (orange +, blue −). Updates move the
 * existing lines (CSS transitions), so a training run reads as weights growing and flipping.
 */
import { NEGATIVE, POSITIVE, rgb } from "./colors.ts";
import { fmtNum } from "./format.ts";
import { h } from "./ui.ts";

const SVG = "http://www.w3.org/2000/svg";

/** One Linear layer: `weight` is (outputs, inputs) row-major, as in PyTorch. */
export interface DiagramLayer {
  weight: ArrayLike<number>;
  bias?: ArrayLike<number> | null;
  inputs: number;
  outputs: number;
}

function el<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

export class NetDiagram {
  readonly el: HTMLElement;
  private readonly svg: SVGSVGElement;
  private structure = "";
  private lines: SVGLineElement[] = [];
  private nodes: SVGCircleElement[] = [];

  /**
   * `names[0]` labels the inputs and `names[last]` the outputs (e.g. ["x₁", "x₂"], ["ŷ"]);
   * layers wider than `maxUnits` show their first units and a "+n" note.
   */
  constructor(
    private o: {
      label: string;
      names?: { inputs?: string[]; outputs?: string[] };
      maxUnits?: number;
      width?: number;
      height?: number;
    },
  ) {
    this.svg = el("svg", { viewBox: `0 0 ${o.width ?? 360} ${o.height ?? 200}`, role: "img", "aria-label": o.label });
    this.svg.setAttribute("class", "netdiagram");
    const swatch = (c: string) => h("span", { class: "swatch-line", style: `background:${c}` });
    this.el = h(
      "figure",
      { class: "net" },
      this.svg as unknown as HTMLElement,
      h(
        "figcaption",
        { class: "note" },
        swatch(rgb(POSITIVE)),
        " positive weight  ",
        swatch(rgb(NEGATIVE)),
        " negative weight; thicker = larger |w|",
      ),
    );
  }

  update(layers: DiagramLayer[]): void {
    if (!layers.length) return;
    const sizes = [layers[0].inputs, ...layers.map((l) => l.outputs)];
    const max = this.o.maxUnits ?? 8;
    const shown = sizes.map((s) => Math.min(s, max));
    const key = sizes.join("-");
    if (key !== this.structure) this.build(sizes, shown, key);
    let scale = 0;
    for (const l of layers) for (let i = 0; i < l.weight.length; i++) scale = Math.max(scale, Math.abs(l.weight[i]));
    let k = 0;
    layers.forEach((l, li) => {
      for (let o = 0; o < shown[li + 1]; o++)
        for (let i = 0; i < shown[li]; i++) {
          const w = l.weight[o * l.inputs + i],
            line = this.lines[k++];
          line.style.strokeWidth = String(0.4 + 4.6 * (scale > 0 ? Math.abs(w) / scale : 0));
          line.style.stroke = rgb(w >= 0 ? POSITIVE : NEGATIVE, 0.25 + 0.75 * (scale > 0 ? Math.abs(w) / scale : 0));
          line.dataset.w = String(w);
          (line.firstChild as SVGTitleElement).textContent = `w = ${fmtNum(w, 3)}`;
        }
    });
    // Unit colour: its bias's sign (inputs stay grey).
    let n = shown[0];
    layers.forEach((l, li) => {
      for (let o = 0; o < shown[li + 1]; o++) {
        const b = l.bias ? l.bias[o] : 0;
        this.nodes[n++].style.fill = l.bias
          ? rgb(b >= 0 ? POSITIVE : NEGATIVE, Math.min(1, 0.15 + Math.abs(b) / (scale || 1)))
          : "#fff";
      }
    });
  }

  private build(sizes: number[], shown: number[], key: string): void {
    this.structure = key;
    this.svg.replaceChildren();
    this.lines = [];
    this.nodes = [];
    const W = this.o.width ?? 360,
      H = this.o.height ?? 200,
      padY = 18;
    // Room for the input and output names (about 7 px a character at 12 px).
    const room = (names?: string[]) => 16 + 7 * Math.max(0, ...(names ?? []).map((n) => n.length));
    const left = room(this.o.names?.inputs),
      right = room(this.o.names?.outputs);
    const xs = sizes.map((_, c) => left + (c * (W - left - right)) / Math.max(1, sizes.length - 1));
    const ys = shown.map((n) =>
      Array.from({ length: n }, (_, r) => (n === 1 ? H / 2 : padY + (r * (H - 2 * padY - 12)) / (n - 1))),
    );
    for (let c = 0; c + 1 < sizes.length; c++) {
      for (let o = 0; o < shown[c + 1]; o++)
        for (let i = 0; i < shown[c]; i++) {
          const line = el("line", { x1: xs[c], y1: ys[c][i], x2: xs[c + 1], y2: ys[c + 1][o] });
          line.setAttribute("class", "weight");
          line.append(el("title", {}));
          this.lines.push(line);
          this.svg.append(line);
        }
    }
    const r = Math.max(4, Math.min(9, (H - 2 * padY) / (2.6 * Math.max(...shown))));
    sizes.forEach((size, c) => {
      ys[c].forEach((y) => {
        const node = el("circle", { cx: xs[c], cy: y, r });
        node.setAttribute("class", "unit");
        this.nodes.push(node);
        this.svg.append(node);
      });
      if (size > shown[c]) this.svg.append(text(xs[c], H - 4, `+${size - shown[c]}`, "middle"));
      const names = c === 0 ? this.o.names?.inputs : c === sizes.length - 1 ? this.o.names?.outputs : undefined;
      names
        ?.slice(0, shown[c])
        .forEach((name, i) =>
          this.svg.append(text(xs[c] + (c === 0 ? -r - 4 : r + 4), ys[c][i] + 4, name, c === 0 ? "end" : "start")),
        );
    });
  }
}

function text(x: number, y: number, s: string, anchor: "start" | "middle" | "end"): SVGTextElement {
  const t = el("text", { x, y, "text-anchor": anchor });
  t.setAttribute("class", "label");
  t.textContent = s;
  return t;
}
