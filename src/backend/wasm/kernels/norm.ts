/** LayerNorm and BatchNorm on wasm (assembly/norm.ts): rows or channels split across threads. */
import type { FloatArray } from "../../../tensor/dtype.js";
import { jsKernels } from "../../js/index.js";
import { f32, type WasmFamily, withFrame } from "../context.js";
import type { Frame } from "../frame.js";
import { parallelItems, planThreads } from "./pool.js";

/** All present arrays are float32 (null stands for an absent weight, bias or gradient). */
const f32OrNull = (...xs: Array<FloatArray | null>): boolean => f32(...xs.filter((x) => x !== null));

/** Pointers for optional arrays: 0 (the kernels' "none") for null. */
const inOr0 = (f: Frame, a: FloatArray | null, len: number): number => (a ? f.in(a as Float32Array, 0, len) : 0);
const overwriteOr0 = (f: Frame, a: FloatArray | null, len: number): number =>
  a ? f.overwrite(a as Float32Array, 0, len) : 0;

export const normFamily: WasmFamily = (ctx) => {
  const { ex, heap } = ctx;
  return {
    layerNormForward(a) {
      const { x, rows, d, weight, bias, eps, out, mean, rstd } = a;
      if (!f32OrNull(x, weight, bias, out, mean, rstd) || rows * d === 0) {
        jsKernels.layerNormForward(a);
        return;
      }
      withFrame(ctx, (f) => {
        const px = f.in(x as Float32Array, 0, rows * d),
          po = f.overwrite(out as Float32Array, 0, rows * d);
        const pm = f.overwrite(mean as Float32Array, 0, rows),
          pr = f.overwrite(rstd as Float32Array, 0, rows);
        const pw = inOr0(f, weight, d),
          pb = inOr0(f, bias, d);
        parallelItems(ctx, "layerNormForward", rows, 3 * rows * d, (s, n) => [
          px + 4 * s * d,
          po + 4 * s * d,
          pm + 4 * s,
          pr + 4 * s,
          pw,
          pb,
          n,
          d,
          eps,
        ]);
      });
    },
    layerNormBackward(a) {
      const { x, dy, mean, rstd, weight, rows, d, dx, dweight, dbias } = a;
      const n = rows * d;
      if (!f32OrNull(x, dy, mean, rstd, weight, dx, dweight, dbias) || n === 0) {
        jsKernels.layerNormBackward(a);
        return;
      }
      withFrame(ctx, (f) => {
        const px = f.in(x as Float32Array, 0, n),
          pdy = f.in(dy as Float32Array, 0, n);
        const pm = f.in(mean as Float32Array, 0, rows),
          pr = f.in(rstd as Float32Array, 0, rows);
        const pw = inOr0(f, weight, d),
          pdx = f.overwrite(dx as Float32Array, 0, n);
        // Each thread sums its rows' dw/db into its own f64 block; the blocks are added at the end.
        const t = planThreads(ctx, rows, 3 * n),
          block = 8 * d;
        const acc = (want: boolean): number => {
          if (!want) return 0;
          const p = f.raw(t * block);
          new Float64Array(heap.buffer, p, t * d).fill(0);
          return p;
        };
        const pwAcc = acc(!!dweight),
          pbAcc = acc(!!dbias);
        parallelItems(
          ctx,
          "layerNormBackward",
          rows,
          3 * n,
          (s, len, k) => [
            px + 4 * s * d,
            pdy + 4 * s * d,
            pm + 4 * s,
            pr + 4 * s,
            pw,
            len,
            d,
            pdx + 4 * s * d,
            pwAcc && pwAcc + k * block,
            pbAcc && pbAcc + k * block,
          ],
          t,
        );
        if (dweight) ex.sumPartials(pwAcc, t, d, f.overwrite(dweight as Float32Array, 0, d));
        if (dbias) ex.sumPartials(pbAcc, t, d, f.overwrite(dbias as Float32Array, 0, d));
      });
    },
    batchNormForward(a) {
      const { x, n, c, l, weight, bias, runningMean, runningVar, training, momentum, eps, out, mean, rstd } = a;
      const size = n * c * l;
      if (!f32OrNull(x, weight, bias, runningMean, runningVar, out, mean, rstd) || size === 0) {
        jsKernels.batchNormForward(a);
        return;
      }
      withFrame(ctx, (f) => {
        const px = f.in(x as Float32Array, 0, size),
          po = f.overwrite(out as Float32Array, 0, size);
        const pm = f.overwrite(mean as Float32Array, 0, c),
          pr = f.overwrite(rstd as Float32Array, 0, c);
        const pw = inOr0(f, weight, c),
          pb = inOr0(f, bias, c);
        // Running statistics are read (eval) or updated in place (training).
        const prm = runningMean ? f.out(runningMean as Float32Array, 0, c) : 0;
        const prv = runningVar ? f.out(runningVar as Float32Array, 0, c) : 0;
        parallelItems(ctx, "batchNormForward", c, (training ? 3 : 1) * size, (s, len) => [
          px,
          po,
          pm,
          pr,
          pw,
          pb,
          prm,
          prv,
          n,
          c,
          l,
          s,
          len,
          +training,
          momentum,
          eps,
        ]);
      });
    },
    batchNormBackward(a) {
      const { x, dy, mean, rstd, weight, n, c, l, training, dx, dweight, dbias } = a;
      const size = n * c * l;
      if (!f32OrNull(x, dy, mean, rstd, weight, dx, dweight, dbias) || size === 0) {
        jsKernels.batchNormBackward(a);
        return;
      }
      withFrame(ctx, (f) => {
        const px = f.in(x as Float32Array, 0, size),
          pdy = f.in(dy as Float32Array, 0, size);
        const pm = f.in(mean as Float32Array, 0, c),
          pr = f.in(rstd as Float32Array, 0, c),
          pw = inOr0(f, weight, c);
        const pdx = overwriteOr0(f, dx, size),
          pdw = overwriteOr0(f, dweight, c),
          pdb = overwriteOr0(f, dbias, c);
        parallelItems(ctx, "batchNormBackward", c, 2 * size, (s, len) => [
          px,
          pdy,
          pm,
          pr,
          pw,
          n,
          c,
          l,
          s,
          len,
          +training,
          pdx,
          pdw,
          pdb,
        ]);
      });
    },
  };
};
