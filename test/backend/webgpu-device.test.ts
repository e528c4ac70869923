// Devices as PyTorch users know them: `await setBackend("webgpu")`, `x.to("webgpu")`,
// `await x.toAsync("cpu")`, `model.to("webgpu")`, and the error an op mixing devices throws.
// Runs in a child process on Dawn + SwiftShader (see webgpu_child.ts).
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runGpuChild, runWithoutAdapter } from "./webgpu_child.js";

const entry = fileURLToPath(new URL("./fixtures/webgpu-device-entry.ts", import.meta.url));

describe("devices on WebGPU", () => {
  it("moves tensors and models between cpu and webgpu, and ops mixing devices say how to fix it", async () => {
    const { out, code } = await runGpuChild(entry);
    expect(out.error, String(out.error)).toBeUndefined();
    expect(code).toBe(0);
    expect(out.syncSwitch).toBe("wasm");
    expect(out.backend).toEqual(["webgpu", "webgpu"]);
    expect(out.newTensorDevice).toBe("webgpu");
    expect(out.mixedAdd).toMatch(
      /^add: expected all tensors to be on the same device, but found at least two devices, webgpu and cpu/,
    );
    expect(out.mixedAdd).toContain("[2, 3] on cpu, [2, 3] on webgpu");
    expect(out.mixedAdd).toContain('x.to("webgpu")');
    expect(out.mixedLinear).toMatch(
      /^Linear\(3→2\): expected all tensors to be on the same device.*\[2, 3\] on webgpu, \[2, 3\] on cpu, \[2\] on cpu/,
    );
    expect(out.syncRead).toMatch(
      /to\("cpu"\): the tensor \[2, 3\] is on webgpu, where reads are asynchronous — use await x\.toAsync\("cpu"\)/,
    );
    expect(out.moved).toEqual(["webgpu", [1, 2, 3, 4, 5, 6]]);
    expect(out.cuda).toBe("webgpu");
    expect(out.sum).toEqual([11, 22, 33, 44, 55, 66]);
    expect(out.back).toEqual(["cpu", [11, 22, 33, 44, 55, 66]]);
    expect(out.sameParams).toBe(true);
    expect(out.paramDevices).toEqual(["webgpu", "webgpu"]);
    const gpu = out.gpuForward as number[],
      cpu = out.cpuForward as number[];
    expect(gpu).toHaveLength(4);
    gpu.forEach((v, i) => expect(v).toBeCloseTo(cpu[i], 4));
    expect(out.paramDevicesBack).toEqual(["cpu", "cpu"]);
    expect(out.oneHot).toEqual([
      [
        [1, 0, 0],
        [0, 0, 1],
      ],
      [
        [0, 1, 0],
        [0, 1, 0],
      ],
    ]);
    expect(out.oneHotBad).toBe("gather: index 5 is out of bounds for a dim of size 3");
    expect(out.oneHotInfer).toMatch(/^oneHot: on webgpu, pass numClasses \(e\.g\. F\.oneHot\(labels, 10\)\)/);
    expect(out.bnNull).toMatch(
      /^BatchNorm1d\(3\): momentum: null .* give a momentum \(e\.g\. 0\.1\) to train on webgpu/,
    );
    expect(out.clip).toMatch(/^clipGradNorm_: errorIfNonfinite .*await norm\.itemAsync\(\)/);
    expect(out.printed).toBe("tensor(<3 values on webgpu: await t.data()>, shape=[3], device=webgpu)");
    expect(out.modelSyncToCpu).toMatch(/use await x\.toAsync\("cpu"\)/);
    // generate reads each token synchronously, so on webgpu it says to await; generateAsync writes
    // the CPU's text (greedy, and top-3 sampling from the same seeded generator).
    expect(out.syncGenerate).toMatch(/itemAsync/);
    expect((out.cpuText as number[][])[0]).toHaveLength(6);
    expect(out.text).toEqual(out.cpuText);
  }, 120_000);

  it('setBackend("webgpu") rejects with one line when there is no adapter', () => {
    const out = runWithoutAdapter(
      "import { setBackend, getBackend } from './src/index.ts';" +
        "try { await setBackend('webgpu'); console.log('{\"ok\":true}'); }" +
        "catch (e) { console.log(JSON.stringify({ message: e.message, backend: getBackend() })); } process.exit(0);",
    );
    expect(out.message).toMatch(/^WebGPU: no adapter found .* — in Node, gradlab uses the optional package `webgpu`/);
    expect(String(out.message)).not.toContain("\n");
    expect(out.backend).not.toBe("webgpu");
  }, 60_000);
});
