/** Fused cross-entropy on wasm (assembly/loss.ts). */
import { jsKernels } from "../../js/index.js";
import { checkTargets } from "../../js/loss.js";
import { f32, type WasmFamily, withFrame } from "../context.js";

export const lossFamily: WasmFamily = (ctx) => {
  const { ex } = ctx;
  return {
    crossEntropyForward(logits, target, n, c, eps, ignoreIndex, lossRows, logProbs) {
      if (!f32(logits, lossRows, logProbs)) {
        jsKernels.crossEntropyForward(logits, target, n, c, eps, ignoreIndex, lossRows, logProbs);
        return;
      }
      checkTargets(target, n, c, ignoreIndex);
      withFrame(ctx, (f) =>
        ex.crossEntropyForward(
          f.in(logits as Float32Array, 0, n * c),
          f.in(target, 0, n),
          n,
          c,
          eps,
          ignoreIndex,
          f.overwrite(lossRows as Float32Array, 0, n),
          f.overwrite(logProbs as Float32Array, 0, n * c),
        ),
      );
    },
    crossEntropyBackward(logProbs, target, n, c, eps, ignoreIndex, rowGrad, dlogits) {
      if (!f32(logProbs, rowGrad, dlogits)) {
        jsKernels.crossEntropyBackward(logProbs, target, n, c, eps, ignoreIndex, rowGrad, dlogits);
        return;
      }
      withFrame(ctx, (f) =>
        ex.crossEntropyBackward(
          f.in(logProbs as Float32Array, 0, n * c),
          f.in(target, 0, n),
          n,
          c,
          eps,
          ignoreIndex,
          f.in(rowGrad as Float32Array, 0, n),
          f.overwrite(dlogits as Float32Array, 0, n * c),
        ),
      );
    },
  };
};
