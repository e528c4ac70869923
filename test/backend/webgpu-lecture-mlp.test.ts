// The lecture's MNIST MLP (784-256-256-10) trains on webgpu in headless Chromium (Debian's, on
// SwiftShader through --enable-unsafe-webgpu, from an http://127.0.0.1 page) to the accuracy the
// same code reaches on wasm here: same seed, same batches, 20 steps on 1,280 images, tested on 1,000.
// (In Node, test/cli/webgpu.test.ts trains `gradlab train --device webgpu` against wasm.)
// No skipping: without Chromium or an adapter this fails with the reason.
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMnist } from "../../src/data/mnist_node.js";
import { setBackend } from "../../src/index.js";
import { type LectureRun, type MnistSubset, trainLectureMlp } from "./fixtures/lecture_mlp.js";

const chromiumPath = process.env.GRADLAB_CHROMIUM ?? "/usr/bin/chromium";
const page = `<!doctype html><title>lecture MLP on webgpu</title><script type="module" src="./entry.js"></script>`;
const TRAIN = 1280,
  TEST = 1000;

describe("the lecture's MNIST MLP on webgpu in headless Chromium", () => {
  let server: Server,
    url = "";
  let subset: MnistSubset;

  beforeAll(async () => {
    if (!existsSync(chromiumPath))
      throw new Error(`Chromium not found at ${chromiumPath}: install it with \`apt-get install -y chromium\``);
    const train = loadMnist("train", { limit: TRAIN }),
      test = loadMnist("test", { limit: TEST });
    subset = { trainX: train.images, trainY: train.labels, testX: test.images, testY: test.labels };
    const out = await build({
      entryPoints: [fileURLToPath(new URL("./fixtures/webgpu-lecture-entry.ts", import.meta.url))],
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
      logLevel: "error",
      external: ["node:*"],
    });
    const files: Record<string, { type: string; body: Uint8Array | string }> = {
      "/entry.js": { type: "text/javascript", body: out.outputFiles[0].text },
      "/": { type: "text/html", body: page },
    };
    for (const [name, a] of Object.entries({
      "train-x": subset.trainX,
      "train-y": subset.trainY,
      "test-x": subset.testX,
      "test-y": subset.testY,
    })) {
      files[`/${name}`] = {
        type: "application/octet-stream",
        body: new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
      };
    }
    server = createServer((req, res) => {
      const f = files[req.url ?? "/"];
      if (!f) {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.setHeader("Content-Type", f.type);
      res.end(f.body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }, 120_000);
  afterAll(() => server?.close());

  it("reaches the accuracy the same steps reach on wasm", async () => {
    await setBackend("wasm");
    const ref = await trainLectureMlp(subset);
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ["--no-sandbox", "--enable-unsafe-webgpu"],
    });
    let gpu: LectureRun & { adapter?: { isFallbackAdapter: boolean; source: string }; error?: string };
    try {
      const p = await browser.newPage();
      await p.goto(url);
      gpu = (await p.evaluate(() => (window as unknown as { results: Promise<unknown> }).results)) as typeof gpu;
    } finally {
      await browser.close();
    }
    expect(gpu.error, String(gpu.error)).toBeUndefined();
    expect(gpu.adapter).toMatchObject({ source: "navigator.gpu" });
    const report = JSON.stringify({ webgpu: gpu, wasm: ref });
    expect(gpu.losses, report).toHaveLength(TRAIN / 64);
    // float32 on both, summed in different orders: each step's loss agrees closely.
    gpu.losses.forEach((l, i) => expect(Math.abs(l - ref.losses[i]), report).toBeLessThan(2e-3));
    expect(Math.abs(gpu.accuracy - ref.accuracy), report).toBeLessThanOrEqual(0.005);
    // It learned (the lecture's lr 0.01 moves slowly in 20 steps): chance is 0.1, the loss falls.
    expect(gpu.accuracy, report).toBeGreaterThan(0.2);
    expect(
      gpu.losses.slice(-5).reduce((a, b) => a + b),
      report,
    ).toBeLessThan(gpu.losses.slice(0, 5).reduce((a, b) => a + b));
  }, 600_000);
});
