// The suites that need WebGPU in Node: run by test/backend/webgpu-*.test.ts in a child vitest whose
// environment points Dawn at SwiftShader (LD_LIBRARY_PATH must be set before Node starts, so these
// files cannot run in the ordinary test workers). Named *.gpu.ts so the main run does not pick them up.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/backend/gpu/**/*.gpu.ts"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
    maxWorkers: 1,
    minWorkers: 1,
    teardownTimeout: 60_000,
  },
});
