/**
 * The wasm backend's SIMD fast paths against the JS reference: maxPool2d with 2×2 windows at stride 2
 * (LeNet's pooling; values and argmax indices bit-identical, ties and NaNs resolved in the reference's
 * order) and gelu forward/backward in 4 float32 lanes (within the elementwise tolerance).
 */
import { describe, expect, it } from "vitest";
import { jsKernels } from "../../src/backend/js/index.js";
import type { PoolWindow } from "../../src/backend/js/pool.js";
import type { Kernels } from "../../src/backend/kernels.js";
import { initWasmBackend } from "../../src/backend/wasm/index.js";

/** Deterministic pseudo-random floats in [lo, hi). */
function floats(n: number, seed: number, lo = -3, hi = 3): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = lo + ((hi - lo) * s) / 2 ** 32;
  }
  return a;
}

const window2x2 = (h: number, w: number): PoolWindow => ({
  kH: 2,
  kW: 2,
  sH: 2,
  sW: 2,
  pH: 0,
  pW: 0,
  dH: 1,
  dW: 1,
  outH: Math.floor(h / 2),
  outW: Math.floor(w / 2),
});

describe("wasm SIMD fast paths match the JS reference", () => {
  it("maxPool2d 2×2 stride 2: values and indices bit-identical (edge sizes, ties, NaN, ±Infinity)", async () => {
    const K = (await initWasmBackend({ simd: "simd", threads: 1 })) as Kernels;
    const cases: Array<[number, number, number]> = [
      [1, 2, 2],
      [3, 2, 9],
      [2, 5, 8],
      [1, 7, 17],
      [4, 28, 28],
      [2, 10, 24],
      [6, 3, 31],
    ];
    for (const [planes, h, w] of cases) {
      for (const fill of ["random", "ties", "special"] as const) {
        let x = floats(planes * h * w, planes * 131 + h * 7 + w);
        // Ties: few distinct values, so most windows hold equal maxima (the first in scan order wins).
        if (fill === "ties") x = x.map((v) => Math.round(v));
        if (fill === "special") {
          const sp = [Number.NaN, Infinity, -Infinity, -0, 0];
          x = x.map((v, i) => (i % 3 === 0 ? sp[(i * 7) % sp.length] : v));
          x.fill(Number.NaN, 0, Math.min(4, x.length)); // a window of NaNs: the last NaN is reported
          x.fill(-Infinity, w, Math.min(w + 4, x.length)); // a window of -Infinity: its first index
        }
        const p = window2x2(h, w),
          n = planes * p.outH * p.outW;
        const want = new Float32Array(n),
          wantIdx = new Int32Array(n);
        jsKernels.maxPool2d(x, planes, h, w, p, want, wantIdx);
        const out = new Float32Array(n).fill(7),
          idx = new Int32Array(n).fill(-7);
        K.maxPool2d(x, planes, h, w, p, out, idx);
        const label = `${planes}x${h}x${w} ${fill}`;
        expect(Array.from(new Uint32Array(out.buffer)), label).toEqual(Array.from(new Uint32Array(want.buffer)));
        expect(Array.from(idx), label).toEqual(Array.from(wantIdx));
      }
    }
  });

  it("gelu forward and backward over a dense grid, tails of every length and special values", async () => {
    const K = (await initWasmBackend({ simd: "simd", threads: 1 })) as Kernels;
    // -12..12 in steps of 1/512, then the special values, then a length that leaves a 3-lane tail.
    const grid = Array.from({ length: 24 * 512 + 1 }, (_, i) => -12 + i / 512);
    const specials = [0, -0, Number.NaN, Infinity, -Infinity, 1e-30, -1e-30, 40, -40, 3e38, -3e38, 1e-45];
    const all = Float32Array.from([...grid, ...specials, 0.5, -0.5, -0.75]);
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9, all.length]) {
      const x = all.subarray(all.length - n);
      const want = new Float32Array(n),
        out = new Float32Array(n);
      jsKernels.unary("gelu", x, want);
      K.unary("gelu", x, out);
      const dy = floats(n, n, -2, 2),
        dxWant = new Float32Array(n),
        dx = new Float32Array(n);
      jsKernels.unaryBackward("gelu", x, want, dy, dxWant);
      K.unaryBackward("gelu", x, out, dy, dx);
      for (const [name, got, ref] of [
        ["gelu", out, want],
        ["gelu backward", dx, dxWant],
      ] as const) {
        const bad: string[] = [];
        for (let i = 0; i < n; i++) {
          const g = got[i],
            w = ref[i];
          const ok = Number.isNaN(w) ? Number.isNaN(g) : g === w || Math.abs(g - w) <= 1e-7 + 5e-7 * Math.abs(w);
          if (!ok && bad.length < 5) bad.push(`x=${x[i]}: ${g} vs ${w}`);
        }
        expect(bad, `${name} n=${n}`).toEqual([]);
      }
    }
  });
});
