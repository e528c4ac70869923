/** The thread pool under misuse: bad thread counts, re-initialisation while workers start. */
import { describe, expect, it } from "vitest";
import { getNumThreads, initWasmBackend, setBackend, setNumThreadsAsync, tensor } from "../../src/index.js";

describe("wasm thread pool robustness", () => {
  it("rejects a thread count that is not a positive integer instead of computing nothing", async () => {
    await initWasmBackend({ threads: 2 });
    await expect(setNumThreadsAsync(Number.NaN)).rejects.toThrow(/positive integer, got NaN/);
    await expect(setNumThreadsAsync(0)).rejects.toThrow(/positive integer/);
    expect(getNumThreads()).toBe(2);
  });

  it("two overlapping initialisations both settle, and the backend still computes", async () => {
    const both = Promise.all([initWasmBackend({ threads: 2 }), initWasmBackend({ threads: 2 })]).then(() => "settled", () => "settled");
    const timeout = new Promise((r) => setTimeout(() => r("hung"), 10_000));
    expect(await Promise.race([both, timeout])).toBe("settled");
    await initWasmBackend({ threads: 2 });
    setBackend("wasm");
    try {
      const x = tensor(Array.from({ length: 1 << 17 }, () => 2));
      expect(x.square().sum().item()).toBe(4 * (1 << 17));
    } finally {
      setBackend("js");
    }
  });
});

describe("wasm thread pool on a busy machine", () => {
  it("a worker that does not take its call (descheduled) costs a steal, not a wait, and results stay exact", async () => {
    const { wasmBackendInfo, randn, matmul } = await import("../../src/index.js");
    await initWasmBackend({ threads: 2 });
    setBackend("wasm");
    const pool = wasmBackendInfo()!.pool!;
    try {
      const a = randn([256, 300]), b = randn([300, 200]);
      const want = matmul(a, b).dataSync().slice();
      const before = wasmBackendInfo()!.poolStats();
      pool.hold(1, true); // held for the whole loop: a caller that waited for the worker would hang here
      for (let i = 0; i < 8; i++) expect(matmul(a, b).dataSync()).toEqual(want);
      const after = wasmBackendInfo()!.poolStats();
      expect(after.stolenCalls - before.stolenCalls).toBe(8);
    } finally {
      pool.hold(1, false);
      setBackend("js");
    }
  });

  it("too many late regions run the pool solo for a while (workers sleep), then threads come back", async () => {
    const { wasmBackendInfo, randn, matmul } = await import("../../src/index.js");
    await initWasmBackend({ threads: 2 });
    setBackend("wasm");
    const pool = wasmBackendInfo()!.pool!;
    try {
      const a = randn([128, 300]), b = randn([300, 128]);
      const want = matmul(a, b).dataSync().slice();
      pool.hold(1, true);
      for (let i = 0; i < 20; i++) matmul(a, b);
      pool.hold(1, false);
      const s0 = wasmBackendInfo()!.poolStats();
      for (let i = 0; i < 10; i++) expect(matmul(a, b).dataSync()).toEqual(want);
      const s1 = wasmBackendInfo()!.poolStats();
      expect(s1.soloRegions - s0.soloRegions).toBe(10); // solo now: no call posted, none stolen
      expect(s1.stolenCalls).toBe(s0.stolenCalls);
      // The solo stretch is 4096 regions; after it the workers are posted to again (on a busy machine
      // they may be late again and send the pool solo again, but only after 17 late posted regions).
      for (let i = 0; i < 4200; i++) expect(matmul(a, b).dataSync()[0]).toBe(want[0]);
      const s2 = wasmBackendInfo()!.poolStats();
      expect(s2.postedRegions - s1.postedRegions).toBeGreaterThanOrEqual(17);
    } finally {
      pool.hold(1, false);
      setBackend("js");
    }
  });
});
