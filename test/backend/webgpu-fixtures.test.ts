// Every PyTorch parity case (cases.json, course_cases.json) through the public ops on the webgpu
// backend, in Node on Dawn + SwiftShader. The cases run in a child vitest (test/backend/gpu/) whose
// environment reaches SwiftShader; this test fails with its report when any case fails there.
import { describe, expect, it } from "vitest";
import { runGpuVitest } from "./webgpu_child.js";

describe("PyTorch parity on webgpu (Dawn on SwiftShader)", () => {
  it("passes every case of cases.json and course_cases.json", async () => {
    const r = await runGpuVitest("test/backend/gpu/fixtures.gpu.ts");
    expect(r.failed, r.report).toEqual([]);
    expect(r.passed.length).toBeGreaterThanOrEqual(47 + 56 + 1);
  }, 600_000);
});
