import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Uninitialized tensor storage (src/backend/wasm/memory.ts) is NaN-filled, here and in the child
    // processes tests start: a kernel that leaves an output element unwritten then shows.
    env: { GRADLAB_POISON_UNINITIALIZED: "1" },
    // Guards against a hung test, not speed checks: generous, because on a loaded 2-core machine a 10 s test
    // can take ten times as long (mnist_mlp.ts took 115 s beside a CPU hog and other developers' benchmarks).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Child processes, not threads: a test file's wasm threads, Chromium and child processes stay in their fork.
    pool: "forks",
    // Two files at a time: most long tests wait on a child process or Chromium, so the second core is not idle.
    // Pinned rather than vitest's default (cores − 1) so that CI and every developer's machine run alike.
    maxWorkers: 2,
    minWorkers: 1,
    // Closing a fork that ran Chromium or wasm threads can take a while on a loaded machine.
    teardownTimeout: 60_000,
  },
});
