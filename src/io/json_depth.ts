/**
 * A nesting check for untrusted JSON text, run before `JSON.parse`. V8 parses a million nested
 * brackets without complaint, but the first `JSON.stringify`, `String()` or `join` of the result
 * recurses and dies with "Maximum call stack size exceeded" — far from the file that caused it.
 *
 * Pure: usable in browsers.
 */

/**
 * The first place `text` nests objects or arrays deeper than `maxDepth`, or null when it never
 * does. Brackets inside strings do not count.
 *
 * @returns `{ depth, offset }`: the depth reached (maxDepth + 1) and the character offset there.
 */
export function jsonNestingBeyond(text: string, maxDepth: number): { depth: number; offset: number } | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return { depth, offset: i };
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return null;
}

/** A value for an error message: JSON, cut to `max` characters (a hostile value can be megabytes). */
export function shortJson(value: unknown, max = 60): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = Array.isArray(value) ? "[…]" : typeof value === "object" ? "{…}" : "?";
  }
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
