// Every op that takes tensors throws PyTorch's "expected all tensors to be on the same device",
// naming the op, the shapes and both devices, before a kernel sees storage of the wrong device.
// Here on a CPU backend with tensors whose storage claims to be on webgpu: no GPU needed, and the
// kernels would fail differently (reading a handle as an array) if an op skipped the check.
// (The other direction, cpu tensors while webgpu computes, runs in test/backend/webgpu-device.test.ts.)
import { describe, expect, it } from "vitest";
import { F, indexSelect, setBackend, Tensor, tensor } from "../../src/index.js";
import type { DeviceStorage } from "../../src/tensor/storage.js";

/** A tensor whose storage says it lives on webgpu; any kernel handed it would not get an array. */
function onGpu(shape: number[], dtype: "float32" | "int32" = "float32"): Tensor {
  const storage: DeviceStorage = { device: "webgpu", dtype, length: shape.reduce((a, b) => a * b, 1) };
  return new Tensor(storage, shape);
}

const SAME = "expected all tensors to be on the same device, but found at least two devices, cpu and webgpu";

describe("device checks of reductions, softmax, embedding, pooling, normalization, indexSelect", () => {
  const x = () => onGpu([2, 3, 4, 4]);
  const cases: [string, () => unknown, string][] = [
    ["sum", () => onGpu([2, 3]).sum(), "sum"],
    ["sum(dim)", () => onGpu([2, 3]).sum(1), "sum"],
    ["mean", () => onGpu([2, 3]).mean(0), "sum"],
    ["max(dim)", () => onGpu([2, 3]).max(1), "max"],
    ["max()", () => onGpu([2, 3]).max(), "max"],
    ["min()", () => onGpu([2, 3]).min(), "min"],
    ["argmax", () => onGpu([2, 3]).argmax(1), "max"],
    ["softmax", () => F.softmax(onGpu([2, 3]), 1), "softmax"],
    ["logSoftmax", () => F.logSoftmax(onGpu([2, 3]), 1), "logSoftmax"],
    ["embedding: weight on webgpu", () => F.embedding(tensor([0, 1], { dtype: "int32" }), onGpu([4, 3])), "embedding"],
    [
      "embedding: indices on webgpu",
      () =>
        F.embedding(
          onGpu([2], "int32"),
          tensor([
            [1, 2],
            [3, 4],
          ]),
        ),
      "embedding",
    ],
    ["maxPool2d", () => F.maxPool2d(x(), 2), "maxPool2d"],
    ["avgPool2d", () => F.avgPool2d(x(), 2), "avgPool2d"],
    ["adaptiveAvgPool2d", () => F.adaptiveAvgPool2d(x(), 1), "adaptiveAvgPool2d"],
    ["maxPool1d", () => F.maxPool1d(onGpu([2, 3, 8]), 2), "maxPool1d"],
    ["batchNorm", () => F.batchNorm(x(), { training: true }), "batchNorm"],
    [
      "batchNorm: running stats on webgpu",
      () =>
        F.batchNorm(
          tensor([
            [1, 2, 3],
            [4, 5, 6],
          ]),
          { training: true, runningMean: onGpu([3]), runningVar: onGpu([3]) },
        ),
      "batchNorm",
    ],
    ["layerNorm", () => F.layerNorm(onGpu([2, 3]), 3), "layerNorm"],
    ["layerNorm: weight on webgpu", () => F.layerNorm(tensor([[1, 2, 3]]), 3, onGpu([3])), "layerNorm"],
    ["groupNorm", () => F.groupNorm(x(), 3), "groupNorm"],
    ["indexSelect", () => indexSelect(onGpu([4, 3]), 0, [1, 2]), "indexSelect"],
  ];

  for (const [name, run, op] of cases) {
    it(`${name} names ${op}, both devices and the fix`, async () => {
      await setBackend("js");
      let message = "";
      try {
        run();
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(new RegExp(`^${op}: ${SAME}`));
      expect(message).toContain("on webgpu");
      expect(message).toContain('await x.toAsync("cpu")');
    });
  }
});
