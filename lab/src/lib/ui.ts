/** Tiny DOM helpers: labelled, keyboard-usable controls and readouts with stable data-* hooks. */

type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...kids: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === "text") el.textContent = String(v);
    else if (k === "class") el.className = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of kids) if (c !== null && c !== undefined) el.append(c);
  return el;
}

let uid = 0;
const nextId = (p: string) => `${p}-${++uid}`;

export interface Control<T> { el: HTMLElement; get(): T; set(v: T): void }

/** A range slider with a label and a live value readout. `name` is also its data-control hook. */
export function slider(o: { name: string; label: string; min: number; max: number; step: number; value: number; format?: (v: number) => string; onInput: (v: number) => void }): Control<number> {
  const id = nextId(o.name);
  const fmt = o.format ?? ((v: number) => String(+v.toFixed(4)));
  const input = h("input", { id, type: "range", min: o.min, max: o.max, step: o.step, value: o.value, "data-control": o.name });
  const out = h("output", { for: id, text: fmt(o.value) });
  input.addEventListener("input", () => { out.textContent = fmt(+input.value); o.onInput(+input.value); });
  const el = h("div", { class: "control" }, h("label", { for: id, text: o.label }), input, out);
  return { el, get: () => +input.value, set: (v) => { input.value = String(v); out.textContent = fmt(+input.value); } };
}

/** A number input (for exact values a slider can't hit). */
export function numberInput(o: { name: string; label: string; value: number; step?: number; min?: number; max?: number; onInput: (v: number) => void }): Control<number> {
  const id = nextId(o.name);
  const input = h("input", { id, type: "number", value: o.value, step: o.step ?? "any", min: o.min, max: o.max, "data-control": o.name, inputmode: "decimal" });
  input.addEventListener("input", () => { const v = parseFloat(input.value); if (Number.isFinite(v)) o.onInput(v); });
  const el = h("div", { class: "control" }, h("label", { for: id, text: o.label }), input);
  return { el, get: () => parseFloat(input.value), set: (v) => { input.value = String(v); } };
}

export function select<T extends string>(o: { name: string; label: string; options: readonly (T | [T, string])[]; value: T; onChange: (v: T) => void }): Control<T> {
  const id = nextId(o.name);
  const sel = h("select", { id, "data-control": o.name });
  for (const opt of o.options) {
    const [v, text] = Array.isArray(opt) ? opt : [opt, opt];
    sel.append(h("option", { value: v, text }));
  }
  sel.value = o.value;
  sel.addEventListener("change", () => o.onChange(sel.value as T));
  const el = h("div", { class: "control" }, h("label", { for: id, text: o.label }), sel);
  return { el, get: () => sel.value as T, set: (v) => { sel.value = v; } };
}

export function checkbox(o: { name: string; label: string; value: boolean; onChange: (v: boolean) => void }): Control<boolean> {
  const id = nextId(o.name);
  const input = h("input", { id, type: "checkbox", "data-control": o.name });
  input.checked = o.value;
  input.addEventListener("change", () => o.onChange(input.checked));
  const el = h("div", { class: "control check" }, input, h("label", { for: id, text: o.label }));
  return { el, get: () => input.checked, set: (v) => { input.checked = v; } };
}

export function textInput(o: { name: string; label: string; value: string; onInput: (v: string) => void }): Control<string> {
  const id = nextId(o.name);
  const input = h("input", { id, type: "text", value: o.value, "data-control": o.name, spellcheck: "false" });
  input.addEventListener("input", () => o.onInput(input.value));
  const el = h("div", { class: "control" }, h("label", { for: id, text: o.label }), input);
  return { el, get: () => input.value, set: (v) => { input.value = v; } };
}

export function button(action: string, text: string, onClick: () => void, attrs: Attrs = {}): HTMLButtonElement {
  const b = h("button", { type: "button", "data-action": action, ...attrs }, text);
  b.addEventListener("click", onClick);
  return b;
}

/** A labelled readout: `<dd data-metric=name>`. */
export function metric(name: string, label: string, value = "–"): { el: HTMLElement; set(v: string | number): void; value: HTMLElement } {
  const value$ = h("dd", { "data-metric": name, "aria-live": "polite", text: value });
  const el = h("div", { class: "metric" }, h("dt", { text: label }), value$);
  return { el, value: value$, set: (v) => { value$.textContent = typeof v === "number" ? fmtNum(v) : v; } };
}

export function metrics(...ms: { el: HTMLElement }[]): HTMLElement {
  return h("dl", { class: "metrics" }, ...ms.map((m) => m.el));
}

export function fmtNum(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(3);
  return String(+v.toFixed(digits));
}

export function panel(title: string, ...kids: (Node | string | null)[]): HTMLElement {
  return h("section", { class: "panel" }, h("h2", { text: title }), ...kids);
}

export function row(...kids: (Node | null)[]): HTMLElement { return h("div", { class: "row" }, ...kids); }
export function controls(...kids: ({ el: HTMLElement } | HTMLElement)[]): HTMLElement {
  return h("div", { class: "controls" }, ...kids.map((k) => (k instanceof HTMLElement ? k : k.el)));
}

/** A canvas sized in CSS pixels, drawn at device resolution. */
export function canvas(w: number, hgt: number, label: string, attrs: Attrs = {}): HTMLCanvasElement {
  const dpr = Math.min(2, globalThis.devicePixelRatio || 1);
  const c = h("canvas", { width: Math.round(w * dpr), height: Math.round(hgt * dpr), role: "img", "aria-label": label, ...attrs });
  c.style.width = `${w}px`;
  c.style.aspectRatio = `${w} / ${hgt}`;
  c.getContext("2d")!.scale(dpr, dpr);
  (c as HTMLCanvasElement & { cssW: number; cssH: number }).cssW = w;
  (c as HTMLCanvasElement & { cssW: number; cssH: number }).cssH = hgt;
  return c;
}
export const cssSize = (c: HTMLCanvasElement): [number, number] => {
  const cc = c as HTMLCanvasElement & { cssW: number; cssH: number };
  return [cc.cssW, cc.cssH];
};
