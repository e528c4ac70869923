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
