/** Data movement by index on wasm (assembly/indexing.ts). */
import { numel, stridesOf } from "../../../tensor/shape.js";
import { checkIndices } from "../../js/indexing.js";
import { jsKernels } from "../../js/index.js";
import { f32, type WasmFamily, withFrame } from "../context.js";

function inRange(index: Int32Array, rows: number): boolean {
  for (let i = 0; i < index.length; i++) if (!(index[i] >= 0 && index[i] < rows)) return false;
  return true;
}

/** 32-bit elements of one kind on both sides (float32 or int32): what the copy kernels move. */
const same32 = (x: unknown, out: unknown): boolean =>
  (x instanceof Float32Array && out instanceof Float32Array) || (x instanceof Int32Array && out instanceof Int32Array);

export const indexingFamily: WasmFamily = (ctx) => {
  const { ex, heap } = ctx;
  return {
    permute(x, shape, perm, out) {
      const n = numel(shape);
      if (!same32(x, out) || shape.length === 0 || n === 0) {
        jsKernels.permute(x, shape, perm, out);
        return;
      }
      const st = stridesOf(shape);
      withFrame(ctx, (f) =>
        ex.permute(
          f.in(x as Float32Array, 0, n),
          f.overwrite(out as Float32Array, 0, n),
          shape.length,
          f.ints(perm.map((p) => shape[p])),
          f.ints(perm.map((p) => st[p])),
          f.raw(4 * shape.length),
        ),
      );
    },
    gatherRows(x, index, rowSize, out) {
      const rows = rowSize > 0 ? Math.floor(x.length / rowSize) : 0;
      // A source outside wasm memory (a dataset) would be copied whole: a plain row copy is cheaper.
      if (!same32(x, out) || !inRange(index, rows) || rowSize === 0 || heap.ptrOf(x) < 0) {
        jsKernels.gatherRows(x, index, rowSize, out);
        return; // out-of-range rows: keep the reference's behaviour
      }
      withFrame(ctx, (f) =>
        ex.gatherRows(
          f.in(x as Float32Array),
          f.in(index),
          index.length,
          rowSize,
          f.overwrite(out as Float32Array, 0, index.length * rowSize),
        ),
      );
    },
    scatterAddRows(dy, index, rowSize, dx) {
      const rows = rowSize > 0 ? Math.floor(dx.length / rowSize) : 0;
      if (!f32(dy, dx) || !inRange(index, rows) || rowSize === 0) {
        jsKernels.scatterAddRows(dy, index, rowSize, dx);
        return;
      }
      withFrame(ctx, (f) =>
        ex.scatterAddRows(
          f.in(dy as Float32Array, 0, index.length * rowSize),
          f.in(index),
          index.length,
          rowSize,
          f.out(dx as Float32Array),
        ),
      );
    },
    gatherAlong(x, index, outer, size, inner, indexSize, out) {
      if (!same32(x, out) || out.length === 0) {
        jsKernels.gatherAlong(x, index, outer, size, inner, indexSize, out);
        return;
      }
      checkIndices(index, size, "gather");
      withFrame(ctx, (f) =>
        ex.gatherAlong(
          f.in(x as Float32Array, 0, outer * size * inner),
          f.in(index),
          outer,
          size,
          inner,
          indexSize,
          f.overwrite(out as Float32Array, 0, outer * indexSize * inner),
        ),
      );
    },
    scatterAddAlong(dy, index, outer, size, inner, indexSize, dx) {
      if (!f32(dy, dx) || dy.length === 0) {
        jsKernels.scatterAddAlong(dy, index, outer, size, inner, indexSize, dx);
        return;
      }
      checkIndices(index, size, "scatterAdd");
      withFrame(ctx, (f) =>
        ex.scatterAddAlong(
          f.in(dy as Float32Array, 0, outer * indexSize * inner),
          f.in(index),
          outer,
          size,
          inner,
          indexSize,
          f.out(dx as Float32Array, 0, outer * size * inner),
        ),
      );
    },
  };
};
