/** Vanishing gradients: the per-layer norms come from a worker and agree with gradlab in Node. */
import { expect, it } from "vitest";
import { F, manualSeed, nn, randint, randn, type Tensor } from "../../../src/index.js";
import { demo, finish, phoneShot, waitState } from "../context.js";
import { metricNum } from "../harness.js";

/** The page's network, rebuilt here: depth × (Linear → act [+ residual]) then Linear(width, 10). */
function gradNorms(depth: number, width: number, act: "sigmoid" | "relu", residual: boolean): number[] {
  manualSeed(0);
  const layers = Array.from({ length: depth }, () => new nn.Linear(width, width));
  const head = new nn.Linear(width, 10);
  let x: Tensor = randn([128, width]);
  const y = randint(0, 10, [128]);
  for (const l of layers) {
    const h = act === "sigmoid" ? l(x).sigmoid() : l(x).relu();
    x = residual ? x.add(h) : h;
  }
  F.crossEntropy(head(x), y).backward();
  return layers.map((l) => Math.hypot(...l.weight.grad!.dataSync()));
}

export function gradientsTests(): void {
  it("vanishing-gradients: sigmoid at depth 20 vanishes (gradlab agrees); He + ReLU, residuals don't", async () => {
    const p = await demo("vanishing-gradients", "depth=20&act=sigmoid&init=default");
    const ready = () => waitState(p.page, '[data-demo="vanishing-gradients"] > [data-state]', "ready");
    await ready();
    const want = gradNorms(20, 64, "sigmoid", false);
    expect((await metricNum(p.page, "grad-first")) / want[0]).toBeCloseTo(1, 2);
    expect((await metricNum(p.page, "ratio")) / (want[0] / want[19])).toBeCloseTo(1, 2);
    const sig = await metricNum(p.page, "ratio");
    expect(sig).toBeLessThan(1e-3);
    await p.page.selectOption('[data-control="act"]', "relu");
    await p.page.selectOption('[data-control="init"]', "kaiming");
    await ready();
    const he = await metricNum(p.page, "ratio");
    expect(he).toBeGreaterThan(0.05);
    expect(he).toBeLessThan(50);
    await p.page.selectOption('[data-control="act"]', "sigmoid");
    await p.page.selectOption('[data-control="init"]', "default");
    await p.page.click('[data-control="res"]');
    await ready();
    const res = await metricNum(p.page, "ratio");
    const wantRes = gradNorms(20, 64, "sigmoid", true);
    expect(res / (wantRes[0] / wantRes[19])).toBeCloseTo(1, 2);
    expect(res).toBeGreaterThan(100 * sig);
    await p.page.click('[data-control="res"]');
    await ready();
    await p.page.locator('[data-control="depth"]').fill("30");
    await ready();
    expect(await metricNum(p.page, "ratio")).toBeLessThan(sig);
    await finish(p, "vanishing-gradients");
    await phoneShot("vanishing-gradients", "", "phone-vanishing-gradients", (page) =>
      waitState(page, '[data-demo="vanishing-gradients"] > [data-state]', "ready"),
    );
  }, 90_000);
}
