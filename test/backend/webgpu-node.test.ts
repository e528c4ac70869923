// The WebGPU kernels in Node through Dawn (the optional npm package `webgpu`) on the SwiftShader
// Vulkan driver that Debian's chromium package ships. LD_LIBRARY_PATH must be set before Node
// starts, so the parity suite runs in a child process. No skipping: a machine where WebGPU
// cannot be reached fails here with the reason.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findSwiftShader, runWithSwiftShader, SWIFTSHADER_MISSING } from "../../src/backend/webgpu/swiftshader.js";
import { lastJson, runWithoutAdapter } from "./webgpu_child.js";

const entry = fileURLToPath(new URL("./fixtures/webgpu-node-entry.ts", import.meta.url));
const root = fileURLToPath(new URL("../..", import.meta.url));

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
    const script =
      "import { GpuContext } from './src/backend/webgpu/context.ts';" +
      "try { await GpuContext.create(); console.log('{\"ok\":true}'); } catch (e) { console.log(JSON.stringify({ message: e.message })); }" +
      "process.exit(0);";
    const out = runWithoutAdapter(script);
    expect(out.message).toMatch(
      /^WebGPU: no adapter found \(requestAdapter\(\) returned null\) — in Node, gradlab uses the optional package `webgpu`/,
    );
    expect(String(out.message)).not.toContain("\n");
  }, 60_000);
});
