/** DOM helpers: elements, panels, readouts with stable data-* hooks, captions, canvases. */
import { fmtNum } from "./format.ts";

export type Attrs = Record<string, string | number | boolean | undefined>;
type Kid = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...kids: Kid[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === "text") el.textContent = String(v);
    else if (k === "class") el.className = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of kids) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** A labelled readout: `<dd data-metric=name>`. */
export interface Metric {
  el: HTMLElement;
  value: HTMLElement;
  set(v: string | number): void;
}
export function metric(name: string, label: string, value = "–"): Metric {
  const value$ = h("dd", { "data-metric": name, text: value });
  const el = h("div", { class: "metric" }, h("dt", { text: label }), value$);
  return {
    el,
    value: value$,
    set: (v) => {
      value$.textContent = typeof v === "number" ? fmtNum(v) : v;
    },
  };
}

/** Readouts update often: one polite live region per group, not one per number. */
export function metrics(...ms: { el: HTMLElement }[]): HTMLElement {
  return h("dl", { class: "metrics", "aria-live": "polite" }, ...ms.map((m) => m.el));
}

export function panel(title: string, ...kids: Kid[]): HTMLElement {
  return h("section", { class: "panel" }, h("h2", { text: title }), ...kids);
}

export function row(...kids: Kid[]): HTMLElement {
  return h("div", { class: "row" }, ...kids);
}

export function note(text: string, attrs: Attrs = {}): HTMLParagraphElement {
  return h("p", { class: "note", ...attrs, text });
}

/**
 * What to try and what to notice, in plain words, at the top of every page (the same layout
 * everywhere, so students know where to look).
 */
export function caption(tryThis: readonly string[], notice: readonly string[]): HTMLElement {
  const list = (items: readonly string[]) => h("ul", {}, ...items.map((t) => h("li", { text: t })));
  return h(
    "div",
    { class: "caption", "data-caption": "" },
    h("div", { class: "caption-try" }, h("h2", { text: "Try" }), list(tryThis)),
    h("div", { class: "caption-notice" }, h("h2", { text: "Notice" }), list(notice)),
  );
}

/** A canvas sized in CSS pixels, drawn at device resolution (at most 2×). */
export function canvas(w: number, hgt: number, label: string, attrs: Attrs = {}): HTMLCanvasElement {
  const dpr = Math.min(2, globalThis.devicePixelRatio || 1);
  const c = h("canvas", {
    width: Math.round(w * dpr),
    height: Math.round(hgt * dpr),
    role: "img",
    "aria-label": label,
    ...attrs,
  });
  c.style.width = `${w}px`;
  c.style.aspectRatio = `${w} / ${hgt}`;
  c.getContext("2d")!.scale(dpr, dpr);
  sizes.set(c, [w, hgt]);
  return c;
}
const sizes = new WeakMap<HTMLCanvasElement, [number, number]>();
/** The canvas's drawing size in CSS pixels (what `canvas()` was given). */
export const cssSize = (c: HTMLCanvasElement): [number, number] => sizes.get(c) ?? [c.width, c.height];

/** Maps a pointer event to the canvas's CSS-pixel coordinates, whatever size it is displayed at. */
export function pointerAt(c: HTMLCanvasElement, e: { clientX: number; clientY: number }): [number, number] {
  const r = c.getBoundingClientRect(),
    [w, hh] = cssSize(c);
  return [((e.clientX - r.left) / r.width) * w, ((e.clientY - r.top) / r.height) * hh];
}

/** Runs `fn` on the next animation frame at most once however often it is scheduled. */
export function frameScheduler(fn: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      fn();
    });
  };
}

export const prefersReducedMotion = (): boolean =>
  globalThis.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
