// The WebGPU kernels in Node through Dawn (the optional npm package `webgpu`) on the SwiftShader
// Vulkan driver that Debian's chromium package ships. LD_LIBRARY_PATH must be set before Node
// starts, so the parity suite runs in a child process. No skipping: a machine where WebGPU
// cannot be reached fails here with the reason.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findSwiftShader, runWithSwiftShader, SWIFTSHADER_MISSING } from "../../src/backend/webgpu/swiftshader.js";

const entry = fileURLToPath(new URL("./fixtures/webgpu-node-entry.ts", import.meta.url));
const root = fileURLToPath(new URL("../..", import.meta.url));

/** The child prints Dawn's messages and then one JSON line. */
function lastJson(stdout: string): Record<string, unknown> {
  const line = stdout.trim().split("\n").reverse().find((l) => l.startsWith("{"));
  if (!line) throw new Error(`no result from the child:\n${stdout}`);
  return JSON.parse(line) as Record<string, unknown>;
}

describe("WebGPU kernels in Node (Dawn on SwiftShader)", () => {
  it("finds chromium's Vulkan loader and SwiftShader driver", () => {
    const p = findSwiftShader();
    if (!p) throw new Error(SWIFTSHADER_MISSING);
    expect(p.icd).toMatch(/vk_swiftshader_icd\.json$/);
  });

  it("match the JS reference on every kernel, with the pool, cache, batching and error reporting working", async () => {
    const r = await runWithSwiftShader(entry, [], { nodeArgs: ["--import", "tsx"], cwd: root });
    const out = lastJson(r.stdout);
    expect(out.error, String(out.error)).toBeUndefined();
    expect(r.code).toBe(0);
    expect(out.adapter).toMatchObject({ isFallbackAdapter: true, source: "webgpu (Dawn)" });
    expect(out.failures).toEqual([]);
    const facts = out.facts as { geluMaxUlp: number; counters: { submits: number; dispatches: number } };
    expect(facts.geluMaxUlp).toBeLessThanOrEqual(8);
    expect(facts.counters.dispatches).toBeGreaterThan(500);
  }, 400_000);

  it("says in one line that there is no adapter when Dawn finds no driver", async () => {
    const script = "import { GpuContext } from './src/backend/webgpu/context.ts';"
      + "try { await GpuContext.create(); console.log('{\"ok\":true}'); } catch (e) { console.log(JSON.stringify({ message: e.message })); }"
      + "process.exit(0);";
    const { spawnSync } = await import("node:child_process");
    // A driver list naming no file: Vulkan finds no device, whatever the machine has.
    const env = { ...process.env, VK_ICD_FILENAMES: "/nonexistent.json", LD_LIBRARY_PATH: "" };
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, env, encoding: "utf8" });
    const out = lastJson(r.stdout);
    expect(out.message).toMatch(/^WebGPU: no adapter found \(requestAdapter\(\) returned null\) — in Node, gradlab uses the optional package `webgpu`/);
    expect(String(out.message)).not.toContain("\n");
  }, 60_000);
});
