// A backend plugs in with any subset of the kernels; what it lacks runs on the JS reference.
import { afterAll, describe, expect, it } from "vitest";
import { jsKernels } from "../../src/backend/js/index.js";
import type { GemmArgs } from "../../src/backend/kernels.js";
import { getBackend, registerBackend, setBackend } from "../../src/backend/registry.js";
import { F, randn } from "../../src/index.js";

const initial = getBackend();
afterAll(() => setBackend(initial));

describe("kernel registry", () => {
  it("a backend with its own gemm but no gemms gets its products run on that gemm", () => {
    const seen: GemmArgs[] = [];
    registerBackend("counting", {
      gemm: (args) => {
        seen.push(args);
        jsKernels.gemm(args);
      },
    });
    setBackend("counting");
    const x = randn([3, 4], { requiresGrad: true }),
      w = randn([5, 4], { requiresGrad: true });
    F.linear(x, w).sum().backward();
    // One forward product, then dX and dW through gemms → the backend's own gemm.
    expect(seen.length).toBe(3);
    expect(x.grad!.shape).toEqual([3, 4]);
  });
});
