/** Selection kernels on wasm (assembly/select.ts): where and tril/triu on 32-bit elements; others on the reference. */
import { broadcastStrides } from "../../../tensor/shape.js";
import { jsKernels } from "../../js/index.js";
import { collapseDims } from "../../js/select.js";
import { parallelRange, type WasmFamily, withFrame } from "../context.js";
import { same32 } from "./pad.js";

type Array32 = Float32Array | Int32Array;
const is32 = (c: unknown): boolean => c instanceof Float32Array || c instanceof Int32Array;

export const selectFamily: WasmFamily = (ctx) => {
  const { ex } = ctx;
  return {
    where(cond, condShape, a, aShape, b, bShape, out, outShape) {
      const n = out.length;
      if (!same32(a, out) || !same32(b, out) || !is32(cond) || n === 0) {
        jsKernels.where(cond, condShape, a, aShape, b, bShape, out, outShape);
        return;
      }
      const cf = +(cond instanceof Float32Array);
      withFrame(ctx, (f) => {
        const pc = f.in(cond as Array32),
          pa = f.in(a as Array32),
          pb = f.in(b as Array32);
        const po = f.overwrite(out as Array32);
        const st = (len: number): number => (len === n ? 1 : 0);
        if ([cond, a, b].every((t) => t.length === n || t.length === 1)) {
          const [sc, sa, sb] = [st(cond.length), st(a.length), st(b.length)];
          parallelRange(ctx, "whereInner", n, (s, len) => [
            pc + 4 * s * sc,
            sc,
            cf,
            pa + 4 * s * sa,
            sa,
            pb + 4 * s * sb,
            sb,
            po + 4 * s,
            len,
          ]);
          return;
        }
        const read = [condShape, aShape, bShape].map((s) => broadcastStrides(s, outShape));
        const { shape, strides } = collapseDims(outShape, read);
        ex.whereStrided(
          pc,
          cf,
          pa,
          pb,
          po,
          shape.length,
          f.ints(shape),
          f.ints(strides[0]),
          f.ints(strides[1]),
          f.ints(strides[2]),
          f.raw(4 * shape.length),
        );
      });
    },
    triangle(x, batch, rows, cols, diagonal, upper, out) {
      if (!same32(x, out) || out.length === 0) {
        jsKernels.triangle(x, batch, rows, cols, diagonal, upper, out);
        return;
      }
      // Any diagonal beyond the matrix keeps or drops whole rows; clamped so i + diagonal fits an i32.
      const d = Math.min(Math.max(diagonal, -rows - 1), cols + 1);
      withFrame(ctx, (f) => ex.triangle(f.in(x as Array32), f.overwrite(out as Array32), batch, rows, cols, d, +upper));
    },
  };
};
