/** The tools that make depth trainable: the starting gradient flow is what gradlab computes for each combination. */
import { expect, it } from "vitest";
import { data, F, manualSeed, nn, tensor, type Tensor } from "../../../src/index.js";
import { demo, finish, phoneShot, waitState } from "../context.js";
import { metricNum, metricText } from "../harness.js";

/** The page's network for one combination, rebuilt here, and ‖∂L/∂W‖ of each hidden layer on all 400 points. */
function normsAtStart(depth: number, width: number, seed: number, kaiming: boolean, norm: boolean): number[] {
  manualSeed(seed);
  const init = (l: nn.Linear) => {
    if (kaiming) {
      nn.init.kaimingNormal_(l.weight, { nonlinearity: "relu", a: 0.01 });
      nn.init.zeros_(l.bias!);
    }
    return l;
  };
  const stem = init(new nn.Linear(2, width));
  const layers = Array.from({ length: depth }, () => init(new nn.Linear(width, width)));
  const norms = norm ? Array.from({ length: depth }, () => new nn.BatchNorm1d(width)) : [];
  const head = new nn.Linear(width, 2);
  const ds = data.spirals({ n: 400, noise: 0.04, seed });
  let x: Tensor = stem(tensor(ds.x, { shape: [ds.n, 2] })).relu();
  layers.forEach((l, i) => {
    let h = l(x);
    if (norm) h = norms[i](h);
    x = h.relu();
  });
  F.crossEntropy(head(x), tensor(ds.y)).backward();
  return layers.map((l) => Math.hypot(...l.weight.grad!.dataSync()));
}

export function depthTests(): void {
  it("depth-tools: default init starves layer 1, He init and BatchNorm do not (gradlab agrees)", async () => {
    const q = "depth=20&width=16&steps=50&batch=32&lr=0.05&opt=sgd&seed=0&v=plain,kaiming,norm";
    const p = await demo("depth-tools", q);
    await p.page.click('[data-action="train"]');
    await waitState(p.page, ".variants", "done", 240_000);
    for (const [id, kaiming, norm] of [
      ["plain", false, false],
      ["kaiming", true, false],
      ["norm", false, true],
    ] as const) {
      const want = normsAtStart(20, 16, 0, kaiming, norm);
      const ratio = await metricNum(p.page, `ratio-${id}`);
      expect(ratio / (want[0] / want[19]), id).toBeCloseTo(1, 1);
      expect(await metricText(p.page, `status-${id}`)).toMatch(/^(Trains|Stuck|Diverged)/);
    }
    expect(await metricNum(p.page, "ratio-plain")).toBeLessThan(1e-3);
    const he = await metricNum(p.page, "ratio-kaiming");
    expect(he).toBeGreaterThan(0.1);
    expect(he).toBeLessThan(10);
    expect(await p.page.locator("[data-variant]").count()).toBe(3);
    await finish(p, "depth-tools");
    await phoneShot("depth-tools");
  }, 300_000);
}
