/**
 * The lab on WebGPU in Debian's headless Chromium: --enable-unsafe-webgpu gives a SwiftShader
 * adapter (isFallbackAdapter: true) on an http://127.0.0.1 page. The spirals page asked for
 * backend=webgpu trains there and says so; backend=auto on that fallback adapter picks wasm and says
 * why; backend=webgpu in a browser without WebGPU runs on wasm and says that WebGPU is unavailable.
 * Separate from lab.test.ts because it needs its own browsers (other flags). Run alone:
 * `npx vitest run test/lab/webgpu.test.ts`.
 */
import type { Server } from "node:http";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildLab,
  DIST,
  launch,
  metricNum,
  metricText,
  openPage,
  requireChromium,
  serve,
  shot,
  waitMetric,
} from "./harness.js";

let server: Server;
let base = "";
let gpuBrowser: Browser;
let plainBrowser: Browser;

beforeAll(async () => {
  requireChromium();
  buildLab();
  ({ server, url: base } = await serve(DIST));
  gpuBrowser = await launch({ webgpu: true });
  plainBrowser = await launch();
}, 240_000);

afterAll(async () => {
  await gpuBrowser?.close();
  await plainBrowser?.close();
  await new Promise((r) => (server ? server.close(r) : r(null)));
});

// Moons on the spirals page: a boundary Adam finds in tens of steps, which SwiftShader (software
// WebGPU, slower still on a loaded machine) gets through within the timeout.
const SPIRALS = "data=moons&n=200&depth=2&width=16&act=relu&opt=adam&lr=0.05&batch=32";

async function open(browser: Browser, query: string): Promise<{ page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const o = await openPage(ctx);
  await o.page.goto(`${base}#/spirals?${query}`);
  await o.page.locator('[data-demo="spirals"][data-ready]').waitFor({ timeout: 30_000 });
  return o;
}

/** Waits until the worker has answered which backend runs, and returns that name. */
async function backendOf(page: Page): Promise<string> {
  const m = page.locator('[data-metric="backend"][data-backend]');
  await m.waitFor({ timeout: 60_000 });
  return (await m.getAttribute("data-backend")) ?? "";
}

describe("the lab on WebGPU (Chromium, SwiftShader)", () => {
  it("backend=webgpu: the spirals page trains on webgpu, names the fallback adapter, and its loss falls", async () => {
    const p = await open(gpuBrowser, `${SPIRALS}&backend=webgpu`);
    expect(await backendOf(p.page)).toBe("webgpu");
    const label = await metricText(p.page, "backend");
    expect(label).toMatch(/^webgpu, /);
    expect(label).toContain("(fallback adapter)");
    expect(await p.page.locator('[data-metric="backend"]').getAttribute("data-fallback-adapter")).toBe("true");
    expect(await p.page.locator('[data-metric="backend-note"]').isHidden()).toBe(true);
    expect(await p.page.locator('[data-control="backend"]').inputValue()).toBe("webgpu");
    // The untrained model's loss, reported before the first step.
    const before = await waitMetric(p.page, "train-loss", (v) => Number.isFinite(v), 60_000);
    await p.page.click('[data-action="train"]');
    await waitMetric(p.page, "step", (v) => v >= 40, 240_000);
    await p.page.click('[data-action="train"]'); // pause
    const after = await waitMetric(p.page, "train-loss", (v) => Number.isFinite(v), 10_000);
    expect(after).toBeLessThan(0.8 * before);
    expect(await metricNum(p.page, "loss-points")).toBeGreaterThanOrEqual(20);
    expect(await backendOf(p.page)).toBe("webgpu");
    await shot(p.page, "webgpu-spirals");
    expect(p.errors).toEqual([]);
    await p.page.context().close();
  }, 300_000);

  it("backend=auto on a fallback adapter picks wasm and says why", async () => {
    const p = await open(gpuBrowser, `${SPIRALS}`);
    expect(await p.page.locator('[data-control="backend"]').inputValue()).toBe("auto");
    expect(await backendOf(p.page)).toBe("wasm");
    const why = p.page.locator('[data-metric="backend-note"]');
    await why.waitFor({ state: "visible", timeout: 10_000 });
    expect(await why.textContent()).toMatch(/^auto: the WebGPU adapter \(.*\) is a fallback adapter/);
    expect(p.errors).toEqual([]);
    await p.page.context().close();
  }, 120_000);

  it("backend=webgpu where the browser has no WebGPU: runs on wasm and says WebGPU is unavailable", async () => {
    const p = await open(plainBrowser, `${SPIRALS}&backend=webgpu`);
    expect(await backendOf(p.page)).toBe("wasm");
    const why = p.page.locator('[data-metric="backend-note"]');
    await why.waitFor({ state: "visible", timeout: 10_000 });
    expect(await why.textContent()).toContain("WebGPU was requested but is unavailable");
    expect(await metricText(p.page, "backend")).toMatch(/^wasm/);
    // the fallback still trains
    await p.page.click('[data-action="train"]');
    await waitMetric(p.page, "step", (v) => v >= 50, 60_000);
    expect(p.errors).toEqual([]);
    await p.page.context().close();
  }, 120_000);
});
