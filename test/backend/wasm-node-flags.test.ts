// Checks that need other Node flags run in a child process (awaited: a blocked worker misses vitest's RPC).
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { detectSimd } from "../../src/backend/wasm/loader.js";

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const runNode = async (flags: string[], script: string): Promise<Record<string, unknown>> => {
  const { stdout } = await promisify(execFile)(process.execPath, [...flags, "--import", "tsx", fixture(script)]);
  return JSON.parse(stdout.trim().split("\n").pop()!);
};

describe("wasm backend under other Node flags", () => {
  it("picks plain SIMD by default in Node 20", () => {
    // Node 20 needs a flag for relaxed SIMD; newer engines may have it on.
    expect(["simd", "relaxed"]).toContain(detectSimd());
  });

  it("relaxed-SIMD module is detected and matches the reference", async () => {
    const r = await runNode(["--experimental-wasm-relaxed-simd"], "relaxed-check.ts");
    expect(r.detected).toBe("relaxed");
    expect(r.loaded).toBe("relaxed");
    expect(r.failures).toEqual([]);
  });

  it("FinalizationRegistry recycles tensor memory in an allocation loop", async () => {
    type R = {
      recycled: { memoryBytes: number; liveBytes: number };
      unyielding: { memoryBytes: number; plain: number };
      temporaries: { before: number; liveUnyielding: number; liveAfterYield: number; after: number };
      checksum: number;
    };
    const r = (await runNode(["--expose-gc"], "alloc-loop.ts")) as unknown as R;
    // 2000 × 1 MiB allocated; without recycling memory would reach ~2 GB.
    expect(r.recycled.memoryBytes).toBeLessThan(128 * 2 ** 20);
    expect(r.recycled.liveBytes).toBeLessThan(16 * 2 ** 20);
    // No yields: storage stops at the 64 MiB soft limit and continues in ordinary arrays, correctly.
    expect(r.unyielding.memoryBytes).toBeLessThan(80 * 2 ** 20);
    expect(r.unyielding.plain).toBeGreaterThan(400);
    // Temporaries without yields: 32 of 200 MiB in wasm memory (the starting budget), the rest plain.
    expect(r.temporaries.before).toBe(32);
    expect(r.temporaries.liveUnyielding).toBeGreaterThanOrEqual(32 * 2 ** 20);
    // Collected once the loop yields, and then the budget (a quarter of 512 MiB) holds every one of
    // 200 MiB allocated 20 MiB between yields.
    expect(r.temporaries.liveAfterYield).toBeLessThan(2 ** 20);
    expect(r.temporaries.after).toBe(200);
    expect(r.checksum).toBe(0);
  });
});
