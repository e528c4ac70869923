/**
 * Demo state in the URL: `#/<demo>?key=value&...`. Every control writes its value here with
 * `history.replaceState`, so a link reproduces the page (and the back button isn't flooded).
 */
export interface Route { demo: string; params: URLSearchParams }

export function readRoute(): Route {
  const hash = location.hash.replace(/^#\/?/, "");
  const [demo, query = ""] = hash.split("?");
  return { demo: decodeURIComponent(demo), params: new URLSearchParams(query) };
}

export class UrlState {
  constructor(readonly demo: string, readonly params: URLSearchParams) {}
  num(key: string, dflt: number): number {
    const v = this.params.get(key);
    const n = v === null ? NaN : Number(v);
    return Number.isFinite(n) ? n : dflt;
  }
  str<T extends string>(key: string, dflt: T, allowed?: readonly T[]): T {
    const v = this.params.get(key) as T | null;
    return v !== null && (!allowed || allowed.includes(v)) ? v : dflt;
  }
  bool(key: string, dflt: boolean): boolean {
    const v = this.params.get(key);
    return v === null ? dflt : v === "1" || v === "true";
  }
  set(key: string, value: string | number | boolean): void {
    this.params.set(key, typeof value === "boolean" ? (value ? "1" : "0") : String(value));
    const qs = this.params.toString();
    history.replaceState(null, "", `#/${this.demo}${qs ? "?" + qs : ""}`);
  }
  patch(o: Record<string, string | number | boolean>): void { for (const [k, v] of Object.entries(o)) this.set(k, v); }
}
