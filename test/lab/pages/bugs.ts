/** Training bugs: each bug shows its symptom; "(correct)" readouts belong to the correct code. */
import { expect, it } from "vitest";
import { demo, download, f32, finish, phoneShot } from "../context.js";
import { metricNum, metricText } from "../harness.js";

export function bugsTests(): void {
  it("training-bugs: each bug shows its symptom; the shape panel's error belongs to the buggy code only", async () => {
    const p = await demo("training-bugs");
    const state = (id: string) => p.page.locator(`[data-bug="${id}"]`).getAttribute("data-state");
    const waitState = async (id: string, s: string) => {
      for (let i = 0; i < 400 && (await state(id)) !== s; i++) await p.page.waitForTimeout(250);
      expect(await state(id)).toBe(s);
    };
    for (const id of ["softmax-ce", "zero-grad", "eval-mode", "shape", "leak"]) {
      await waitState(id, "clean");
      // with the correct code only, "(as configured)" repeats "(correct)"
      if (id === "shape") {
        expect(await metricText(p.page, "shape-error-clean")).toBe("no error: the shapes match");
        expect(await metricText(p.page, "shape-error")).toBe("no error: the shapes match");
      }
      await p.page.click(`[data-control="bug-${id}"]`);
      await waitState(id, "buggy");
    }
    expect(await metricNum(p.page, "softmax-ce-smooth-clean")).toBeLessThan(1.0);
    expect(await metricNum(p.page, "softmax-ce-smooth")).toBeGreaterThan(1.9);
    expect(await metricNum(p.page, "softmax-ce-smooth")).toBeLessThan(2.31);
    expect(await metricText(p.page, "softmax-ce-symptom")).toContain("2.303");
    expect(await metricNum(p.page, "zero-grad-maxStep")).toBeGreaterThan(
      2 * (await metricNum(p.page, "zero-grad-maxStep-clean")),
    );
    expect(await metricNum(p.page, "zero-grad-loss")).toBeGreaterThan(
      (await metricNum(p.page, "zero-grad-minLoss")) + 0.1,
    );
    expect(await metricNum(p.page, "eval-mode-acc")).toBeLessThan(
      (await metricNum(p.page, "eval-mode-acc-clean")) - 0.3,
    );
    const r2 = await metricNum(p.page, "shape-r2");
    expect(r2).toBeLessThan(0.1);
    expect(await metricNum(p.page, "shape-r2-clean")).toBeGreaterThan(0.8);
    // the buggy code's target is [N]: F.mseLoss refuses it; the correct code's readout stays "no error"
    expect(await metricText(p.page, "shape-error")).toContain("same shape");
    expect(await metricText(p.page, "shape-error-clean")).toBe("no error: the shapes match");
    // R² near zero prints as 0.000 whatever its sign, never "-0.000"
    const symptom = await metricText(p.page, "shape-symptom");
    expect(symptom).not.toContain("-0.000");
    const shown = Number(/R² = (-?\d+\.\d{3})/.exec(symptom)![1]);
    expect(Math.abs(shown - r2)).toBeLessThanOrEqual(6e-4);
    expect(await metricNum(p.page, "leak-valAcc")).toBeGreaterThan(
      (await metricNum(p.page, "leak-newPatientAcc")) + 0.15,
    );
    // the trained models download as safetensors, with their PyTorch code (bugs are injected now)
    let sd = await download(p.page); // selected experiment: softmax-ce
    expect(f32(sd, "0.weight").shape).toEqual([64, 2]);
    expect(f32(sd, "2.weight").shape).toEqual([10, 64]);
    expect(await metricText(p.page, "pytorch-code")).toContain("nn.Softmax(dim=-1)");
    await p.page.selectOption('[data-control="export-bug"]', "eval-mode");
    sd = await download(p.page);
    expect(f32(sd, "1.running_mean").shape).toEqual([64]);
    expect(sd.get("1.num_batches_tracked")).toMatchObject({ dtype: "int64", shape: [] });
    expect(f32(sd, "4.weight").shape).toEqual([10, 64]);
    expect(await metricText(p.page, "pytorch-code")).toContain("nn.BatchNorm1d(64)");
    await finish(p, "training-bugs");
    await phoneShot("training-bugs");
  }, 180_000);
}
