/** Reductions and softmax on wasm (assembly/reduce.ts). */
import { jsKernels } from "../../js/index.js";
import { Reduce } from "../../opcodes.js";
import { f32, type WasmFamily, withFrame } from "../context.js";

export const reduceFamily: WasmFamily = (ctx) => {
  const { ex } = ctx;
  return {
    reduce(op, x, outer, size, inner, out, indices) {
      if (!f32(x, out) || size === 0) {
        jsKernels.reduce(op, x, outer, size, inner, out, indices);
        return;
      }
      withFrame(ctx, (f) => {
        const px = f.in(x as Float32Array, 0, outer * size * inner),
          po = f.overwrite(out as Float32Array, 0, outer * inner);
        const pi = indices && op !== "sum" ? f.overwrite(indices, 0, outer * inner) : 0;
        ex.reduce(Reduce[op], px, outer, size, inner, po, pi, op === "sum" && inner > 1 ? f.raw(8 * inner) : 0);
      });
    },
    softmax(x, outer, size, inner, out, log) {
      if (!f32(x, out)) {
        jsKernels.softmax(x, outer, size, inner, out, log);
        return;
      }
      const n = outer * size * inner;
      withFrame(ctx, (f) =>
        ex.softmax(f.in(x as Float32Array, 0, n), outer, size, inner, f.overwrite(out as Float32Array, 0, n), +log),
      );
    },
    softmaxBackward(y, dy, outer, size, inner, dx, log) {
      if (!f32(y, dy, dx)) {
        jsKernels.softmaxBackward(y, dy, outer, size, inner, dx, log);
        return;
      }
      const n = outer * size * inner;
      withFrame(ctx, (f) =>
        ex.softmaxBackward(
          f.in(y as Float32Array, 0, n),
          f.in(dy as Float32Array, 0, n),
          outer,
          size,
          inner,
          f.overwrite(dx as Float32Array, 0, n),
          +log,
        ),
      );
    },
  };
};
