/**
 * Form controls: every one labelled, keyboard-usable, and hooked as `data-control=<name>`.
 * Numeric controls take the same `NumberParam` the URL state is read with, so a link and a
 * slider always agree on the range.
 */
import { icon, type IconName } from "./icons.ts";
import { h, type Attrs } from "./ui.ts";
import { clampToParam, type NumberParam } from "./url.ts";

let uid = 0;
const nextId = (p: string) => `${p}-${++uid}`;

export interface Control<T> {
  el: HTMLElement;
  get(): T;
  set(v: T): void;
}

/** A range slider with a label and a live value readout. */
export function slider(
  o: NumberParam & { label: string; current?: number; format?: (v: number) => string; onInput(v: number): void },
): Control<number> {
  const id = nextId(o.key);
  const fmt = o.format ?? ((v: number) => String(+v.toFixed(4)));
  const start = o.current ?? o.value;
  const input = h("input", {
    id,
    type: "range",
    min: o.min,
    max: o.max,
    step: o.step,
    value: start,
    "data-control": o.key,
  });
  const out = h("output", { for: id, text: fmt(start) });
  input.addEventListener("input", () => {
    out.textContent = fmt(+input.value);
    o.onInput(+input.value);
  });
  const el = h("div", { class: "control" }, h("label", { for: id, text: o.label }), input, out);
  return {
    el,
    get: () => +input.value,
    set: (v) => {
      input.value = String(v);
      out.textContent = fmt(+input.value);
    },
  };
}

/** A number box for exact values; what is typed is clamped to the range when the box is left. */
export function numberInput(
  o: NumberParam & { label: string; current?: number; onInput(v: number): void },
): Control<number> {
  const id = nextId(o.key);
  const input = h("input", {
    id,
    type: "number",
    value: o.current ?? o.value,
    step: "any",
    min: o.min,
    max: o.max,
    "data-control": o.key,
    inputmode: "decimal",
  });
  input.addEventListener("input", () => {
    const v = parseFloat(input.value);
    if (Number.isFinite(v) && v >= o.min && v <= o.max) o.onInput(v);
  });
  input.addEventListener("change", () => {
    const v = parseFloat(input.value);
    const c = Number.isFinite(v) ? Math.min(o.max, Math.max(o.min, v)) : clampToParam(o, o.value);
    if (c !== v) {
      input.value = String(c);
      o.onInput(c);
    }
  });
  const el = h("div", { class: "control" }, h("label", { for: id, text: o.label }), input);
  return {
    el,
    get: () => parseFloat(input.value),
    set: (v) => {
      input.value = String(v);
    },
  };
}

export function select<T extends string>(o: {
  name: string;
  label: string;
  options: readonly (T | readonly [T, string])[];
  value: T;
  onChange(v: T): void;
}): Control<T> {
  const id = nextId(o.name);
  const sel = h("select", { id, "data-control": o.name });
  for (const opt of o.options) {
    const [v, text] = typeof opt === "string" ? [opt, opt] : opt;
    sel.append(h("option", { value: v, text }));
  }
  sel.value = o.value;
  sel.addEventListener("change", () => o.onChange(sel.value as T));
  const el = h("div", { class: "control" }, h("label", { for: id, text: o.label }), sel);
  return {
    el,
    get: () => sel.value as T,
    set: (v) => {
      sel.value = v;
    },
  };
}

export function checkbox(o: {
  name: string;
  label: string;
  value: boolean;
  onChange(v: boolean): void;
}): Control<boolean> {
  const id = nextId(o.name);
  const input = h("input", { id, type: "checkbox", "data-control": o.name });
  input.checked = o.value;
  input.addEventListener("change", () => o.onChange(input.checked));
  const el = h("div", { class: "control check" }, input, h("label", { for: id, text: o.label }));
  return {
    el,
    get: () => input.checked,
    set: (v) => {
      input.checked = v;
    },
  };
}

export function textInput(o: {
  name: string;
  label: string;
  value: string;
  onInput(v: string): void;
}): Control<string> {
  const id = nextId(o.name);
  const input = h("input", { id, type: "text", value: o.value, "data-control": o.name, spellcheck: "false" });
  input.addEventListener("input", () => o.onInput(input.value));
  const el = h("div", { class: "control" }, h("label", { for: id, text: o.label }), input);
  return {
    el,
    get: () => input.value,
    set: (v) => {
      input.value = v;
    },
  };
}

/** A button with an optional SVG icon before its text. */
export function button(
  action: string,
  text: string,
  onClick: () => void,
  o: { icon?: IconName; primary?: boolean; attrs?: Attrs } = {},
): HTMLButtonElement {
  const b = h("button", { type: "button", "data-action": action, "data-primary": o.primary, ...o.attrs });
  if (o.icon) b.append(icon(o.icon));
  b.append(h("span", { text }));
  b.addEventListener("click", onClick);
  return b;
}

/** Play/pause in one button: shows what a press does next, and aria-pressed while running. */
export function playButton(
  action: string,
  onToggle: (running: boolean) => void,
  labels = { play: "Train", pause: "Pause" },
): {
  el: HTMLButtonElement;
  set(running: boolean, playLabel?: string): void;
  running(): boolean;
} {
  let on = false;
  const b = button(
    action,
    labels.play,
    () => {
      set(!on);
      onToggle(on);
    },
    { icon: "play", primary: true, attrs: { "aria-pressed": "false" } },
  );
  const set = (running: boolean, playLabel = labels.play) => {
    on = running;
    b.replaceChildren(icon(running ? "pause" : "play"), h("span", { text: running ? labels.pause : playLabel }));
    b.setAttribute("aria-pressed", String(running));
  };
  return { el: b, set, running: () => on };
}

export function controls(...kids: ({ el: HTMLElement } | HTMLElement)[]): HTMLElement {
  return h("div", { class: "controls" }, ...kids.map((k) => (k instanceof HTMLElement ? k : k.el)));
}

export function buttons(...kids: HTMLElement[]): HTMLElement {
  return h("div", { class: "buttons" }, ...kids);
}
