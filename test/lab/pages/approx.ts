/** Universal approximation: the fit's and the race's losses are what gradlab computes from the downloaded weights. */
import { expect, it } from "vitest";
import { F, nn, noGrad, tensor } from "../../../src/index.js";
import { gridX, sawtooth, targetValues } from "../../../lab/src/lib/targets.js";
import { demo, download, f32, finish, phoneShot, waitState } from "../context.js";
import { metricNum, metricText } from "../harness.js";
import type { NamedArray } from "../../../src/io/named_array.js";

/** The downloaded 1-input MLP's mean squared error on (xs, ys). */
function mseOf(sd: Map<string, NamedArray>, xs: Float32Array, ys: Float32Array): number {
  const linears = [...sd.keys()]
    .filter((k) => k.endsWith(".weight"))
    .map((k) => k.split(".")[0])
    .sort((a, b) => +a - +b);
  let x = tensor(xs, { shape: [xs.length, 1] });
  linears.forEach((k, i) => {
    const w = f32(sd, `${k}.weight`),
      b = f32(sd, `${k}.bias`);
    x = x.matmul(tensor(w.data, { shape: w.shape }).t()).add(tensor(b.data, { shape: b.shape }));
    if (i < linears.length - 1) x = x.relu();
  });
  return noGrad(() => F.mseLoss(x, tensor(ys, { shape: [ys.length, 1] })).item());
}

export function approxTests(): void {
  it("universal-approximation: fit = sum of pieces, losses as gradlab computes; the race budgets add up", async () => {
    const p = await demo("universal-approximation", "target=abs&units=6&steps=400&layers=3&raceSteps=200");
    await waitState(p.page, '[data-part="fit"]', "done", 120_000);
    await waitState(p.page, '[data-part="race"]', "done", 120_000);
    expect(await metricNum(p.page, "sum-check")).toBeLessThan(1e-4);
    const count = (m: nn.Module) => m.parameters().reduce((s, q) => s + q.dataSync().length, 0);
    expect(await metricNum(p.page, "fit-params")).toBe(
      count(new nn.Sequential(new nn.Linear(1, 6), new nn.Linear(6, 1))),
    );
    const fitSd = await download(p.page, '[data-part="fit"] [data-action="download"]');
    const fitLoss = mseOf(fitSd, gridX(200), targetValues("abs"));
    expect((await metricNum(p.page, "fit-loss")) / fitLoss).toBeCloseTo(1, 2);
    // the race: 3 layers of 2 units = 19 parameters; one layer of 6 units has the same 19
    expect(await metricNum(p.page, "deep-params")).toBe(
      count(new nn.Sequential(new nn.Linear(1, 2), new nn.Linear(2, 2), new nn.Linear(2, 2), new nn.Linear(2, 1))),
    );
    expect(await metricText(p.page, "wide-params")).toBe(
      `6 units, ${count(new nn.Sequential(new nn.Linear(1, 6), new nn.Linear(6, 1)))} parameters`,
    );
    expect(await metricNum(p.page, "teeth")).toBe(4);
    expect(await metricNum(p.page, "hand-loss")).toBe(0);
    const xs = gridX(256, 0, 1),
      ys = xs.map((v) => sawtooth(v, 3));
    const deepSd = await download(p.page, '[data-part="race"] [data-action="download"]');
    expect((await metricNum(p.page, "deep-loss")) / mseOf(deepSd, xs, ys)).toBeCloseTo(1, 2);
    expect(await metricText(p.page, "race-summary")).toContain("One layer would need 7 units");
    await finish(p, "universal-approximation");

    // drawing on the plot makes the target "your drawing", kept in the link
    const q = await demo("universal-approximation", "units=4&steps=100&raceSteps=200&layers=2");
    const box = (await q.page.locator('[data-plot="fit"]').boundingBox())!;
    await q.page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
    await q.page.mouse.down();
    await q.page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.8, { steps: 12 });
    await q.page.mouse.up();
    expect(await q.page.locator('[data-control="target"]').inputValue()).toBe("drawn");
    await waitState(q.page, '[data-part="fit"]', "done", 120_000);
    expect(decodeURIComponent(q.page.url())).toMatch(/drawn=(-?[\d.]+,){23}-?[\d.]+/);
    await finish(q, "universal-approximation-drawn");
    await phoneShot("universal-approximation", "units=8&steps=300&raceSteps=200");
  }, 300_000);
}
