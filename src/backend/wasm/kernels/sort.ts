/** Sorting and sampling on wasm (assembly/sort.ts). */
import { jsKernels } from "../../js/index.js";
import { checkDistributions } from "../../js/sort.js";
import { f32, type WasmFamily, withFrame } from "../context.js";

export const sortFamily: WasmFamily = (ctx) => {
  const { ex, heap } = ctx;
  return {
    topk(x, outer, size, inner, k, largest, values, indices) {
      if (!f32(x, values)) {
        jsKernels.topk(x, outer, size, inner, k, largest, values, indices);
        return;
      }
      if (k === 0 || outer * inner === 0) return;
      withFrame(ctx, (f) =>
        ex.topk(
          f.in(x as Float32Array, 0, outer * size * inner),
          outer,
          size,
          inner,
          k,
          +largest,
          f.overwrite(values as Float32Array, 0, outer * k * inner),
          f.overwrite(indices, 0, outer * k * inner),
          f.raw(8 * size),
        ),
      );
    },
    cumsum(x, outer, size, inner, reverse, out) {
      if (!f32(x, out)) {
        jsKernels.cumsum(x, outer, size, inner, reverse, out);
        return;
      }
      const n = outer * size * inner;
      if (n === 0) return;
      withFrame(ctx, (f) =>
        ex.cumsum(f.in(x as Float32Array, 0, n), outer, size, inner, +reverse, f.overwrite(out as Float32Array, 0, n)),
      );
    },
    multinomial(probs, rows, n, u, numSamples, replacement, out) {
      if (!f32(probs)) {
        jsKernels.multinomial(probs, rows, n, u, numSamples, replacement, out);
        return;
      }
      checkDistributions(probs, rows, n, numSamples, replacement);
      if (rows === 0) return;
      withFrame(ctx, (f) => {
        const pu = f.raw(8 * u.length);
        new Float64Array(heap.buffer, pu, u.length).set(u);
        ex.multinomial(
          f.in(probs as Float32Array, 0, rows * n),
          rows,
          n,
          pu,
          numSamples,
          +replacement,
          f.overwrite(out, 0, rows * numSamples),
          f.raw(8 * n),
        );
      });
    },
  };
};
