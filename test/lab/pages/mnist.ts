/** MNIST: trains in the browser, scores what gradlab scores in Node, and the same link trains the same network. */
import { expect, it } from "vitest";
import { noGrad } from "../../../src/index.js";
import { demo, download, finish, phoneShot, type Opened } from "../context.js";
import { metricNum, metricText, shot } from "../harness.js";
import { accuracyOf, linear, predictions, testPixels } from "../mnist_node.js";

async function trainToEnd(p: Opened, timeoutMs = 170_000): Promise<number> {
  await p.page.click('[data-action="train"]');
  const t0 = Date.now();
  while ((await metricText(p.page, "test-acc")) === "–" && Date.now() - t0 < timeoutMs)
    await p.page.waitForTimeout(500);
  return metricNum(p.page, "test-acc");
}

export function mnistTests(): void {
  it("mnist: the lecture's MLP reaches ≥ 90% in 400 steps (gradlab agrees); a drawing gets a softmax", async () => {
    const p = await demo("mnist", "steps=400&batch=64&lr=0.001");
    const acc = await trainToEnd(p);
    expect(acc).toBeGreaterThanOrEqual(0.9);
    const sd = await download(p.page);
    const pred = noGrad(() =>
      predictions(linear(sd, "4", linear(sd, "2", linear(sd, "0", testPixels(0, 10000)).relu()).relu())),
    );
    expect(accuracyOf(pred)).toBeCloseTo(acc, 3);
    expect(await p.page.locator('[data-gallery="predictions"] figure').count()).toBe(24);
    // draw a "7"
    await p.page.locator('[data-plot="draw"]').scrollIntoViewIfNeeded();
    const box = (await p.page.locator('[data-plot="draw"]').boundingBox())!;
    await p.page.mouse.move(box.x + 50, box.y + 50);
    await p.page.mouse.down();
    await p.page.mouse.move(box.x + 170, box.y + 50, { steps: 10 });
    await p.page.mouse.move(box.x + 100, box.y + 190, { steps: 12 });
    await p.page.mouse.up();
    await p.page.locator('[data-metric="draw-prob-0"]').waitFor({ timeout: 10_000 });
    const probs = await Promise.all(Array.from({ length: 10 }, (_, i) => metricNum(p.page, `draw-prob-${i}`)));
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    // keyboard only: pick a test image in the select, Tab to the button, Enter loads it into the pad
    await p.page.click('[data-action="clear-canvas"]');
    expect(await metricText(p.page, "draw-pred")).toBe("–");
    await p.page.focus('[data-control="test-digit"]');
    await p.page.keyboard.press("ArrowDown");
    const idx = await p.page.locator('[data-control="test-digit"]').inputValue();
    await p.page.keyboard.press("Tab");
    expect(await p.page.evaluate(() => document.activeElement?.getAttribute("data-action"))).toBe("load-test-digit");
    await p.page.keyboard.press("Enter");
    const src = await metricText(p.page, "pad-source");
    expect(src).toContain(`#${idx} (label `);
    const label = src.match(/label (\d)/)![1];
    for (let i = 0; i < 40 && (await metricText(p.page, "draw-pred")) === "–"; i++) await p.page.waitForTimeout(250);
    expect((await metricText(p.page, "draw-pred")).split(" ")[0]).toBe(label);
    await shot(p.page, "mnist-keyboard-digit");
    await p.page.keyboard.press("Shift+Tab");
    await p.page.keyboard.press("ArrowDown");
    const idx2 = await p.page.locator('[data-control="test-digit"]').inputValue();
    await p.page.keyboard.press("Tab");
    await p.page.keyboard.press("Space");
    expect(await metricText(p.page, "pad-source")).toContain(`#${idx2} (label `);
    await finish(p, "mnist");
    await phoneShot("mnist");
  }, 240_000);

  it("mnist: the same link gives the same accuracy on reload; another seed gives another run", async () => {
    const run = async (q: string) => {
      const p = await demo("mnist", q);
      const acc = await trainToEnd(p);
      const w = (await download(p.page)).get("4.weight")!.data as Float32Array;
      await p.page.close();
      return { acc, weights: Array.from(w.subarray(0, 50)) };
    };
    const first = await run("steps=100&batch=32&seed=3"),
      again = await run("steps=100&batch=32&seed=3");
    expect(again.acc).toBe(first.acc);
    expect(again.weights).toEqual(first.weights);
    const other = await run("steps=100&batch=32&seed=4");
    expect(other.weights).not.toEqual(first.weights);
  }, 300_000);
}
