/**
 * No manual memory management: 40 epochs × 10 steps of the 784-256-256-10 MLP with no dispose()
 * anywhere; after the first epochs, memory must stay flat.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { backendsUnderTest } from "../helpers.js";

const backends = await backendsUnderTest();

describe.each(backends)("memory stays flat on the %s backend", (backend) => {
  it("400 training steps without dispose()", async () => {
    // Awaited, not execFileSync: 20-40 s of a blocked worker (more on a busy machine) made vitest's RPC time out.
    const args = ["--expose-gc", "test/memory/train_loop.mjs", backend, "40"];
    const { stdout: out } = await promisify(execFile)(process.execPath, args, { timeout: 600_000 });
    const rows = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { epoch: number; rss: number; heap: number; external: number });
    const mb = (b: number) => b / 2 ** 20;
    // Freed ArrayBuffers are released by a background sweeper, so single readings jitter upwards
    // by a step's buffers; a leak raises the floor. Compare the floor of an early window (after
    // warm-up) with the floor of the last window.
    const floor = (xs: number[]) => Math.min(...xs);
    const growth = (key: "rss" | "heap" | "external") =>
      mb(floor(rows.slice(-10).map((r) => r[key])) - floor(rows.slice(5, 15).map((r) => r[key])));
    // The model and optimizer state are ~3 MB; a leak of one step's activations would add >0.5 MB per step (>150 MB here).
    expect(growth("heap")).toBeLessThan(8);
    expect(growth("external")).toBeLessThan(8);
    expect(growth("rss")).toBeLessThan(40);
  }, 600_000); // 20-40 s alone; over 120 s on a loaded machine
});
