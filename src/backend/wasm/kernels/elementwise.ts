/** Elementwise kernels on wasm (assembly/elementwise.ts): unary + backward, broadcast binary, clamp, axpy. */
import type { TypedArray } from "../../../tensor/dtype.js";
import { broadcastStrides } from "../../../tensor/shape.js";
import type { BinaryOp } from "../../js/elementwise.js";
import { jsKernels } from "../../js/index.js";
import { Binary, Unary } from "../../opcodes.js";
import { f32, parallelRange, type WasmFamily, withFrame } from "../context.js";

/**
 * Drops size-1 dims and merges neighbours that are contiguous in a, b and out alike, so the
 * wasm loop's inner dimension is as long as possible. Returns [size, strideA, strideB] per dim.
 */
export function collapse(
  shape: readonly number[],
  sa: readonly number[],
  sb: readonly number[],
): Array<[number, number, number]> {
  const dims: Array<[number, number, number]> = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const prev = dims[dims.length - 1];
    if (prev && prev[1] === sa[d] * shape[d] && prev[2] === sb[d] * shape[d]) {
      prev[0] *= shape[d];
      prev[1] = sa[d];
      prev[2] = sb[d];
    } else dims.push([shape[d], sa[d], sb[d]]);
  }
  return dims.length ? dims : [[1, 0, 0]];
}

// Outputs a kernel writes in full use f.overwrite (a foreign array is not copied in first);
// read-modify-write outputs (axpy) use f.out.
export const elementwiseFamily: WasmFamily = (ctx) => {
  const { ex } = ctx;

  function binary(
    op: BinaryOp,
    a: TypedArray,
    aShape: readonly number[],
    b: TypedArray,
    bShape: readonly number[],
    out: TypedArray,
    outShape: readonly number[],
  ): void {
    if (!f32(a, b, out)) {
      jsKernels.binary(op, a, aShape, b, bShape, out, outShape);
      return;
    }
    const code = Binary[op],
      n = out.length;
    if (n === 0) return;
    withFrame(ctx, (f) => {
      const pa = f.in(a as Float32Array),
        pb = f.in(b as Float32Array),
        po = f.overwrite(out as Float32Array);
      // The reference's fast paths, in its order: same length, scalar b, scalar a.
      let sa = -1,
        sb = -1;
      if (a.length === n && b.length === n) {
        sa = 1;
        sb = 1;
      } else if (b.length === 1 && a.length === n) {
        sa = 1;
        sb = 0;
      } else if (a.length === 1 && b.length === n) {
        sa = 0;
        sb = 1;
      }
      if (sa >= 0) {
        parallelRange(ctx, "binaryInner", n, (s, len) => [
          code,
          pa + 4 * s * sa,
          sa,
          pb + 4 * s * sb,
          sb,
          po + 4 * s,
          len,
        ]);
        return;
      }
      const dims = collapse(outShape, broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape));
      const r = dims.length;
      ex.binaryStrided(
        code,
        pa,
        pb,
        po,
        r,
        f.ints(dims.map((d) => d[0])),
        f.ints(dims.map((d) => d[1])),
        f.ints(dims.map((d) => d[2])),
        f.raw(4 * r),
      );
    });
  }

  return {
    unary(op, x, out, alpha = 0.01) {
      if (!f32(x, out)) {
        jsKernels.unary(op, x, out, alpha);
        return;
      }
      const code = Unary[op],
        n = x.length;
      withFrame(ctx, (f) => {
        const px = f.in(x as Float32Array),
          po = f.overwrite(out as Float32Array);
        parallelRange(ctx, "unary", n, (s, len) => [code, px + 4 * s, po + 4 * s, len, alpha]);
      });
    },
    unaryBackward(op, x, y, dy, dx, alpha = 0.01) {
      if (!f32(x, y, dy, dx)) {
        jsKernels.unaryBackward(op, x, y, dy, dx, alpha);
        return;
      }
      const code = Unary[op],
        n = dy.length;
      withFrame(ctx, (f) => {
        // relu's derivative reads only x: its output need not be copied in (the training hot path).
        const px = f.in(x as Float32Array),
          py = op === "relu" ? px : f.in(y as Float32Array),
          pdy = f.in(dy as Float32Array);
        const pdx = f.overwrite(dx as Float32Array);
        parallelRange(ctx, "unaryBackward", n, (s, len) => [
          code,
          px + 4 * s,
          py + 4 * s,
          pdy + 4 * s,
          pdx + 4 * s,
          len,
          alpha,
        ]);
      });
    },
    binary,
    clamp(x, lo, hi, out) {
      if (!f32(x, out)) {
        jsKernels.clamp(x, lo, hi, out);
        return;
      }
      withFrame(ctx, (f) => ex.clamp(f.in(x as Float32Array), lo, hi, f.overwrite(out as Float32Array), x.length));
    },
    axpy(alpha, x, y) {
      if (!f32(x, y)) {
        jsKernels.axpy(alpha, x, y);
        return;
      }
      withFrame(ctx, (f) => ex.axpy(alpha, f.in(x as Float32Array), f.out(y as Float32Array, 0, x.length), x.length));
    },
  };
};
