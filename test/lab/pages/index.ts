/** The index: every page listed, placed on the course map, which follows the lecture's own arc. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { lab } from "../context.js";
import { openPage, ROOT, shot } from "../harness.js";

/** The pages, in the lecture's order, with the stage of the course each belongs to. */
export const PAGES: Record<string, string> = {
  "opening-question": "foundations",
  representation: "foundations",
  "universal-approximation": "foundations",
  "depth-tools": "optimization",
  neuron: "foundations",
  "linear-collapse": "foundations",
  xor: "foundations",
  spirals: "foundations",
  "softmax-temperature": "foundations",
  "vanishing-gradients": "optimization",
  "backprop-by-hand": "foundations",
  "training-bugs": "optimization",
  mnist: "foundations",
  splits: "regularization",
  convolution: "cnns",
  attention: "attention",
  "text-generation": "transformers",
};

/** "Foundations → optimization → … → efficient inference." from the lecture itself. */
function lectureArc(): string[] {
  const text = readFileSync(join(ROOT, "../shared/seeds/000_f9bc3c908fd37feb.txt"), "utf8");
  const line = text.split("\n").find((l) => l.startsWith("Foundations →"));
  if (!line) throw new Error("the lecture text no longer has its 'Foundations → …' arc line");
  return line
    .replace(/\.$/, "")
    .split("→")
    .map((s) => s.trim().toLowerCase());
}

export function indexTests(): void {
  it("index: the course map is the lecture's 24-lecture arc, each page sits on its stage and loads", async () => {
    const p = await openPage(lab.desktop);
    await p.page.goto(lab.base);
    await p.page.locator('[data-page="index"]').waitFor();
    expect(await p.page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
    const map = p.page.locator("[data-course-map]");
    expect(await map.locator("h2").textContent()).toContain("24 lectures");
    const stages = await map.locator("[data-stage] .stage-name").allTextContents();
    expect(stages.map((s) => s.toLowerCase())).toEqual(lectureArc());
    const links = await p.page
      .locator("[data-demo-link]")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-demo-link")));
    expect(new Set(links)).toEqual(new Set(Object.keys(PAGES)));
    for (const [id, stage] of Object.entries(PAGES)) {
      expect(
        await p.page.locator(`[data-stage-section="${stage}"] [data-demo-link="${id}"]`).count(),
        `${id} on ${stage}`,
      ).toBe(1);
    }
    // a stage's count on the map is the number of its pages
    for (const stage of new Set(Object.values(PAGES))) {
      const n = Object.values(PAGES).filter((s) => s === stage).length;
      expect(await map.locator(`[data-stage="${stage}"] .stage-count`).textContent()).toBe(
        `${n} page${n > 1 ? "s" : ""}`,
      );
    }
    await shot(p.page, "index");
    for (const id of Object.keys(PAGES)) {
      await p.page.click(`[data-demo-link="${id}"]`);
      await p.page.locator(`[data-demo="${id}"][data-ready]`).waitFor();
      await p.page.waitForTimeout(200);
      await p.page.goBack();
      await p.page.locator('[data-page="index"]').waitFor();
    }
    expect(p.errors).toEqual([]);
    await p.page.close();
  }, 90_000);

  it("index on a phone: the map wraps, nothing scrolls sideways", async () => {
    const p = await openPage(lab.phone);
    await p.page.goto(lab.base);
    await p.page.locator('[data-page="index"]').waitFor();
    expect(await p.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(
      1,
    );
    await shot(p.page, "phone-index");
    expect(p.errors).toEqual([]);
    await p.page.close();
  });
}
