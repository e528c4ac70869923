/**
 * The visual language every page shares: a Try / Notice caption, labelled controls, icons drawn
 * as SVG (so they show without an emoji font), every character on screen backed by a real glyph,
 * keyboard reachability with a visible focus ring; and the file:// explanation.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, it } from "vitest";
import { demo, lab } from "../context.js";
import { DIST, openPage, shot } from "../harness.js";
import { PAGES } from "./index.js";

/** Characters on the page that the installed fonts draw as the "missing glyph" box. */
async function missingGlyphs(
  page: import("playwright-core").Page,
): Promise<{ missing: string[]; checked: number; premise: boolean }> {
  return page.evaluate(() => {
    const chars = [...new Set([...document.body.innerText].filter((c) => c.codePointAt(0)! > 0x7e && !/\s/u.test(c)))];
    const cv = document.createElement("canvas");
    cv.width = 48;
    cv.height = 48;
    const ctx = cv.getContext("2d", { willReadFrequently: true })!;
    ctx.font = `28px ${getComputedStyle(document.body).fontFamily}`;
    const render = (ch: string) => {
      ctx.clearRect(0, 0, 48, 48);
      ctx.fillText(ch, 6, 34);
      return ctx.getImageData(0, 0, 48, 48).data.join(",");
    };
    // Two unassigned code points no font has: both draw the same box, which is what "missing" looks like.
    const box = render("\u{10FFFD}");
    const premise = box === render("\u{10FFFC}") && box !== render("A");
    return { missing: chars.filter((c) => render(c) === box), checked: chars.length, premise };
  });
}

export function visualTests(): void {
  it("every page: a Try / Notice caption, labelled controls, SVG icons, and a glyph for every character", async () => {
    for (const id of Object.keys(PAGES)) {
      const p = await demo(id);
      await p.page.waitForTimeout(300);
      const root = p.page.locator(`[data-demo="${id}"]`);
      expect(await root.locator("[data-caption] .caption-try li").count(), `${id}: things to try`).toBeGreaterThan(0);
      expect(
        await root.locator("[data-caption] .caption-notice li").count(),
        `${id}: things to notice`,
      ).toBeGreaterThan(0);
      const unlabelled = await root.evaluate((r) =>
        [...r.querySelectorAll("input, select, button")]
          .filter((el) => {
            const e = el as HTMLInputElement;
            return !(
              e.labels?.length ||
              e.getAttribute("aria-label") ||
              (e.tagName === "BUTTON" && e.textContent?.trim())
            );
          })
          .map((e) => e.outerHTML.slice(0, 80)),
      );
      expect(unlabelled, `unlabelled controls on ${id}`).toEqual([]);
      // Icons are SVG: no button leans on a pictograph character (⏸ ▶ ↺ ✓ …) that needs an emoji font.
      const pictographs = await root.evaluate((r) =>
        [...r.querySelectorAll("button")]
          .map((b) => b.textContent ?? "")
          .filter((t) => /[\u2190-\u21ff\u2300-\u23ff\u25a0-\u27bf\u2b00-\u2bff\u{1f000}-\u{1faff}]/u.test(t)),
      );
      expect(pictographs, `symbol characters in buttons on ${id}`).toEqual([]);
      const glyphs = await missingGlyphs(p.page);
      expect(glyphs.premise, "the missing-glyph detector works in this browser").toBe(true);
      expect(glyphs.missing, `characters without a glyph on ${id}`).toEqual([]);
      expect(p.errors, `console errors on ${id}`).toEqual([]);
      await p.page.close();
    }
  }, 120_000);

  it("keyboard: Tab reaches every control with a visible focus ring; the play button swaps its icon", async () => {
    const p = await demo("spirals");
    const controls = await p.page
      .locator('[data-demo="spirals"]')
      .locator("input, select, button, [tabindex='0']")
      .count();
    const seen = new Set<string>();
    let unringed: string[] = [];
    for (let i = 0; i < controls + 12; i++) {
      await p.page.keyboard.press("Tab");
      const r = await p.page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || !el.closest('[data-demo="spirals"]')) return null;
        const cs = getComputedStyle(el);
        const key =
          el.getAttribute("data-control") ??
          el.getAttribute("data-action") ??
          el.getAttribute("data-plot") ??
          el.tagName + el.textContent;
        return { key, ring: cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) >= 2 };
      });
      if (!r) continue;
      seen.add(r.key);
      if (!r.ring) unringed.push(r.key);
    }
    unringed = [...new Set(unringed)];
    expect(unringed, "focused without a visible ring").toEqual([]);
    for (const k of [
      "train",
      "reset",
      "lr",
      "batch",
      "depth",
      "width",
      "act",
      "init",
      "add-point",
      "download",
      "regions",
    ])
      expect(seen, k).toContain(k);
    const icon = () => p.page.locator('[data-action="train"] svg').getAttribute("data-icon");
    expect(await icon()).toBe("play");
    await p.page.focus('[data-action="train"]');
    await p.page.keyboard.press("Enter");
    expect(await icon()).toBe("pause");
    expect(await p.page.locator('[data-action="train"]').getAttribute("aria-pressed")).toBe("true");
    await p.page.keyboard.press("Space");
    expect(await icon()).toBe("play");
    expect(p.errors).toEqual([]);
    await p.page.close();
  }, 60_000);

  it("lab/dist/index.html opened as a file says why it cannot run instead of staying blank", async () => {
    const p = await openPage(lab.desktop);
    await p.page.goto(pathToFileURL(join(DIST, "index.html")).href);
    const note = p.page.locator('[data-boot-note="file"]');
    await note.waitFor({ state: "visible", timeout: 10_000 });
    expect(await note.textContent()).toContain("npm run lab:preview");
    await shot(p.page, "file-protocol");
    // Chromium's own "module blocked" errors are the very reason for the note; they are not checked here.
    await p.page.close();
  });

  it("served over http, the file:// note stays hidden", async () => {
    const p = await openPage(lab.desktop);
    await p.page.goto(lab.base);
    await p.page.locator('[data-page="index"]').waitFor();
    expect(await p.page.locator('[data-boot-note="file"]').isVisible()).toBe(false);
    await p.page.close();
  });
}
