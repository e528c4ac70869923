/**
 * What every page test shares: the browser, the served lab, opening a page and checking it on the
 * way out (no console errors, a screenshot at desktop width, one at phone width, no sideways
 * scrolling on the phone), downloading a model.
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { decodeSafetensors } from "../../src/io/safetensors.js";
import type { NamedArray } from "../../src/io/named_array.js";
import { openPage, shot } from "./harness.js";

export interface Lab {
  base: string;
  browser: Browser;
  desktop: BrowserContext;
  phone: BrowserContext;
}
/** Filled in by lab.test.ts's beforeAll. */
export const lab = {} as Lab;

export interface Opened {
  page: Page;
  errors: string[];
}

/** Opens `#/<id>?query` at desktop width and waits until the page has mounted. */
export async function demo(id: string, query = "", ctx: BrowserContext = lab.desktop): Promise<Opened> {
  const o = await openPage(ctx);
  await o.page.goto(`${lab.base}#/${id}${query ? "?" + query : ""}`);
  await o.page.locator(`[data-demo="${id}"][data-ready]`).waitFor({ timeout: 30_000 });
  return o;
}

/** Screenshot, nothing wider than the window, no console errors, close. */
export async function finish(p: Opened, name: string): Promise<void> {
  await p.page.waitForTimeout(400); // let the last animation frame land
  await shot(p.page, name);
  const over = await p.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(over, `horizontal overflow on ${name}`).toBeLessThanOrEqual(1);
  expect(p.errors, `console errors on ${name}`).toEqual([]);
  await p.page.close();
}

/** Opens the page at phone width (390 px), checks it never scrolls sideways, and takes a screenshot. */
export async function phoneShot(
  id: string,
  query = "",
  name = `phone-${id}`,
  wait?: (page: Page) => Promise<void>,
): Promise<void> {
  const p = await demo(id, query, lab.phone);
  if (wait) await wait(p.page);
  await p.page.waitForTimeout(400);
  const over = await p.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(over, `horizontal overflow on ${id} at 390 px`).toBeLessThanOrEqual(1);
  await shot(p.page, name);
  expect(p.errors, `console errors on ${name}`).toEqual([]);
  await p.page.close();
}

/** Clicks a download button and returns the safetensors file's tensors. */
export async function download(page: Page, selector = '[data-action="download"]'): Promise<Map<string, NamedArray>> {
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
  const bytes = new Uint8Array(readFileSync(await dl.path()));
  return decodeSafetensors(bytes).tensors;
}

/** A float32 tensor of a downloaded state dict, by key. */
export function f32(sd: Map<string, NamedArray>, key: string): { data: Float32Array; shape: number[] } {
  const t = sd.get(key);
  if (!t) throw new Error(`the download has no tensor "${key}"; it has ${[...sd.keys()].join(", ")}`);
  return { data: t.data as Float32Array, shape: t.shape };
}

/** Polls a readout until `pred` holds for its text, or fails with the last text. */
export async function waitText(
  page: Page,
  metricName: string,
  pred: (t: string) => boolean,
  timeoutMs: number,
): Promise<string> {
  const t0 = Date.now();
  let t = "";
  while (Date.now() - t0 < timeoutMs) {
    t = ((await page.locator(`[data-metric="${metricName}"]`).first().textContent()) ?? "").trim();
    if (pred(t)) return t;
    await page.waitForTimeout(250);
  }
  throw new Error(`readout ${metricName} never became what the test waits for within ${timeoutMs} ms (last: "${t}")`);
}

/** Waits for an element's data-state attribute. */
export async function waitState(page: Page, selector: string, state: string, timeoutMs = 60_000): Promise<void> {
  await page.locator(`${selector}[data-state="${state}"]`).first().waitFor({ timeout: timeoutMs });
}
