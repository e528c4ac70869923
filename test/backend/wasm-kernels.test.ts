import { describe, expect, it } from "vitest";
import { jsKernels } from "../../src/backend/js/index.js";
import type { Kernels } from "../../src/backend/kernels.js";
import { fallbackCounts, kernels, resetFallbackCounts, setBackend } from "../../src/backend/registry.js";
import { getNumThreads, initWasmBackend, setNumThreadsAsync, wasmBackendInfo } from "../../src/backend/wasm/index.js";
import { neg } from "../../src/ops/elementwise.js";
import { tensor } from "../../src/ops/creation.js";
import { runParity } from "./parity.js";

describe("wasm backend (plain SIMD module) matches the JS reference", () => {
  for (const threads of [1, 2]) {
    for (const placement of ["wasm", "foreign"] as const) {
      it(`threads=${threads}, ${placement} arrays`, async () => {
        const kernels = await initWasmBackend({ simd: "simd", threads });
        expect(getNumThreads()).toBe(threads);
        expect(runParity(kernels, { placement, seed: threads * 7 + placement.length })).toEqual([]);
      });
    }
  }

  it("works without shared memory (copy path, single thread)", async () => {
    const kernels = await initWasmBackend({ simd: "simd", unshared: true, threads: 2 });
    expect(wasmBackendInfo()?.shared).toBe(false);
    expect(getNumThreads()).toBe(1);
    expect(runParity(kernels, { placement: "wasm" })).toEqual([]);
  });
});

describe("threads", () => {
  it("1 and 2 threads give bitwise-identical results", async () => {
    const kernels = (await initWasmBackend({ simd: "simd", threads: 1 })) as Kernels; // has alloc, gemm(s), unary, binary
    const fill = (n: number): Float32Array => {
      const a = kernels.alloc("float32", n) as Float32Array;
      for (let i = 0; i < n; i++) a[i] = Math.sin(i * 12.9898) * 2;
      return a;
    };
    const cases: Array<[boolean, boolean, number, number, number]> = [
      [false, true, 64, 256, 784],
      [false, false, 64, 784, 256],
      [true, false, 256, 784, 64],
      [false, false, 333, 45, 517],
    ];
    const run = (): Float32Array[] => {
      const outs = cases.map(([transA, transB, m, n, k]) => {
        const c = fill(m * n);
        kernels.gemm({ transA, transB, m, n, k, a: fill(m * k), b: fill(k * n), c, alpha: 0.7, beta: 0.3 });
        return c;
      });
      // A layer's dX and dW, which two threads run side by side.
      const [dx, dw] = [fill(64 * 256), fill(256 * 256)];
      kernels.gemms([
        { transA: false, transB: false, m: 64, n: 256, k: 256, a: fill(64 * 256), b: fill(256 * 256), c: dx },
        { transA: true, transB: false, m: 256, n: 256, k: 64, a: fill(64 * 256), b: fill(64 * 256), c: dw, beta: 1 },
      ]);
      outs.push(dx, dw);
      const x = fill(200_003),
        y = kernels.alloc("float32", x.length) as Float32Array;
      kernels.unary("gelu", x, y);
      const z = kernels.alloc("float32", x.length) as Float32Array;
      kernels.binary("mul", x, [x.length], y, [y.length], z, [x.length]);
      return [...outs, y, z];
    };
    const one = run();
    await setNumThreadsAsync(2);
    expect(getNumThreads()).toBe(2);
    const two = run();
    one.forEach((a, i) => expect(Array.from(two[i])).toEqual(Array.from(a)));
  });
});

describe("integration with the registry", () => {
  it("registers as 'wasm', allocates in wasm memory, never falls back", async () => {
    await initWasmBackend({ simd: "simd", threads: 2 });
    setBackend("wasm");
    try {
      resetFallbackCounts();
      // Persistent storage (parameters, optimizer state) and step temporaries (under their own
      // budget, see test/backend/fixtures/alloc-loop.ts) both live in wasm memory.
      const a = kernels.alloc("float32", 12, true) as Float32Array;
      expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect((kernels.alloc("float32", 12) as Float32Array).buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(Array.from(a)).toEqual(new Array(12).fill(0));
      // float64 is delegated to the reference on purpose: correct, and not a fallback.
      const a64 = kernels.alloc("float64", 6) as Float64Array,
        b64 = new Float64Array([1, 2, 3, 4, 5, 6]),
        c64 = new Float64Array(4);
      a64.set([1, 0, 0, 1, 1, 1]);
      kernels.gemm({ transA: false, transB: false, m: 2, n: 2, k: 3, a: a64, b: b64, c: c64 });
      const want = new Float64Array(4);
      jsKernels.gemm({ transA: false, transB: false, m: 2, n: 2, k: 3, a: a64, b: b64, c: want });
      expect(Array.from(c64)).toEqual(Array.from(want));
      const i = kernels.alloc("int32", 3) as Int32Array;
      kernels.binary("add", i, [3], new Int32Array([1, 2, 3]), [3], i, [3]);
      expect(Array.from(i)).toEqual([1, 2, 3]);
      expect(fallbackCounts()).toEqual({});
    } finally {
      setBackend("js");
    }
  });

  it("initWasmBackend refuses a temporaryLimitMB that is not a number of MiB ≥ 0, naming the option", async () => {
    for (const bad of [-1, Number.NaN]) {
      await expect(initWasmBackend({ threads: 1, temporaryLimitMB: bad })).rejects.toThrow(
        `initWasmBackend: temporaryLimitMB must be a number of MiB ≥ 0 (0 keeps step temporaries out of wasm memory), got ${bad}`,
      );
    }
  });

  it("await t.data() hands out a copy of its own (transferable), dataSync() the storage itself", async () => {
    await initWasmBackend({ simd: "simd", threads: 2 });
    setBackend("wasm");
    try {
      const t = neg(tensor([1, 2, 3])); // a step temporary: a view of wasm memory
      expect(t.dataSync().buffer).toBeInstanceOf(SharedArrayBuffer);
      const copy = await t.data();
      expect(copy.buffer).toBeInstanceOf(ArrayBuffer);
      expect(Array.from(copy)).toEqual([-1, -2, -3]);
      const { port1, port2 } = new MessageChannel();
      port1.postMessage(copy, [copy.buffer]); // a SharedArrayBuffer would throw DataCloneError here
      expect(copy.length).toBe(0); // transferred
      port1.close();
      port2.close();
      t.dataSync()[0] = 5; // dataSync() is the storage, like PyTorch's .numpy()
      expect(Array.from(await t.data())).toEqual([5, -2, -3]);
    } finally {
      setBackend("js");
    }
  });
});
