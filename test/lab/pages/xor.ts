/** XOR: the lines name their wrong points, the hand-picked net is gradlab's, a stuck run is explained. */
import { expect, it } from "vitest";
import { nn, noGrad, tensor } from "../../../src/index.js";
import { demo, download, f32, finish, phoneShot, waitText } from "../context.js";
import { metricText, shot } from "../harness.js";

const XS = [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ],
  YS = [0, 1, 1, 0];

/** The XOR points a rule `w·x + b > 0 → 1` gets wrong, as the page writes them. */
function wrongOf(w1: number, w2: number, b: number): string[] {
  return XS.filter(([a, c], i) => (w1 * a + w2 * c + b > 0 ? 1 : 0) !== YS[i]).map(([a, c]) => `(${a},${c})`);
}

export function xorTests(): void {
  it("xor: each straight line's caption names exactly the points it gets wrong (AND misses three)", async () => {
    const p = await demo("xor");
    const or = wrongOf(1, 1, -0.5),
      and = wrongOf(1, 1, -1.5);
    expect(and).toEqual(["(0,1)", "(1,0)", "(1,1)"]);
    expect(await metricText(p.page, "linear-1-acc")).toBe(`${4 - or.length}/4`);
    expect(await metricText(p.page, "linear-2-acc")).toBe(`${4 - and.length}/4`);
    expect(await metricText(p.page, "linear-1-caption")).toBe(`Gets ${or[0]} wrong.`);
    expect(await metricText(p.page, "linear-2-caption")).toBe("Gets (0,1), (1,0) and (1,1) wrong.");
    expect(parseInt(await metricText(p.page, "linear-3-acc"))).toBeLessThanOrEqual(3);
    await p.page.close();
  });

  it("xor: the hand-picked table is gradlab's forward pass row by row; the diagram draws its weights", async () => {
    const p = await demo("xor");
    const l1 = new nn.Linear(2, 2),
      l2 = new nn.Linear(2, 1);
    noGrad(() => {
      l1.weight.dataSync().set([1, 1, 1, 1]);
      l1.bias!.dataSync().set([0, -1]);
      l2.weight.dataSync().set([1, -2]);
      l2.bias!.dataSync().set([0]);
    });
    const X = tensor(XS);
    const pre = noGrad(() => l1(X)).dataSync(),
      hid = noGrad(() => l1(X).relu()).dataSync(),
      out = noGrad(() => l2(l1(X).relu())).dataSync();
    const pair = (a: ArrayLike<number>, i: number) => `(${a[2 * i]}, ${a[2 * i + 1]})`;
    for (let i = 0; i < 4; i++) {
      expect(await metricText(p.page, `hand-pre-${i}`)).toBe(pair(pre, i));
      expect(await metricText(p.page, `hand-h-${i}`)).toBe(pair(hid, i));
      expect(Number(await metricText(p.page, `hand-y-${i}`))).toBe(out[i]);
    }
    expect(Array.from(out)).toEqual(YS);
    expect(await metricText(p.page, "hand-acc")).toBe("4/4");
    const ws = await p.page
      .locator('[data-diagram="hand"] line.weight')
      .evaluateAll((ls) => ls.map((l) => Number((l as SVGLineElement).dataset.w)));
    expect(ws).toEqual([1, 1, 1, 1, 1, -2]);
    await p.page.close();
  });

  it("xor: the default seed solves it; seed 0 sticks at ln 2, dead units counted as gradlab counts them", async () => {
    const p = await demo("xor");
    expect(await waitText(p.page, "diagnosis", (t) => t.startsWith("Solved"), 60_000)).toContain(
      "all four points right",
    );
    await finish(p, "xor");

    const q = await demo("xor", "hidden=2&seed=0");
    const said = await waitText(q.page, "diagnosis", (t) => !t.startsWith("Training"), 60_000);
    expect(said).toContain("ln 2 = 0.6931");
    // Count with gradlab: a unit is dead when W₁x + b₁ ≤ 0 on all four points.
    const sd = await download(q.page);
    const W = f32(sd, "0.weight").data,
      b = f32(sd, "0.bias").data;
    const dead = [0, 1].filter((u) => XS.every(([a, c]) => W[2 * u] * a + W[2 * u + 1] * c + b[u] <= 0)).length;
    expect(dead).toBeGreaterThan(0);
    expect(await metricText(q.page, "dead-units")).toBe(`${dead} of 2`);
    expect(said).toContain(`${dead} of the 2 hidden ReLU units`);
    expect(await q.page.locator('[data-action="reseed"]').isVisible()).toBe(true);
    await q.page.waitForTimeout(300);
    await shot(q.page, "xor-stuck");
    // "Try another seed" until one solves it: each press is a new seed in the link and a fresh run.
    let solved = false;
    for (let i = 0; i < 10 && !solved; i++) {
      const before = new URL(q.page.url().replace("#/", "")).searchParams.get("seed");
      await q.page.click('[data-action="reseed"]');
      const t = await waitText(q.page, "diagnosis", (s) => !s.startsWith("Training"), 60_000);
      expect(new URL(q.page.url().replace("#/", "")).searchParams.get("seed")).not.toBe(before);
      solved = t.startsWith("Solved");
    }
    expect(solved).toBe(true);
    expect(await q.page.locator('[data-action="reseed"]').isVisible()).toBe(false);
    expect(q.errors).toEqual([]);
    await q.page.close();
    await phoneShot("xor", "", "phone-xor", async (page) => {
      await waitText(page, "diagnosis", (t) => t.startsWith("Solved"), 60_000);
    });
  }, 180_000);
}
