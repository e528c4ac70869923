/** Representation learning: the units a digit excites and the 2-D separation are what gradlab computes. */
import { expect, it } from "vitest";
import { noGrad } from "../../../src/index.js";
import { nearestCentroidAccuracy, pca2 } from "../../../lab/src/lib/pca.js";
import { demo, download, finish, phoneShot, waitState } from "../context.js";
import { metricText } from "../harness.js";
import { accuracyOf, linear, mnistTest, predictions, testPixels } from "../mnist_node.js";

export function representationTests(): void {
  it("representation: top units for a digit, probe accuracy and the 2-D separation match gradlab in Node", async () => {
    const p = await demo("representation", "hidden=64&steps=100&digit=3&layer=2");
    await p.page.click('[data-action="train"]');
    await waitState(p.page, '[data-demo="representation"] > [data-state]', "done", 240_000);
    const sd = await download(p.page);
    const x = testPixels(0, 1000);
    const { h1, h2, pred } = noGrad(() => {
      const a1 = linear(sd, "0", x).relu(),
        a2 = linear(sd, "2", a1).relu();
      return { h1: a1.dataSync(), h2: a2.dataSync(), pred: predictions(linear(sd, "4", a2)) };
    });
    expect(await metricText(p.page, "probe-acc")).toBe(`${(100 * accuracyOf(pred)).toFixed(1)}%`);
    // the units digit 3 excites most: mean first-layer activation over the probe's 3s
    const { y } = mnistTest();
    const means = new Float64Array(64);
    let threes = 0;
    for (let i = 0; i < 1000; i++)
      if (y[i] === 3) {
        threes++;
        for (let u = 0; u < 64; u++) means[u] += h1[i * 64 + u];
      }
    const ranked = Array.from(means, (m, u) => ({ u, m: m / threes }))
      .sort((a, b) => b.m - a.m)
      .slice(0, 8);
    const shown = (await metricText(p.page, "top-units")).split(", ").map((t) => Number(t.split(" ")[0]));
    expect(shown.slice(0, 3)).toEqual(ranked.slice(0, 3).map((r) => r.u));
    const labels = Uint8Array.from(y.subarray(0, 1000));
    const separation = nearestCentroidAccuracy(pca2(h2, 1000, 64).points, labels, 10);
    const pageSep = Number(await p.page.locator('[data-metric="separation"]').getAttribute("data-value"));
    expect(Math.abs(pageSep - separation)).toBeLessThan(0.03);
    const pixelSep = Number(await p.page.locator('[data-metric="pixel-separation"]').getAttribute("data-value"));
    expect(pageSep).toBeGreaterThan(pixelSep);
    // scrubbing back to step 0 shows the untrained picture
    await p.page.locator('[data-control="snapshot"]').fill("0");
    expect(await metricText(p.page, "shot-step")).toBe("0");
    await finish(p, "representation");
    await phoneShot("representation");
  }, 300_000);
}
