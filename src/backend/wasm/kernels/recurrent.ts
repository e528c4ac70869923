/**
 * Recurrent cells on wasm (assembly/recurrent.ts). Each call marshals only its step's slices of
 * the whole-sequence buffers (offset, length), so a sequence in ordinary arrays is copied a step
 * at a time, never whole.
 */
import type { FloatArray } from "../../../tensor/dtype.js";
import { jsKernels } from "../../js/index.js";
import { type WasmContext, type WasmFamily, withFrame } from "../context.js";
import type { Frame } from "../frame.js";

const isF32 = (a: FloatArray | null): boolean => a === null || a instanceof Float32Array;

/** Pointer to a read-only slice; 0 for a null array (the kernels' "no gradient from the output"). */
const slice = (f: Frame, a: FloatArray | null, off: number, len: number): number => (a ? f.in(a as Float32Array, off, len) : 0);

export const recurrentFamily: WasmFamily = (ctx: WasmContext) => {
  const { ex } = ctx;
  return {
    rnnCell(n, hs, relu, xProj, xOff, h, hOff) {
      if (!isF32(xProj) || !isF32(h)) { jsKernels.rnnCell(n, hs, relu, xProj, xOff, h, hOff); return; }
      const len = n * hs;
      withFrame(ctx, (f) => ex.rnnCell(n, hs, +relu, slice(f, xProj, xOff, len), 0, f.out(h as Float32Array, hOff, len), 0));
    },
    rnnCellBackward(n, hs, relu, h, hOff, dhOut, dhOff, dhRec, dPre, dpOff) {
      if (![h, dhOut, dhRec, dPre].every(isF32)) { jsKernels.rnnCellBackward(n, hs, relu, h, hOff, dhOut, dhOff, dhRec, dPre, dpOff); return; }
      const len = n * hs;
      withFrame(ctx, (f) => ex.rnnCellBackward(n, hs, +relu, slice(f, h, hOff, len), 0, slice(f, dhOut, dhOff, len), 0,
        slice(f, dhRec, 0, len), f.overwrite(dPre as Float32Array, dpOff, len), 0));
    },
    lstmCell(n, hs, xProj, xOff, gates, gOff, cPrev, cpOff, c, cOff, h, hOff) {
      if (![xProj, gates, cPrev, c, h].every(isF32)) {
        jsKernels.lstmCell(n, hs, xProj, xOff, gates, gOff, cPrev, cpOff, c, cOff, h, hOff); return;
      }
      const len = n * hs, glen = 4 * len;
      withFrame(ctx, (f) => ex.lstmCell(n, hs, slice(f, xProj, xOff, glen), 0, f.out(gates as Float32Array, gOff, glen), 0,
        slice(f, cPrev, cpOff, len), 0, f.overwrite(c as Float32Array, cOff, len), 0, f.overwrite(h as Float32Array, hOff, len), 0));
    },
    lstmCellBackward(n, hs, gates, gOff, cPrev, cpOff, c, cOff, dhOut, dhOff, dhRec, dc, dGates, dgOff) {
      if (![gates, cPrev, c, dhOut, dhRec, dc, dGates].every(isF32)) {
        jsKernels.lstmCellBackward(n, hs, gates, gOff, cPrev, cpOff, c, cOff, dhOut, dhOff, dhRec, dc, dGates, dgOff); return;
      }
      const len = n * hs, glen = 4 * len;
      withFrame(ctx, (f) => ex.lstmCellBackward(n, hs, slice(f, gates, gOff, glen), 0, slice(f, cPrev, cpOff, len), 0,
        slice(f, c, cOff, len), 0, slice(f, dhOut, dhOff, len), 0, slice(f, dhRec, 0, len), f.out(dc as Float32Array, 0, len),
        f.overwrite(dGates as Float32Array, dgOff, glen), 0));
    },
    gruCell(n, hs, xProj, xOff, hProj, hpOff, hPrev, hPrevOff, gates, gOff, h, hOff) {
      if (![xProj, hProj, hPrev, gates, h].every(isF32)) {
        jsKernels.gruCell(n, hs, xProj, xOff, hProj, hpOff, hPrev, hPrevOff, gates, gOff, h, hOff); return;
      }
      const len = n * hs, glen = 3 * len;
      withFrame(ctx, (f) => ex.gruCell(n, hs, slice(f, xProj, xOff, glen), 0, slice(f, hProj, hpOff, glen), 0, slice(f, hPrev, hPrevOff, len), 0,
        f.overwrite(gates as Float32Array, gOff, glen), 0, f.overwrite(h as Float32Array, hOff, len), 0));
    },
    gruCellBackward(n, hs, gates, gOff, hProj, hpOff, hPrev, hPrevOff, dhOut, dhOff, dhRec, dX, dxOff, dHProj, dhpOff) {
      if (![gates, hProj, hPrev, dhOut, dhRec, dX, dHProj].every(isF32)) {
        jsKernels.gruCellBackward(n, hs, gates, gOff, hProj, hpOff, hPrev, hPrevOff, dhOut, dhOff, dhRec, dX, dxOff, dHProj, dhpOff); return;
      }
      const len = n * hs, glen = 3 * len;
      withFrame(ctx, (f) => ex.gruCellBackward(n, hs, slice(f, gates, gOff, glen), 0, slice(f, hProj, hpOff, glen), 0,
        slice(f, hPrev, hPrevOff, len), 0, slice(f, dhOut, dhOff, len), 0, f.out(dhRec as Float32Array, 0, len),
        f.overwrite(dX as Float32Array, dxOff, glen), 0, f.overwrite(dHProj as Float32Array, dhpOff, glen), 0));
    },
  };
};
