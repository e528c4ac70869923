/** The opening question: three contenders trained side by side; every number is what gradlab computes in Node. */
import { expect, it } from "vitest";
import { nn, noGrad, tensor } from "../../../src/index.js";
import { buildMlp } from "../../../src/nn/mlp.js";
import { hogBatch, HOG_FEATURES } from "../../../lab/src/lib/hog.js";
import { demo, download, finish, phoneShot } from "../context.js";
import { lenetFrom } from "./convolution.js";
import { metricText } from "../harness.js";
import { accuracyOf, linear, mnistTest, predictions, testPixels } from "../mnist_node.js";

const params = (m: nn.Module) => m.parameters().reduce((s, p) => s + p.dataSync().length, 0);

/** The most frequent (true, predicted) confusions, ties broken as the page breaks them. */
function topConfusion(pred: Int32Array): { label: number; pred: number; n: number } {
  const { y } = mnistTest();
  const c = new Array<number>(100).fill(0);
  pred.forEach((p, i) => {
    c[y[i] * 10 + p]++;
  });
  let best = { label: -1, pred: -1, n: 0 };
  for (let t = 0; t < 10; t++)
    for (let p = 0; p < 10; p++) if (t !== p && c[t * 10 + p] > best.n) best = { label: t, pred: p, n: c[t * 10 + p] };
  return best;
}

export function openingTests(): void {
  it("opening-question: parameters, accuracies, confusions and unique mistakes match gradlab in Node", async () => {
    const p = await demo("opening-question", "steps=50&batch=32&seed=1");
    await p.page.selectOption('[data-control="pick"]', "hog");
    await p.page.click('[data-action="train"]');
    const summary = await (async () => {
      for (let i = 0; i < 720; i++) {
        const t = await metricText(p.page, "summary");
        if (t.startsWith("After")) return t;
        await p.page.waitForTimeout(250);
      }
      throw new Error("the comparison never finished");
    })();
    expect(summary).toContain("You picked (b)");
    expect(await metricText(p.page, "params-logreg")).toBe(params(new nn.Linear(784, 10)).toLocaleString("en-US"));
    expect(await metricText(p.page, "params-hog")).toBe(
      params(new nn.Linear(HOG_FEATURES, 10)).toLocaleString("en-US"),
    );
    expect(await metricText(p.page, "params-mlp")).toBe(
      params(buildMlp({ inputs: 784, hidden: [256, 256], outputs: 10 })).toLocaleString("en-US"),
    );
    const lenetParams = 6 * 25 + 6 + 16 * 6 * 25 + 16 + 400 * 120 + 120 + 120 * 84 + 84 + 84 * 10 + 10;
    expect(await metricText(p.page, "params-lenet")).toBe(lenetParams.toLocaleString("en-US"));
    const x = testPixels(0, 10000);
    const hog = tensor(
      hogBatch(
        mnistTest().x,
        Int32Array.from({ length: 10000 }, (_, i) => i),
      ),
      { shape: [10000, HOG_FEATURES] },
    );
    const preds: Record<string, Int32Array> = {};
    for (const id of ["logreg", "hog", "mlp", "lenet"]) {
      const sd = await download(p.page, `[data-contender="${id}"] [data-action="download"]`);
      preds[id] = noGrad(() =>
        predictions(
          id === "lenet"
            ? lenetFrom(sd)(x.view(-1, 1, 28, 28))
            : id === "mlp"
              ? linear(sd, "4", linear(sd, "2", linear(sd, "0", x).relu()).relu())
              : linear(sd, "0", id === "hog" ? hog : x),
        ),
      );
      const shown = Number(await p.page.locator(`[data-metric="acc-${id}"]`).getAttribute("data-value"));
      expect(shown, `${id} accuracy`).toBeCloseTo(accuracyOf(preds[id]), 3);
    }
    for (const id of ["logreg", "hog", "mlp", "lenet"]) {
      const top = topConfusion(preds[id]);
      const first = await p.page.locator(`[data-metric="confusions-${id}"] li`).first().textContent();
      // Browser and Node round differently in a few borderline images: the pair is the same, the count close.
      expect(first).toContain(`${top.label} read as ${top.pred}:`);
      expect(Math.abs(parseInt(first!.split(": ")[1]) - top.n)).toBeLessThanOrEqual(3);
      const { y } = mnistTest();
      const others = Object.keys(preds).filter((k) => k !== id);
      let only = 0;
      preds[id].forEach((q, i) => {
        if (q !== y[i] && others.every((k) => preds[k][i] === y[i])) only++;
      });
      const said = Number(
        /no other model makes: ([\d,]+)/.exec(await metricText(p.page, `only-${id}`))![1].replace(/,/g, ""),
      );
      expect(Math.abs(said - only), `${id}: mistakes only it makes`).toBeLessThanOrEqual(3);
    }
    expect(await p.page.locator("[data-contender] .gallery figure").count()).toBe(48);
    await finish(p, "opening-question");
    await phoneShot("opening-question");
  }, 300_000);
}
