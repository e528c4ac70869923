/**
 * Browser-test harness for the lab: builds `lab/dist` once, serves it with a tiny static server
 * (COOP/COEP headers so the page is cross-origin isolated, correct MIME types incl. wasm) and drives
 * Debian's Chromium through playwright-core. No browser is ever downloaded.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
export const DIST = join(ROOT, "lab/dist");
export const SHOTS = join(ROOT, "test-output/lab");
export const CHROMIUM = process.env.GRADLAB_CHROMIUM ?? "/usr/bin/chromium";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: the lab's browser tests need Debian's Chromium — install it with ` +
        `\`apt-get install -y chromium\` (as root), or point GRADLAB_CHROMIUM at a Chromium binary. No browser is ` +
        `downloaded by the tests.`,
    );
  }
}

/** `vite build` of the lab into lab/dist (a child process, so the test's own Vite is untouched). */
export function buildLab(): void {
  const vite = join(ROOT, "node_modules/vite/bin/vite.js");
  const r = spawnSync(process.execPath, [vite, "build", "--config", "lab/vite.config.ts", "--logLevel", "warn"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`vite build of the lab failed:\n${r.stdout}\n${r.stderr}`);
}

export function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? "/").split("?")[0]);
    let file = normalize(join(dir, path));
    if (!file.startsWith(dir)) {
      res.statusCode = 403;
      res.end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      res.statusCode = 404;
      res.end("not found");
      return;
    }
    res.setHeader("Content-Type", MIME[extname(file)] ?? "application/octet-stream");
    res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    res.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
    res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
    res.end(readFileSync(file));
  });
  return new Promise((ok) =>
    server.listen(0, "127.0.0.1", () =>
      ok({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }),
    ),
  );
}

/**
 * Debian's Chromium, headless. `webgpu: true` starts it with --enable-unsafe-webgpu (and without
 * --disable-gpu), which on a machine without a GPU gives WebGPU on SwiftShader: a fallback adapter.
 */
export async function launch(opts: { webgpu?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      ...(opts.webgpu ? ["--enable-unsafe-webgpu"] : ["--disable-gpu"]),
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    // playwright gives every launch a fresh temporary --user-data-dir itself.
  });
}

/** A page that records console errors and uncaught exceptions. */
export async function openPage(ctx: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  return { page, errors };
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

export async function metricText(page: Page, name: string, scope = "body"): Promise<string> {
  return (await page.locator(`${scope} [data-metric="${name}"]`).first().textContent())?.trim() ?? "";
}
export async function metricNum(page: Page, name: string): Promise<number> {
  return parseFloat(await metricText(page, name));
}
/** Polls until `pred(number)` holds for a metric, or throws with its last value. */
export async function waitMetric(
  page: Page,
  name: string,
  pred: (v: number) => boolean,
  timeoutMs: number,
): Promise<number> {
  const t0 = Date.now();
  let v = NaN;
  while (Date.now() - t0 < timeoutMs) {
    v = await metricNum(page, name);
    if (pred(v)) return v;
    await page.waitForTimeout(250);
  }
  throw new Error(`metric ${name} did not reach the expected value within ${timeoutMs} ms (last: ${v})`);
}
