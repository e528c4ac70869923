/** Honest splits: the random split leaks patients and inflates accuracy; the group split doesn't. */
import { expect, it } from "vitest";
import { data } from "../../../src/index.js";
import { demo, download, f32, finish, phoneShot, waitState } from "../context.js";
import { metricNum, metricText } from "../harness.js";

export function splitsTests(): void {
  it("splits: a random split leaks patients (gradlab counts) and inflates accuracy; a group split not", async () => {
    const p = await demo("splits", "patients=40&per=20&signal=1.5&seed=0&model=1nn");
    const ready = () => waitState(p.page, '[data-demo="splits"] > [data-state]', "ready");
    await ready();
    const rand = await metricNum(p.page, "acc-random"),
      group = await metricNum(p.page, "acc-group");
    expect(rand).toBeGreaterThan(group + 0.15);
    const ds = data.patientsDataset({ patients: 40, perPatient: 20, signature: 2, signal: 1.5, seed: 0 });
    const [a, b] = data.randomSplitIndices(ds.n, [0.8, 0.2], 0);
    expect(await metricNum(p.page, "leak-random")).toBe(data.splitLeakage(ds.groups, { train: a, val: b }));
    expect(await metricNum(p.page, "leak-group")).toBe(0);
    await p.page.selectOption('[data-control="model"]', "logreg");
    await ready();
    expect(await metricNum(p.page, "leak-group")).toBe(0);
    await p.page.selectOption('[data-control="export-split"]', "random");
    const sd = await download(p.page);
    const w = f32(sd, "weight");
    expect(w.shape).toEqual([2, ds.d]);
    expect(f32(sd, "bias").shape).toEqual([2]);
    const code = await metricText(p.page, "pytorch-code");
    expect(code).toContain(`nn.Linear(${ds.d}, 2)`);
    expect(code).toContain("random_split");
    await finish(p, "splits");
    await phoneShot("splits", "", "phone-splits", (page) =>
      waitState(page, '[data-demo="splits"] > [data-state]', "ready"),
    );
  }, 90_000);
}
