/**
 * Links are input from anyone. Every value in a link is brought into its control's range, the
 * page says what it changed, and no link can freeze the tab: heavy work runs in workers, and the
 * page answers (an animation frame comes round) right after it mounts.
 */
import { expect, it } from "vitest";
import type { Page } from "playwright-core";
import { demo } from "../context.js";
import { PAGES } from "./index.js";

/** The main thread is free: an animation frame arrives within a generous timeout. */
async function responsive(page: Page): Promise<void> {
  const answered = await Promise.race([
    page.evaluate(() => new Promise<boolean>((r) => requestAnimationFrame(() => r(true)))),
    new Promise<boolean>((r) => setTimeout(() => r(false), 10_000)),
  ]);
  expect(answered, "the page answers").toBe(true);
}

const CASES: { url: string; control: string; shown: string; note: string }[] = [
  { url: "vanishing-gradients?depth=20000&width=128", control: "depth", shown: "40", note: "depth = 20000" },
  { url: "vanishing-gradients?depth=40&width=3000", control: "width", shown: "128", note: "width = 3000" },
  { url: "softmax-temperature?T=0", control: "T", shown: "0.05", note: "T = 0" },
  { url: "linear-collapse?hidden=-1", control: "hidden", shown: "1", note: "hidden = -1" },
  { url: "spirals?depth=-1", control: "depth", shown: "0", note: "depth = -1" },
  { url: "splits?patients=10000000", control: "patients", shown: "80", note: "patients = 10000000" },
  { url: "spirals?n=1e9&width=1e6&batch=0", control: "width", shown: "64", note: "width = 1e6" },
  { url: "mnist?steps=1e12&batch=1e9", control: "steps", shown: "5000", note: "steps = 1e12" },
  { url: "xor?hidden=100000&lr=abc", control: "hidden", shown: "16", note: 'lr = "abc" is not a number' },
  { url: "backprop-by-hand?x1=1e308&lr=-3&step=99", control: "x1", shown: "10", note: "x1 = 1e308" },
  { url: "neuron?w1=Infinity", control: "w1", shown: "1", note: 'w1 = "Infinity" is not a number' },
  { url: "spirals?act=sigmoid%3Cscript%3E&data=mnist", control: "act", shown: "relu", note: "is not one of" },
  { url: "depth-tools?depth=100000&width=5000", control: "depth", shown: "50", note: "depth = 100000" },
  { url: "opening-question?steps=1e9&batch=-4", control: "steps", shown: "3000", note: "steps = 1e9" },
  { url: "universal-approximation?units=1e6&layers=64", control: "units", shown: "50", note: "units = 1e6" },
  { url: "representation?steps=-5&digit=12", control: "digit", shown: "9", note: "digit = 12" },
];

export function hostileUrlTests(): void {
  it("hostile links: each value is clamped to its control, the page says so, and stays responsive", async () => {
    for (const c of CASES) {
      const id = c.url.split("?")[0];
      const p = await demo(id, c.url.split("?")[1]);
      await responsive(p.page);
      expect(await p.page.locator(`[data-control="${c.control}"]`).first().inputValue(), c.url).toBe(c.shown);
      const note = p.page.locator("[data-url-note]");
      expect(await note.isVisible(), `note on ${c.url}`).toBe(true);
      expect(await note.textContent(), c.url).toContain(c.note);
      // the address now holds what the page uses
      expect(decodeURIComponent(p.page.url()), c.url).toContain(`${c.control}=${c.shown}`);
      await p.page.waitForTimeout(500);
      await responsive(p.page);
      expect(p.errors, c.url).toEqual([]);
      await p.page.close();
    }
  }, 180_000);

  it("hostile links: 10 000 clicked points, 12 giant logits, unknown bugs: trimmed with a note", async () => {
    const pts = JSON.stringify(
      Array.from({ length: 10_000 }, (_, i) => ({ x: (i % 7) - 3, y: (i % 5) - 2, label: i % 2 })),
    );
    let p = await demo("spirals", `pts=${encodeURIComponent(pts)}`);
    await responsive(p.page);
    expect(await p.page.locator("[data-url-note]").textContent()).toContain(
      "9800 of the 10000 added points were left out",
    );
    expect(p.errors).toEqual([]);
    await p.page.close();
    p = await demo("softmax-temperature", `z=${encodeURIComponent("1e308,-1e308,5,6,7,8,9,10,11,12,13,14")}&y=11`);
    await responsive(p.page);
    expect(await p.page.locator('[data-control="logits"]').inputValue()).toBe("100, -100, 5, 6, 7, 8, 9, 10, 11, 12");
    expect(await p.page.locator("[data-url-note]").textContent()).toContain("trimmed");
    expect(await p.page.locator('[data-metric="prob-0"]').textContent()).toBe("1.0000");
    expect(p.errors).toEqual([]);
    await p.page.close();
    p = await demo("training-bugs", "bugs=__proto__,zero-grad,constructor");
    await responsive(p.page);
    expect(await p.page.locator('[data-control="bug-zero-grad"]').isChecked()).toBe(true);
    expect(await p.page.locator("[data-url-note]").textContent()).toContain("only these bugs exist");
    expect(p.errors).toEqual([]);
    await p.page.close();
  }, 120_000);

  it("every control of every page survives ±1e12 and junk in its link", async () => {
    for (const id of Object.keys(PAGES)) {
      const probe = await demo(id);
      const controls = await probe.page
        .locator(`[data-demo="${id}"] input[data-control]`)
        .evaluateAll((els) =>
          els
            .filter((e) => ["range", "number"].includes((e as HTMLInputElement).type))
            .map((e) => e.getAttribute("data-control")!),
        );
      await probe.page.close();
      for (const value of ["1e12", "-1e12", "junk"]) {
        const q = controls.map((k) => `${k}=${value}`).join("&");
        const p = await demo(id, q);
        await responsive(p.page);
        if (controls.length) expect(await p.page.locator("[data-url-note]").isVisible(), `${id}?${q}`).toBe(true);
        await p.page.waitForTimeout(300);
        await responsive(p.page);
        expect(p.errors, `${id}?${q}`).toEqual([]);
        await p.page.close();
      }
    }
  }, 300_000);
}
