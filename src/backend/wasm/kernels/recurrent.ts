/**
 * Recurrent cells on wasm (assembly/recurrent.ts). Each call marshals only its step's slices of
 * the whole-sequence buffers (offset, length), so a sequence in ordinary arrays is copied a step
 * at a time, never whole.
 */
import type { FloatArray } from "../../../tensor/dtype.js";
import { jsKernels } from "../../js/index.js";
import { type WasmContext, type WasmFamily, withFrame } from "../context.js";
import type { Frame } from "../frame.js";

/** float32 arrays (or null) run on wasm; float64 (gradcheck) goes to the reference. */
const allF32 = (...xs: (FloatArray | null)[]): boolean => xs.every((a) => a === null || a instanceof Float32Array);

/** Pointer to a read-only slice; 0 for a null array (the kernels' "no gradient from the output"). */
const slice = (f: Frame, a: FloatArray | null, off: number, len: number): number =>
  a ? f.in(a as Float32Array, off, len) : 0;
/** A slice the kernel reads and writes. */
const inout = (f: Frame, a: FloatArray, off: number, len: number): number => f.out(a as Float32Array, off, len);
/** A slice the kernel writes in full. */
const out = (f: Frame, a: FloatArray, off: number, len: number): number => f.overwrite(a as Float32Array, off, len);

// Every slice is passed with offset 0: the pointer already points at it.
export const recurrentFamily: WasmFamily = (ctx: WasmContext) => {
  const { ex } = ctx;
  return {
    rnnCell(n, hs, relu, xProj, xOff, h, hOff) {
      if (!allF32(xProj, h)) {
        jsKernels.rnnCell(n, hs, relu, xProj, xOff, h, hOff);
        return;
      }
      const len = n * hs;
      withFrame(ctx, (f) => ex.rnnCell(n, hs, +relu, slice(f, xProj, xOff, len), 0, inout(f, h, hOff, len), 0));
    },
    rnnCellBackward(n, hs, relu, h, hOff, dhOut, dhOff, dhRec, dPre, dpOff) {
      if (!allF32(h, dhOut, dhRec, dPre)) {
        jsKernels.rnnCellBackward(n, hs, relu, h, hOff, dhOut, dhOff, dhRec, dPre, dpOff);
        return;
      }
      const len = n * hs;
      withFrame(ctx, (f) =>
        ex.rnnCellBackward(
          n,
          hs,
          +relu,
          slice(f, h, hOff, len),
          0,
          slice(f, dhOut, dhOff, len),
          0,
          slice(f, dhRec, 0, len),
          out(f, dPre, dpOff, len),
          0,
        ),
      );
    },
    lstmCell(n, hs, xProj, xOff, gates, gOff, cPrev, cpOff, c, cOff, h, hOff) {
      if (!allF32(xProj, gates, cPrev, c, h)) {
        jsKernels.lstmCell(n, hs, xProj, xOff, gates, gOff, cPrev, cpOff, c, cOff, h, hOff);
        return;
      }
      const len = n * hs,
        glen = 4 * len;
      withFrame(ctx, (f) =>
        ex.lstmCell(
          n,
          hs,
          slice(f, xProj, xOff, glen),
          0,
          inout(f, gates, gOff, glen),
          0,
          slice(f, cPrev, cpOff, len),
          0,
          out(f, c, cOff, len),
          0,
          out(f, h, hOff, len),
          0,
        ),
      );
    },
    lstmCellBackward(n, hs, gates, gOff, cPrev, cpOff, c, cOff, dhOut, dhOff, dhRec, dc, dGates, dgOff) {
      if (!allF32(gates, cPrev, c, dhOut, dhRec, dc, dGates)) {
        jsKernels.lstmCellBackward(n, hs, gates, gOff, cPrev, cpOff, c, cOff, dhOut, dhOff, dhRec, dc, dGates, dgOff);
        return;
      }
      const len = n * hs,
        glen = 4 * len;
      withFrame(ctx, (f) =>
        ex.lstmCellBackward(
          n,
          hs,
          slice(f, gates, gOff, glen),
          0,
          slice(f, cPrev, cpOff, len),
          0,
          slice(f, c, cOff, len),
          0,
          slice(f, dhOut, dhOff, len),
          0,
          slice(f, dhRec, 0, len),
          inout(f, dc, 0, len),
          out(f, dGates, dgOff, glen),
          0,
        ),
      );
    },
    gruCell(n, hs, xProj, xOff, hProj, hpOff, hPrev, hPrevOff, gates, gOff, h, hOff) {
      if (!allF32(xProj, hProj, hPrev, gates, h)) {
        jsKernels.gruCell(n, hs, xProj, xOff, hProj, hpOff, hPrev, hPrevOff, gates, gOff, h, hOff);
        return;
      }
      const len = n * hs,
        glen = 3 * len;
      withFrame(ctx, (f) =>
        ex.gruCell(
          n,
          hs,
          slice(f, xProj, xOff, glen),
          0,
          slice(f, hProj, hpOff, glen),
          0,
          slice(f, hPrev, hPrevOff, len),
          0,
          out(f, gates, gOff, glen),
          0,
          out(f, h, hOff, len),
          0,
        ),
      );
    },
    gruCellBackward(n, hs, gates, gOff, hProj, hpOff, hPrev, hPrevOff, dhOut, dhOff, dhRec, dX, dxOff, dHProj, dhpOff) {
      if (!allF32(gates, hProj, hPrev, dhOut, dhRec, dX, dHProj)) {
        jsKernels.gruCellBackward(
          n,
          hs,
          gates,
          gOff,
          hProj,
          hpOff,
          hPrev,
          hPrevOff,
          dhOut,
          dhOff,
          dhRec,
          dX,
          dxOff,
          dHProj,
          dhpOff,
        );
        return;
      }
      const len = n * hs,
        glen = 3 * len;
      withFrame(ctx, (f) =>
        ex.gruCellBackward(
          n,
          hs,
          slice(f, gates, gOff, glen),
          0,
          slice(f, hProj, hpOff, glen),
          0,
          slice(f, hPrev, hPrevOff, len),
          0,
          slice(f, dhOut, dhOff, len),
          0,
          inout(f, dhRec, 0, len),
          out(f, dX, dxOff, glen),
          0,
          out(f, dHProj, dhpOff, glen),
          0,
        ),
      );
    },
  };
};
