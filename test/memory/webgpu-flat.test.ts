// GPU memory on webgpu stays flat over 1,000 training steps without dispose() (the promise):
// test/backend/gpu/memory_flat.gpu.ts, run in a child vitest on Dawn + SwiftShader.
import { expect, it } from "vitest";
import { runGpuVitest } from "../backend/webgpu_child.js";

it("a 1,000-step training loop on webgpu keeps GPU memory in use flat", async () => {
  const r = await runGpuVitest("test/backend/gpu/memory_flat.gpu.ts");
  expect(r.failed, r.report).toEqual([]);
  expect(r.passed).toHaveLength(1);
}, 600_000);
