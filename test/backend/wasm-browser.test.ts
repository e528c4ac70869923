// The backend in Chromium (when playwright-core and a Chromium binary are available): relaxed
// SIMD detection, Blob-URL workers on a crossOriginIsolated page, and the main-thread spin path.
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const chromiumPath = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find((p) =>
  existsSync(p),
);
const playwright = await import("playwright-core");
if (!chromiumPath)
  throw new Error(
    "Chromium not found at /usr/bin/chromium: install it with `apt-get install -y chromium` (.ci/run does)",
  );

const page = `<!doctype html><script type="module">
import { check } from "./entry.js";
const inWorker = (threads) => new Promise((resolve) => {
  const w = new Worker("./entry.js", { type: "module" });
  w.onmessage = (e) => resolve(e.data);
  w.postMessage(threads);
});
window.results = (async () => ({ isolated: crossOriginIsolated, worker: await inWorker(2), main: await check(2) }))()
  .catch((e) => ({ error: String(e) }));
</script>`;

describe("wasm backend in Chromium", () => {
  let server: Server,
    url = "",
    bundle = "";

  beforeAll(async () => {
    const out = await build({
      entryPoints: [fileURLToPath(new URL("./fixtures/browser-entry.ts", import.meta.url))],
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
      external: ["node:*"],
    });
    bundle = out.outputFiles[0].text;
    server = createServer((req, res) => {
      // COOP+COEP make the page crossOriginIsolated, which enables SharedArrayBuffer; /plain/ lacks them.
      if (!req.url?.startsWith("/plain/")) {
        res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
        res.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
      }
      const js = req.url?.endsWith(".js");
      res.setHeader("Content-Type", js ? "text/javascript" : "text/html");
      res.end(js ? bundle : page);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => server?.close());

  it("runs with threads in a worker and on the main thread, matching the reference", async () => {
    const browser = await playwright!.chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
    try {
      const p = await browser.newPage();
      await p.goto(url);
      const r = (await p.evaluate(() => (window as unknown as { results: Promise<unknown> }).results)) as Record<
        string,
        Record<string, unknown>
      >;
      expect(r.error).toBeUndefined();
      expect(r.isolated).toBe(true);
      for (const where of ["worker", "main"]) {
        expect(r[where].error).toBeUndefined();
        expect(r[where]).toMatchObject({ simd: "relaxed", shared: true, threads: 2, failures: [] });
      }
    } finally {
      await browser.close();
    }
  });

  it("falls back to one thread and a non-shared memory on a page that is not isolated", async () => {
    const browser = await playwright!.chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
    try {
      const p = await browser.newPage();
      await p.goto(`${url}plain/`);
      const r = (await p.evaluate(() => (window as unknown as { results: Promise<unknown> }).results)) as Record<
        string,
        Record<string, unknown>
      >;
      expect(r.isolated).toBe(false);
      for (const where of ["worker", "main"])
        expect(r[where]).toMatchObject({ shared: false, threads: 1, failures: [] });
    } finally {
      await browser.close();
    }
  });
});
