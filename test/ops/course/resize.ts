/** Course cases of padding, resizing and masking: pad, interpolate, and the causal-mask softmax. */
import { F, ones, triu } from "../../../src/index.js";
import type { PadMode } from "../../../src/nn/functional.js";
import type { CourseRunner } from "./harness.js";
import { runOp } from "./harness.js";

export const resizeRunners: Record<string, CourseRunner> = {
  pad: (c) =>
    runOp(c, ({ input }, { pad, mode, value }) =>
      F.pad(input, pad as number[], { mode: mode as PadMode, value: value as number | undefined }),
    ),
  interpolate: (c) =>
    runOp(c, ({ input }, a) =>
      F.interpolate(input, {
        size: a.size as number[] | undefined,
        scaleFactor: a.scale_factor as number | undefined,
        mode: a.mode as "nearest" | "bilinear",
        alignCorners: a.align_corners as boolean | undefined,
      }),
    ),
  // The note: softmax(input.masked_fill(triu(ones(L, L), diagonal=1), -inf), dim=-1).
  tril_masked_fill: (c) =>
    runOp(c, ({ input }) => {
      const L = input.shape[input.ndim - 1];
      return F.softmax(input.maskedFill(triu(ones([L, L]), 1), -Infinity), -1);
    }),
};
