/**
 * Icons as inline SVG, so they render on machines without an emoji font (⏸ is an empty box
 * there). Drawn on a 24×24 grid in the text colour; always beside a text label or an aria-label,
 * never the only name of a control.
 */
const SVG = "http://www.w3.org/2000/svg";

/** Each icon: filled shapes (`f`) and stroked paths (`s`). */
const ICONS = {
  play: { f: ["M7 4.5v15l12.5-7.5z"] },
  pause: { f: ["M6 4.5h4.5v15H6z", "M13.5 4.5H18v15h-4.5z"] },
  reset: { s: ["M4.5 12a7.5 7.5 0 1 0 2.2-5.3", "M4.5 4.5v4.5H9"] },
  next: { s: ["M9 5.5l6.5 6.5L9 18.5"] },
  prev: { s: ["M15 5.5L8.5 12l6.5 6.5"] },
  end: { s: ["M6 5.5l6.5 6.5L6 18.5", "M18 5.5v13"] },
  dice: {
    s: ["M5 4h14a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z"],
    f: ["M7 7h3v3H7z", "M14 14h3v3h-3z", "M10.5 10.5h3v3h-3z"],
  },
  download: { s: ["M12 4v11", "M7 10.5l5 5 5-5", "M5 19.5h14"] },
  code: { s: ["M8.5 7L3.5 12l5 5", "M15.5 7l5 5-5 5"] },
  plus: { s: ["M12 5v14", "M5 12h14"] },
  trash: { s: ["M5 7h14", "M10 7V4.5h4V7", "M7 7l1 12.5h8L17 7"] },
  check: { s: ["M5 12.5l4.5 4.5L19 7.5"] },
  cross: { s: ["M6 6l12 12", "M18 6L6 18"] },
  back: { s: ["M19 12H5.5", "M11 6l-6 6 6 6"] },
} as const;

export type IconName = keyof typeof ICONS;

export function icon(name: IconName): SVGSVGElement {
  const def = ICONS[name] as { f?: readonly string[]; s?: readonly string[] };
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.dataset.icon = name;
  for (const d of def.f ?? []) {
    const p = document.createElementNS(SVG, "path");
    p.setAttribute("d", d);
    p.setAttribute("fill", "currentColor");
    svg.append(p);
  }
  for (const d of def.s ?? []) {
    const p = document.createElementNS(SVG, "path");
    p.setAttribute("d", d);
    p.setAttribute("fill", "none");
    p.setAttribute("stroke", "currentColor");
    p.setAttribute("stroke-width", "2.2");
    p.setAttribute("stroke-linecap", "round");
    p.setAttribute("stroke-linejoin", "round");
    svg.append(p);
  }
  return svg;
}
