/** The pages that compute on the spot: one neuron, linear collapse, softmax, backprop by hand. */
import { expect, it } from "vitest";
import { F, manualSeed, nn, noGrad, tensor } from "../../../src/index.js";
import { demo, finish, phoneShot } from "../context.js";
import { metricNum, metricText } from "../harness.js";

export function basicsTests(): void {
  it("neuron: z and σ(z) follow the weights, the diagram their signs; the keyboard moves a slider", async () => {
    const p = await demo("neuron", "w1=1&w2=-2&b=-1&x1=1&x2=1");
    expect(await metricNum(p.page, "z")).toBeCloseTo(-2, 5);
    expect(await metricNum(p.page, "a")).toBeCloseTo(1 / (1 + Math.exp(2)), 4);
    const ws = await p.page
      .locator(".netdiagram line.weight")
      .evaluateAll((ls) => ls.map((l) => Number((l as SVGLineElement).dataset.w)));
    expect(ws).toEqual([1, -2]);
    const widths = await p.page
      .locator(".netdiagram line.weight")
      .evaluateAll((ls) => ls.map((l) => parseFloat((l as SVGLineElement).style.strokeWidth)));
    expect(widths[1]).toBeGreaterThan(widths[0]); // |−2| > |1|
    await p.page.focus('[data-control="w1"]');
    await p.page.keyboard.press("ArrowRight");
    await p.page.keyboard.press("ArrowRight");
    expect(await metricNum(p.page, "z")).toBeCloseTo(-1.9, 4);
    expect(p.page.url()).toContain("w1=1.1");
    await p.page.click('[data-action="show-code"]');
    expect(await metricText(p.page, "pytorch-code")).toContain("nn.Linear(2, 1)");
    await finish(p, "neuron");
    await phoneShot("neuron");
  });

  it("linear-collapse: without ReLU two layers are one, W₂W₁ as gradlab computes it; ReLU bends", async () => {
    const p = await demo("linear-collapse", "hidden=6&seed=1&relu=0");
    expect(await metricNum(p.page, "max-diff")).toBeLessThan(1e-4);
    expect(await metricText(p.page, "boundary")).toBe("a straight line");
    manualSeed(1);
    const l1 = new nn.Linear(2, 6),
      l2 = new nn.Linear(6, 1);
    const W = noGrad(() => l2.weight.matmul(l1.weight)).dataSync();
    const cells = await p.page.locator('[data-metric="equiv-W"] td').allTextContents();
    expect(cells.map(Number)[0]).toBeCloseTo(W[0], 3);
    expect(cells.map(Number)[1]).toBeCloseTo(W[1], 3);
    await p.page.click('[data-control="relu"]');
    expect(await metricNum(p.page, "max-diff")).toBeGreaterThan(1e-2);
    expect(await metricText(p.page, "boundary")).toContain("bent");
    await finish(p, "linear-collapse");
    await phoneShot("linear-collapse");
  });

  it("softmax-temperature: probabilities, entropy and cross-entropy match gradlab", async () => {
    const p = await demo("softmax-temperature", "z=2,1,0.1&T=2&y=0");
    const check = async (z: number[], T: number, y: number) => {
      const want = F.softmax(tensor([z]), -1, { temperature: T }).dataSync();
      for (let i = 0; i < z.length; i++) expect(await metricNum(p.page, `prob-${i}`)).toBeCloseTo(want[i], 4);
      const H = -Array.from(want).reduce((s, v) => s + v * Math.log(v), 0);
      expect(await metricNum(p.page, "entropy")).toBeCloseTo(H, 3);
      expect(await metricNum(p.page, "cross-entropy")).toBeCloseTo(-Math.log(want[y]), 3);
    };
    await check([2, 1, 0.1], 2, 0);
    await p.page.locator('[data-control="T"]').fill("0.5");
    await check([2, 1, 0.1], 0.5, 0);
    await p.page.click('[data-action="preset-confident-wrong"]');
    await check([8, 0.5, -1], 1, 1);
    expect(await metricNum(p.page, "cross-entropy")).toBeGreaterThan(5);
    await p.page.click('[data-action="preset-calibrated"]');
    expect(await metricNum(p.page, "cross-entropy")).toBeLessThan(0.8);
    await finish(p, "softmax-temperature");
    await phoneShot("softmax-temperature");
  });

  it("backprop-by-hand: every gradient matches the chain rule and autograd; the update lowers the loss", async () => {
    const p = await demo("backprop-by-hand", "x1=1&x2=2&y=1&w1=0.5&w2=-0.3&b1=0.1&w3=0.8&b2=-0.2&lr=0.5");
    const s = (z: number) => 1 / (1 + Math.exp(-z));
    const z1 = 0.5 * 1 - 0.3 * 2 + 0.1,
      hh = s(z1),
      z2 = 0.8 * hh - 0.2,
      yh = s(z2);
    const dz2 = (yh - 1) * yh * (1 - yh),
      dz1 = dz2 * 0.8 * hh * (1 - hh);
    expect(await metricNum(p.page, "yhat")).toBeCloseTo(yh, 4);
    expect(await metricNum(p.page, "loss")).toBeCloseTo(0.5 * (yh - 1) ** 2, 4);
    expect(await metricNum(p.page, "grad-w3")).toBeCloseTo(dz2 * hh, 4);
    expect(await metricNum(p.page, "grad-w1")).toBeCloseTo(dz1 * 1, 4);
    expect(await metricNum(p.page, "autograd-diff")).toBeLessThan(1e-5);
    for (let i = 0; i < 12; i++) await p.page.click('[data-action="next"]');
    expect(await metricText(p.page, "step")).toBe("12 / 12");
    const L0 = await metricNum(p.page, "loss"),
      after = await metricNum(p.page, "loss-after");
    expect(after).toBeLessThan(L0);
    await p.page.click('[data-action="apply-update"]');
    expect(await metricNum(p.page, "loss")).toBeCloseTo(after, 4);
    // the updated weights went into the link with enough digits to reproduce the page
    const reloaded = await demo("backprop-by-hand", p.page.url().split("?")[1]);
    expect(await metricNum(reloaded.page, "loss")).toBeCloseTo(after, 5);
    expect(await reloaded.page.locator("[data-url-note]").textContent()).toBe("");
    await reloaded.page.close();
    await p.page.click('[data-action="show-all"]');
    await finish(p, "backprop-by-hand");
    await phoneShot("backprop-by-hand");
  });
}
