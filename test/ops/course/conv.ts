/** Course cases of the convolutions (conv2d, conv1d, conv_transpose2d). */
import { cat, F, type Tensor, zeros } from "../../../src/index.js";
import type { ConvPadding, IntOrTuple } from "../../../src/ops/conv.js";
import type { CourseRunner } from "./harness.js";
import { runOp } from "./harness.js";

/** PyTorch's keyword arguments in gradlab's spelling. */
const convArgs = (a: Record<string, unknown>) => ({
  stride: a.stride as IntOrTuple | undefined,
  padding: a.padding as ConvPadding | undefined,
  dilation: a.dilation as IntOrTuple | undefined,
  groups: a.groups as number | undefined,
});

/**
 * The causal case was computed on F.pad(input, (2, 0)): zeros concatenated on the left are the same
 * values and gradients. (F.pad lands on another branch; this runner may use it once both merged.)
 */
const leftPad = (x: Tensor, n: number): Tensor => cat([zeros([x.shape[0], x.shape[1], n]), x], 2);

export const convRunners: Record<string, CourseRunner> = {
  conv2d: (c) => runOp(c, ({ input, weight, bias }, a) => F.conv2d(input, weight, bias, convArgs(a))),
  conv1d: (c) =>
    runOp(c, ({ input, weight, bias }, a) => {
      const causal = c.name === "conv1d:causal_dilated";
      return F.conv1d(causal ? leftPad(input, 2) : input, weight, bias, convArgs(a));
    }),
  conv_transpose2d: (c) =>
    runOp(c, ({ input, weight, bias }, a) =>
      F.convTranspose2d(input, weight, bias, {
        ...convArgs(a),
        padding: a.padding as IntOrTuple | undefined,
        outputPadding: a.output_padding as IntOrTuple | undefined,
      }),
    ),
};
