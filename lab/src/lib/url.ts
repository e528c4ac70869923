/**
 * Page state in the URL: `#/<page>?key=value&...`. Every control writes its value here with
 * `history.replaceState`, so a link reproduces the page (and the back button isn't flooded).
 *
 * A link is input from anyone: every value read here is brought into its control's range (a
 * number clamped and snapped to the control's step, a choice checked against its options) and
 * each correction is noted, so the page can say what it changed instead of freezing or
 * silently showing something else.
 */
export interface Route {
  page: string;
  params: URLSearchParams;
}

export function readRoute(): Route {
  const hash = location.hash.replace(/^#\/?/, "");
  const q = hash.indexOf("?");
  const page = q < 0 ? hash : hash.slice(0, q);
  let decoded = page;
  try {
    decoded = decodeURIComponent(page);
  } catch {
    /* a malformed escape is just an unknown page */
  }
  return { page: decoded, params: new URLSearchParams(q < 0 ? "" : hash.slice(q + 1)) };
}

/** A numeric control's range; `value` is its default. Sliders take the same object. */
export interface NumberParam {
  key: string;
  min: number;
  max: number;
  step: number;
  value: number;
}

/** Decimal places of a step like 0.05 (2), so snapped values print as the slider would. */
function decimals(step: number): number {
  const s = String(step);
  return s.includes("e-") ? Number(s.split("e-")[1]) : (s.split(".")[1] ?? "").length;
}

/** `v` clamped into [min, max] and snapped to min + k·step. */
export function clampToParam(p: NumberParam, v: number): number {
  const clamped = Math.min(p.max, Math.max(p.min, v));
  const snapped = p.min + Math.round((clamped - p.min) / p.step) * p.step;
  return +Math.min(p.max, snapped).toFixed(decimals(p.step));
}

const show = (raw: string) => (raw.length > 24 ? `${raw.slice(0, 24)}…` : raw);

export class UrlState {
  /** What the page changed in the link, in plain words (shown above the page). */
  readonly notes: string[] = [];

  constructor(
    readonly page: string,
    readonly params: URLSearchParams,
  ) {}

  private note(text: string): void {
    this.notes.push(text);
  }

  num(p: NumberParam): number {
    const raw = this.params.get(p.key);
    if (raw === null) return p.value;
    const n = raw.trim() === "" ? NaN : Number(raw);
    if (!Number.isFinite(n)) {
      this.note(`${p.key} = "${show(raw)}" is not a number, so the page uses the default ${p.value}.`);
      return this.keep(p.key, p.value);
    }
    const v = clampToParam(p, n);
    if (v !== n) {
      const why =
        n < p.min || n > p.max ? `outside this control's range ${p.min} to ${p.max}` : `not on its steps of ${p.step}`;
      this.note(`${p.key} = ${show(raw)} is ${why}, so the page uses ${v}.`);
    }
    return this.keep(p.key, v);
  }

  /**
   * One of `allowed`; `renamed` maps old spellings (links made before an option was renamed) to
   * the current name.
   */
  choice<T extends string>(key: string, dflt: T, allowed: readonly T[], renamed: Record<string, T> = {}): T {
    const raw = this.params.get(key);
    if (raw === null) return dflt;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    if (Object.hasOwn(renamed, raw)) {
      this.note(`${key} = ${show(raw)} is now called ${renamed[raw]}.`);
      return this.keep(key, renamed[raw]);
    }
    this.note(`${key} = "${show(raw)}" is not one of ${allowed.join(", ")}, so the page uses ${dflt}.`);
    return this.keep(key, dflt);
  }

  bool(key: string, dflt: boolean): boolean {
    const raw = this.params.get(key);
    if (raw === null) return dflt;
    if (raw === "1" || raw === "true") return true;
    if (raw === "0" || raw === "false") return false;
    this.note(`${key} = "${show(raw)}" is not 0 or 1, so the page uses ${dflt ? 1 : 0}.`);
    return this.keep(key, dflt);
  }

  /**
   * Free text checked by `parse`, which returns the value to use and, when it had to change the
   * input, why (e.g. "only the first 10 logits are used").
   */
  text<T>(key: string, dflt: T, parse: (raw: string) => { value: T; note?: string }): T {
    const raw = this.params.get(key);
    if (raw === null) return dflt;
    const r = parse(raw);
    if (r.note) this.note(`${key}: ${r.note}`);
    return r.value;
  }

  /** Writes a corrected value back so the address bar shows what the page uses. */
  private keep<T extends string | number | boolean>(key: string, v: T): T {
    this.params.set(key, typeof v === "boolean" ? (v ? "1" : "0") : String(v));
    this.write();
    return v;
  }

  set(key: string, value: string | number | boolean): void {
    this.params.set(key, typeof value === "boolean" ? (value ? "1" : "0") : String(value));
    this.write();
  }

  patch(o: Record<string, string | number | boolean>): void {
    for (const [k, v] of Object.entries(o)) this.params.set(k, typeof v === "boolean" ? (v ? "1" : "0") : String(v));
    this.write();
  }

  private write(): void {
    const qs = this.params.toString();
    history.replaceState(null, "", `#/${this.page}${qs ? "?" + qs : ""}`);
  }
}
