// The WebGPU kernels in Debian's headless Chromium: --enable-unsafe-webgpu gives a SwiftShader
// adapter on an http://127.0.0.1 page. The same parity suite as in Node. No skipping: without
// Chromium or without an adapter this fails with the reason.
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const chromiumPath = process.env.GRADLAB_CHROMIUM ?? "/usr/bin/chromium";
const page = `<!doctype html><title>webgpu parity</title><script type="module" src="./entry.js"></script>`;

describe("WebGPU kernels in Chromium", () => {
  let server: Server,
    url = "",
    bundle = "";

  beforeAll(async () => {
    if (!existsSync(chromiumPath))
      throw new Error(
        `Chromium not found at ${chromiumPath}: install it with \`apt-get install -y chromium\` (.ci/run does)`,
      );
    const out = await build({
      entryPoints: [fileURLToPath(new URL("./fixtures/webgpu-browser-entry.ts", import.meta.url))],
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
      logLevel: "error",
    });
    bundle = out.outputFiles[0].text;
    server = createServer((req, res) => {
      const js = req.url?.endsWith(".js");
      res.setHeader("Content-Type", js ? "text/javascript" : "text/html");
      res.end(js ? bundle : page);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => server?.close());

  it("match the JS reference on every kernel on the browser's adapter", async () => {
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ["--no-sandbox", "--enable-unsafe-webgpu"],
    });
    try {
      const p = await browser.newPage();
      await p.goto(url);
      const r = (await p.evaluate(() => (window as unknown as { results: Promise<unknown> }).results)) as Record<
        string,
        unknown
      >;
      expect(r.error, String(r.error)).toBeUndefined();
      expect(r.adapter).toMatchObject({ isFallbackAdapter: true, source: "navigator.gpu" });
      expect(r.failures).toEqual([]);
      expect((r.facts as { geluMaxUlp: number }).geluMaxUlp).toBeLessThanOrEqual(8);
    } finally {
      await browser.close();
    }
  }, 400_000);
});
