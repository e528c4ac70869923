/** Spirals: live training, clicked points, the legend lists exactly the classes in play, the export. */
import { expect, it } from "vitest";
import { demo, download, finish, phoneShot } from "../context.js";
import { metricNum, metricText, waitMetric } from "../harness.js";

export function spiralsTests(): void {
  it("spirals: trains to ≥ 95% train accuracy, takes clicked points, exports safetensors", async () => {
    const p = await demo("spirals", "data=spirals&depth=3&width=32&act=relu&opt=adam&lr=0.01&batch=32");
    expect(await p.page.locator('[data-metric="legend"] [data-class]').count()).toBe(2);
    expect(await p.page.locator('[data-control="click-class"] option').count()).toBe(2);
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
    // the diagram draws 2 inputs → 8 shown units (of 32) → … → 2 outputs
    expect(await p.page.locator(".net svg text.label").allTextContents()).toEqual(expect.arrayContaining(["+24"]));
    const sd = await download(p.page);
    expect([...sd.keys()]).toEqual(expect.arrayContaining(["0.weight", "0.bias", "6.weight", "6.bias"]));
    expect(sd.get("0.weight")!.shape).toEqual([32, 2]);
    expect(await metricText(p.page, "pytorch-code")).toContain("nn.Linear(32, 2)");
    await finish(p, "spirals");
  }, 150_000);

  it("spirals: a 3-class softmax head with BatchNorm + Dropout trains; the legend lists 3 classes", async () => {
    const p = await demo("spirals", "data=spirals&classes=3&depth=3&width=32&bn=1&dropout=0.1&bottleneck=1&lr=0.02");
    expect(await p.page.locator('[data-metric="legend"] [data-class]').count()).toBe(3);
    await p.page.click('[data-action="train"]');
    await waitMetric(p.page, "train-acc", (v) => v >= 0.8, 90_000);
    expect(await metricText(p.page, "hidden-view")).toContain("2 units");
    await p.page.selectOption('[data-control="data"]', "moons");
    expect(await p.page.locator('[data-metric="legend"] [data-class]').count()).toBe(2);
    await finish(p, "spirals-3class");
    await phoneShot("spirals");
  }, 150_000);

  it("spirals: links made before the builder was shared (init=he, act=leakyrelu) still work, renamed", async () => {
    const p = await demo("spirals", "init=he&act=leakyrelu");
    expect(await p.page.locator('[data-control="init"]').inputValue()).toBe("kaiming");
    expect(await p.page.locator('[data-control="act"]').inputValue()).toBe("leaky_relu");
    expect(await p.page.locator("[data-url-note]").textContent()).toContain("init = he is now called kaiming");
    expect(p.page.url()).toContain("init=kaiming");
    await p.page.close();
  });
}
