/**
 * The lab in a real browser: builds lab/dist, serves it cross-origin isolated, and drives every
 * demo in Debian's Chromium (headless). Each demo must load without console errors, its readouts
 * must follow the math (checked against gradlab's own numbers), and a screenshot of each lands
 * in test-output/lab/.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { F, tensor } from "../../src/index.js";
import { buildLab, DIST, launch, metricNum, metricText, openPage, requireChromium, serve, shot, waitMetric } from "./harness.js";

const DEMOS = ["neuron", "linear-collapse", "xor", "spirals", "softmax-temperature", "vanishing-gradients", "backprop-by-hand", "training-bugs", "mnist", "splits"];

let server: Server, base: string, browser: Browser, ctx: BrowserContext;

beforeAll(async () => {
  requireChromium();
  buildLab();
  ({ server, url: base } = await serve(DIST));
  browser = await launch();
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
}, 180_000);

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r(null)));
});

/** Opens a demo at `#/<id>?query`, waits until it is mounted, and returns the page + its error log. */
async function demo(id: string, query = ""): Promise<{ page: Page; errors: string[] }> {
  const o = await openPage(ctx);
  await o.page.goto(`${base}#/${id}${query ? "?" + query : ""}`);
  await o.page.locator(`[data-demo="${id}"][data-ready]`).waitFor({ timeout: 30_000 });
  return o;
}
/** Clicks `[data-action="download"]` and returns the downloaded file's safetensors JSON header. */
async function downloadHeader(page: Page): Promise<Record<string, { dtype: string; shape: number[] }>> {
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click('[data-action="download"]')]);
  const bytes = readFileSync(await dl.path());
  const n = Number(bytes.readBigUInt64LE(0));
  expect(8 + n).toBeLessThanOrEqual(bytes.length);
  return JSON.parse(bytes.subarray(8, 8 + n).toString("utf8"));
}
async function finish(p: { page: Page; errors: string[] }, name: string): Promise<void> {
  await p.page.waitForTimeout(300);
  await shot(p.page, name);
  expect(p.errors, `console errors on ${name}`).toEqual([]);
  await p.page.close();
}

describe("lab in Chromium", () => {
  it("index lists every demo, is cross-origin isolated, and each demo page loads without console errors", async () => {
    const p = await openPage(ctx);
    await p.page.goto(base);
    await p.page.locator('[data-page="index"]').waitFor();
    const links = await p.page.locator("[data-demo-link]").evaluateAll((els) => els.map((e) => e.getAttribute("data-demo-link")));
    expect(links).toEqual(DEMOS);
    expect(await p.page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
    await shot(p.page, "index");
    for (const id of DEMOS) {
      await p.page.click(`[data-demo-link="${id}"]`);
      await p.page.locator(`[data-demo="${id}"][data-ready]`).waitFor();
      await p.page.waitForTimeout(200);
      // every form control has an accessible name
      const unlabelled = await p.page.locator(`[data-demo="${id}"]`).evaluate((root) =>
        [...root.querySelectorAll("input, select, button")].filter((el) => {
          const e = el as HTMLInputElement;
          return !(e.labels?.length || e.getAttribute("aria-label") || (e.tagName === "BUTTON" && e.textContent?.trim()));
        }).map((e) => e.outerHTML.slice(0, 80)));
      expect(unlabelled, `unlabelled controls on ${id}`).toEqual([]);
      await p.page.goBack();
      await p.page.locator('[data-page="index"]').waitFor();
    }
    expect(p.errors).toEqual([]);
    await p.page.close();
  }, 60_000);

  it("neuron: z and σ(z) follow the weights; keyboard moves a slider", async () => {
    const p = await demo("neuron", "w1=1&w2=2&b=-1&x1=1&x2=1");
    expect(await metricNum(p.page, "z")).toBeCloseTo(2, 5);
    expect(await metricNum(p.page, "a")).toBeCloseTo(1 / (1 + Math.exp(-2)), 4);
    await p.page.focus('[data-control="w1"]');
    await p.page.keyboard.press("ArrowRight");
    await p.page.keyboard.press("ArrowRight");
    expect(await metricNum(p.page, "z")).toBeCloseTo(2.1, 4);
    expect(p.page.url()).toContain("w1=1.1");
    await p.page.click('[data-action="show-code"]');
    expect(await metricText(p.page, "pytorch-code")).toContain("nn.Linear(2, 1)");
    await finish(p, "neuron");
  });

  it("linear-collapse: no ReLU → one equivalent linear layer; ReLU bends the boundary", async () => {
    const p = await demo("linear-collapse", "hidden=6&seed=1&relu=0");
    expect(await metricNum(p.page, "max-diff")).toBeLessThan(1e-4);
    expect(await metricText(p.page, "boundary")).toBe("a straight line");
    await p.page.click('[data-control="relu"]');
    expect(await metricNum(p.page, "max-diff")).toBeGreaterThan(1e-2);
    expect(await metricText(p.page, "boundary")).toContain("bent");
    await finish(p, "linear-collapse");
  });

  it("xor: linear attempts fail, the hand-picked weights score 4/4, training solves it", async () => {
    const p = await demo("xor", "hidden=4&lr=0.05&seed=0");
    for (const k of ["linear-1-acc", "linear-2-acc", "linear-3-acc"]) expect(parseInt(await metricText(p.page, k))).toBeLessThanOrEqual(3);
    expect(await metricText(p.page, "hand-acc")).toBe("4/4");
    const ys = await Promise.all([0, 1, 2, 3].map((i) => metricNum(p.page, `hand-y-${i}`)));
    expect(ys).toEqual([0, 1, 1, 0]);
    await waitMetric(p.page, "train-acc", (v) => v === 1, 30_000);
    await finish(p, "xor");
  }, 60_000);

  it("spirals: trains to ≥ 95% train accuracy, takes clicked points, exports safetensors", async () => {
    const p = await demo("spirals", "data=spirals&depth=3&width=32&act=relu&opt=adam&lr=0.01&batch=32");
    await p.page.click('[data-action="train"]');
    const acc = await waitMetric(p.page, "train-acc", (v) => v >= 0.95, 90_000);
    expect(acc).toBeGreaterThanOrEqual(0.95);
    await p.page.click('[data-action="train"]'); // pause
    // the loss curve is sampled by steps, so even a fast run draws a real curve
    expect(await metricNum(p.page, "loss-points")).toBeGreaterThanOrEqual(20);
    const before = await metricNum(p.page, "points");
    await p.page.locator('[data-plot="regions"]').click({ position: { x: 60, y: 60 } });
    await waitMetric(p.page, "points", (v) => v === before + 1, 5_000);
    expect(p.page.url()).toContain("pts=");
    await p.page.fill('[data-control="add-x"]', "0.5");
    await p.page.fill('[data-control="add-y"]', "-0.5");
    await p.page.click('[data-action="add-point"]');
    await waitMetric(p.page, "points", (v) => v === before + 2, 5_000);
    expect(await metricText(p.page, "hidden-view")).toContain("PCA");
    const [dl] = await Promise.all([p.page.waitForEvent("download"), p.page.click('[data-action="download"]')]);
    const path = await dl.path();
    const bytes = (await import("node:fs")).readFileSync(path);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8"));
    expect(Object.keys(header)).toEqual(expect.arrayContaining(["0.weight", "0.bias", "6.weight", "6.bias"]));
    expect(header["0.weight"].shape).toEqual([32, 2]);
    expect(await metricText(p.page, "pytorch-code")).toContain("nn.Linear(32, 2)");
    await finish(p, "spirals");
  }, 120_000);

  it("spirals: multi-class softmax head with BatchNorm + Dropout trains", async () => {
    const p = await demo("spirals", "data=spirals&classes=3&depth=3&width=32&bn=1&dropout=0.1&bottleneck=1&lr=0.02");
    await p.page.click('[data-action="train"]');
    await waitMetric(p.page, "train-acc", (v) => v >= 0.8, 90_000);
    expect(await metricText(p.page, "hidden-view")).toContain("2 units");
    await finish(p, "spirals-3class");
  }, 120_000);

  it("softmax-temperature: probabilities, entropy and cross-entropy match gradlab", async () => {
    const p = await demo("softmax-temperature", "z=2,1,0.1&T=2&y=0");
    const check = async (z: number[], T: number, y: number) => {
      const want = F.softmax(tensor([z]), -1, { temperature: T }).data;
      for (let i = 0; i < z.length; i++) expect(await metricNum(p.page, `prob-${i}`)).toBeCloseTo(want[i], 4);
      const H = -Array.from(want).reduce((s, v) => s + v * Math.log(v), 0);
      expect(await metricNum(p.page, "entropy")).toBeCloseTo(H, 3);
      expect(await metricNum(p.page, "cross-entropy")).toBeCloseTo(-Math.log(want[y]), 3);
    };
    await check([2, 1, 0.1], 2, 0);
    await p.page.locator('[data-control="temperature"]').fill("0.5");
    await check([2, 1, 0.1], 0.5, 0);
    await p.page.click('[data-action="preset-confident-wrong"]');
    await check([8, 0.5, -1], 1, 1);
    expect(await metricNum(p.page, "cross-entropy")).toBeGreaterThan(5);
    await p.page.click('[data-action="preset-calibrated"]');
    expect(await metricNum(p.page, "cross-entropy")).toBeLessThan(0.8);
    await finish(p, "softmax-temperature");
  });

  it("vanishing-gradients: sigmoid at depth 20 vanishes; ReLU + He and residuals keep it alive", async () => {
    const p = await demo("vanishing-gradients", "depth=20&act=sigmoid&init=default");
    const sig = await metricNum(p.page, "ratio");
    expect(sig).toBeLessThan(1e-3);
    await p.page.selectOption('[data-control="act"]', "relu");
    await p.page.selectOption('[data-control="init"]', "he");
    const he = await metricNum(p.page, "ratio");
    expect(he).toBeGreaterThan(0.05);
    expect(he).toBeLessThan(50);
    await p.page.selectOption('[data-control="act"]', "sigmoid");
    await p.page.selectOption('[data-control="init"]', "default");
    await p.page.click('[data-control="res"]');
    expect(await metricNum(p.page, "ratio")).toBeGreaterThan(100 * sig);
    await p.page.click('[data-control="res"]');
    await shot(p.page, "vanishing-gradients-sigmoid");
    await p.page.locator('[data-control="depth"]').fill("30");
    expect(await metricNum(p.page, "ratio")).toBeLessThan(sig);
    await finish(p, "vanishing-gradients");
  });

  it("backprop-by-hand: every gradient matches the chain rule and autograd; the update lowers the loss", async () => {
    const p = await demo("backprop-by-hand", "x1=1&x2=2&y=1&w1=0.5&w2=-0.3&b1=0.1&w3=0.8&b2=-0.2&lr=0.5");
    const s = (z: number) => 1 / (1 + Math.exp(-z));
    const z1 = 0.5 * 1 - 0.3 * 2 + 0.1, h = s(z1), z2 = 0.8 * h - 0.2, yh = s(z2);
    const dz2 = (yh - 1) * yh * (1 - yh), dz1 = dz2 * 0.8 * h * (1 - h);
    expect(await metricNum(p.page, "yhat")).toBeCloseTo(yh, 4);
    expect(await metricNum(p.page, "loss")).toBeCloseTo(0.5 * (yh - 1) ** 2, 4);
    expect(await metricNum(p.page, "grad-w3")).toBeCloseTo(dz2 * h, 4);
    expect(await metricNum(p.page, "grad-w1")).toBeCloseTo(dz1 * 1, 4);
    expect(await metricNum(p.page, "autograd-diff")).toBeLessThan(1e-5);
    for (let i = 0; i < 12; i++) await p.page.click('[data-action="next"]');
    expect(await metricText(p.page, "step")).toBe("12 / 12");
    await shot(p.page, "backprop-by-hand-steps");
    const L0 = await metricNum(p.page, "loss"), after = await metricNum(p.page, "loss-after");
    expect(after).toBeLessThan(L0);
    await p.page.click('[data-action="apply-update"]');
    expect(await metricNum(p.page, "loss")).toBeCloseTo(after, 4);
    await p.page.click('[data-action="show-all"]');
    await finish(p, "backprop-by-hand");
  });

  it("training-bugs: each bug shows its symptom", async () => {
    const p = await demo("training-bugs");
    const state = (id: string) => p.page.locator(`[data-bug="${id}"]`).getAttribute("data-state");
    const waitState = async (id: string, s: string) => { for (let i = 0; i < 240 && (await state(id)) !== s; i++) await p.page.waitForTimeout(250); expect(await state(id)).toBe(s); };
    for (const id of ["softmax-ce", "zero-grad", "eval-mode", "shape", "leak"]) {
      await waitState(id, "clean");
      await p.page.click(`[data-control="bug-${id}"]`);
      await waitState(id, "buggy");
    }
    // softmax before CrossEntropyLoss: the loss (mean of the last 20 of 300 steps) stays high near ln 10; the correct code learns
    expect(await metricNum(p.page, "softmax-ce-smooth-clean")).toBeLessThan(1.0);
    expect(await metricNum(p.page, "softmax-ce-smooth")).toBeGreaterThan(1.9);
    expect(await metricNum(p.page, "softmax-ce-smooth")).toBeLessThan(2.31);
    expect(await metricText(p.page, "softmax-ce-symptom")).toContain("2.303");
    expect(await metricNum(p.page, "zero-grad-maxStep")).toBeGreaterThan(2 * (await metricNum(p.page, "zero-grad-maxStep-clean")));
    expect(await metricNum(p.page, "zero-grad-loss")).toBeGreaterThan((await metricNum(p.page, "zero-grad-minLoss")) + 0.1); // climbs back
    expect(await metricNum(p.page, "eval-mode-acc")).toBeLessThan((await metricNum(p.page, "eval-mode-acc-clean")) - 0.3);
    expect(await metricNum(p.page, "shape-r2")).toBeLessThan(0.1);
    expect(await metricNum(p.page, "shape-r2-clean")).toBeGreaterThan(0.8);
    expect(await metricText(p.page, "shape-error-clean")).toContain("same shape");
    expect(await metricNum(p.page, "leak-valAcc")).toBeGreaterThan((await metricNum(p.page, "leak-newPatientAcc")) + 0.15);
    // the trained models download as safetensors, with their PyTorch code (bugs are injected now)
    let header = await downloadHeader(p.page); // selected experiment: softmax-ce
    expect(header["0.weight"]).toMatchObject({ dtype: "F32", shape: [64, 2] });
    expect(header["2.weight"]).toMatchObject({ dtype: "F32", shape: [10, 64] });
    expect(await metricText(p.page, "pytorch-code")).toContain("nn.Softmax(dim=-1)");
    await p.page.selectOption('[data-control="export-bug"]', "eval-mode");
    header = await downloadHeader(p.page);
    expect(header["1.running_mean"]).toMatchObject({ dtype: "F32", shape: [64] });
    expect(header["1.num_batches_tracked"]).toMatchObject({ dtype: "I64", shape: [] });
    expect(header["4.weight"]).toMatchObject({ dtype: "F32", shape: [10, 64] });
    expect(await metricText(p.page, "pytorch-code")).toContain("nn.BatchNorm1d(64)");
    await finish(p, "training-bugs");
  }, 120_000);

  it("mnist: the 784-256-256-10 MLP reaches ≥ 90% test accuracy in 400 steps; drawing gives a softmax", async () => {
    const p = await demo("mnist", "steps=400&batch=64&lr=0.001");
    await p.page.click('[data-action="train"]');
    const t0 = Date.now();
    while ((await metricText(p.page, "test-acc")) === "–" && Date.now() - t0 < 170_000) await p.page.waitForTimeout(500);
    const acc = await metricNum(p.page, "test-acc");
    expect(acc).toBeGreaterThanOrEqual(0.9);
    expect(await p.page.locator('[data-gallery="predictions"] figure').count()).toBe(24);
    // draw a "7"
    await p.page.locator('[data-plot="draw"]').scrollIntoViewIfNeeded();
    const box = (await p.page.locator('[data-plot="draw"]').boundingBox())!;
    await p.page.mouse.move(box.x + 50, box.y + 50);
    await p.page.mouse.down();
    await p.page.mouse.move(box.x + 170, box.y + 50, { steps: 10 });
    await p.page.mouse.move(box.x + 100, box.y + 190, { steps: 12 });
    await p.page.mouse.up();
    await p.page.locator('[data-metric="draw-prob-0"]').waitFor({ timeout: 10_000 });
    const probs = await Promise.all(Array.from({ length: 10 }, (_, i) => metricNum(p.page, `draw-prob-${i}`)));
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    // keyboard only: pick a test image in the select, Tab to the button, Enter loads it into the pad
    await p.page.click('[data-action="clear-canvas"]');
    expect(await metricText(p.page, "draw-pred")).toBe("–");
    await p.page.focus('[data-control="test-digit"]');
    await p.page.keyboard.press("ArrowDown");
    const idx = await p.page.locator('[data-control="test-digit"]').inputValue();
    await p.page.keyboard.press("Tab");
    expect(await p.page.evaluate(() => document.activeElement?.getAttribute("data-action"))).toBe("load-test-digit");
    await p.page.keyboard.press("Enter");
    const src = await metricText(p.page, "pad-source");
    expect(src).toContain(`#${idx} (label `);
    const label = src.match(/label (\d)/)![1];
    for (let i = 0; i < 40 && (await metricText(p.page, "draw-pred")) === "–"; i++) await p.page.waitForTimeout(250);
    expect((await metricText(p.page, "draw-pred")).split(" ")[0]).toBe(label);
    await shot(p.page, "mnist-keyboard-digit");
    // Space works too
    await p.page.keyboard.press("Shift+Tab");
    await p.page.keyboard.press("ArrowDown");
    const idx2 = await p.page.locator('[data-control="test-digit"]').inputValue();
    await p.page.keyboard.press("Tab");
    await p.page.keyboard.press("Space");
    expect(await metricText(p.page, "pad-source")).toContain(`#${idx2} (label `);
    await finish(p, "mnist");
  }, 200_000);

  it("splits: the random split leaks patients and inflates accuracy; the group split doesn't", async () => {
    const p = await demo("splits", "patients=40&per=20&signal=1.5&seed=0&model=1nn");
    const rand = await metricNum(p.page, "acc-random"), group = await metricNum(p.page, "acc-group");
    expect(rand).toBeGreaterThan(group + 0.15);
    expect(await metricNum(p.page, "leak-group")).toBe(0);
    expect(await metricNum(p.page, "leak-random")).toBeGreaterThan(10);
    await p.page.selectOption('[data-control="model"]', "logreg");
    expect(await metricNum(p.page, "leak-group")).toBe(0);
    // the logistic regression of the selected split downloads as safetensors, with its PyTorch code
    await p.page.selectOption('[data-control="export-split"]', "random");
    const header = await downloadHeader(p.page);
    expect(header.weight.dtype).toBe("F32");
    expect(header.weight.shape[0]).toBe(2);
    expect(header.bias).toMatchObject({ dtype: "F32", shape: [2] });
    const code = await metricText(p.page, "pytorch-code");
    expect(code).toContain(`nn.Linear(${header.weight.shape[1]}, 2)`);
    expect(code).toContain("random_split");
    await finish(p, "splits");
  });

  it("is readable on a phone (390 px): no horizontal overflow", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const page = await phone.newPage();
    for (const id of ["", "spirals", "softmax-temperature", "backprop-by-hand", "mnist"]) {
      await page.goto(`${base}#/${id}`);
      await page.locator(id ? `[data-demo="${id}"][data-ready]` : '[data-page="index"]').waitFor();
      await page.waitForTimeout(300);
      const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(over, `horizontal overflow on ${id || "index"}`).toBeLessThanOrEqual(1);
      await shot(page, `phone-${id || "index"}`);
    }
    await phone.close();
  }, 60_000);
});
