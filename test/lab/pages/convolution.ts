/** Convolution: the page's LeNet, its prediction, test accuracy and hand-made kernel output agree with gradlab in Node. */
import { expect, it } from "vitest";
import { F, models, type nn, noGrad, tensor, type Tensor } from "../../../src/index.js";
import type { NamedArray } from "../../../src/io/named_array.js";
import { demo, download, finish, phoneShot, waitState, waitText } from "../context.js";
import { metricText } from "../harness.js";
import { accuracyOf, mnistTest, predictions, testPixels } from "../mnist_node.js";

/** The page's LeNet-5 (lab/src/lib/lenet.ts), rebuilt from the library and the downloaded weights. */
export function lenetFrom(sd: Map<string, NamedArray>): nn.Sequential {
  const m = models.lenet5();
  const state: Record<string, Tensor> = {};
  for (const [k, v] of sd) state[k] = tensor(v.data as Float32Array, { shape: v.shape });
  m.loadStateDict(state);
  m.eval();
  return m;
}

export function convolutionTests(): void {
  it("convolution: LeNet's accuracy and prediction, and the edge kernel's output, match gradlab in Node", async () => {
    const p = await demo("convolution", "steps=100&batch=32&test=3&preset=edge");
    await waitState(p.page, '[data-demo="convolution"] > [data-state]', "done", 150_000);
    await waitText(p.page, "source", (t) => t.startsWith("test image #3"), 20_000);
    await waitText(p.page, "prob", (t) => /^\d/.test(t), 20_000);
    const sd = await download(p.page);
    const model = lenetFrom(sd);
    // the 500-image probe the page scores
    const pred = noGrad(() => predictions(model(testPixels(0, 500).view(-1, 1, 28, 28))));
    const acc = Number(await p.page.locator('[data-metric="test-acc"]').getAttribute("data-value"));
    expect(Math.abs(acc - accuracyOf(pred))).toBeLessThanOrEqual(1 / 500);
    expect(acc).toBeGreaterThan(0.7);
    // test image 3 as the page shows it
    const probs = noGrad(() =>
      model(testPixels(3, 4).view(1, 1, 28, 28))
        .softmax(1)
        .dataSync(),
    );
    const best = probs.indexOf(Math.max(...probs));
    expect(await metricText(p.page, "pred")).toBe(String(best));
    expect(Number(await metricText(p.page, "prob"))).toBeCloseTo(probs[best], 3);
    // eight feature-map pictures of conv1, and six learned filters
    expect(await p.page.locator('[data-plot="feature-maps"] canvas').count()).toBe(6 + 6 + 16 + 16);
    expect(await p.page.locator('[data-plot="filters"] canvas').count()).toBe(6);
    // the edge kernel on test image 3 (pixels / 255), padding 1
    const { x } = mnistTest();
    const img = tensor(
      Float32Array.from(x.subarray(3 * 784, 4 * 784), (v) => v / 255),
      { shape: [1, 1, 28, 28] },
    );
    const edge = tensor([-1, -1, -1, -1, 8, -1, -1, -1, -1], { shape: [1, 1, 3, 3] });
    const out = F.conv2d(img, edge, null, { padding: 1 }).dataSync();
    expect(Number(await metricText(p.page, "kernel-max"))).toBeCloseTo(Math.max(...out), 3);
    // editing one weight by keyboard changes the output as F.conv2d says
    await p.page.selectOption('[data-control="preset"]', "blur");
    await p.page.locator('[data-control="k4"]').fill("1");
    const blur = tensor(
      [1, 1, 1, 1, 9, 1, 1, 1, 1].map((v) => v / 9),
      { shape: [1, 1, 3, 3] },
    );
    const want = Math.max(...F.conv2d(img, blur, null, { padding: 1 }).dataSync());
    await waitText(p.page, "kernel-max", (t) => Math.abs(Number(t) - want) < 1e-3, 10_000);
    expect(p.page.url()).toContain("kernel=");
    await finish(p, "convolution");
    await phoneShot("convolution", "steps=50", "phone-convolution", (page) =>
      waitState(page, '[data-demo="convolution"] > [data-state]', "done", 120_000),
    );
  }, 300_000);
}
