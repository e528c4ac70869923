/** Course cases of the pooling ops (PyTorch's keyword args mapped to gradlab's options). */
import { F } from "../../../src/index.js";
import type { CourseRunner } from "./harness.js";
import { runOp } from "./harness.js";

type Args = Record<string, unknown>;
const pair = (v: unknown): number | [number, number] => v as number | [number, number];

export const poolRunners: Record<string, CourseRunner> = {
  max_pool2d: (c) =>
    runOp(c, ({ input }, a: Args) =>
      F.maxPool2d(input, pair(a.kernel_size), {
        stride: (a.stride ?? null) as number | null,
        padding: pair(a.padding ?? 0),
        dilation: pair(a.dilation ?? 1),
        ceilMode: (a.ceil_mode ?? false) as boolean,
      }),
    ),
  avg_pool2d: (c) =>
    runOp(c, ({ input }, a: Args) =>
      F.avgPool2d(input, pair(a.kernel_size), {
        stride: (a.stride ?? null) as number | null,
        padding: pair(a.padding ?? 0),
        ceilMode: (a.ceil_mode ?? false) as boolean,
        countIncludePad: (a.count_include_pad ?? true) as boolean,
        divisorOverride: (a.divisor_override ?? null) as number | null,
      }),
    ),
  adaptive_avg_pool2d: (c) =>
    runOp(c, ({ input }, a: Args) => F.adaptiveAvgPool2d(input, a.output_size as number | [number, number])),
  max_pool1d: (c) =>
    runOp(c, ({ input }, a: Args) =>
      F.maxPool1d(input, a.kernel_size as number, {
        stride: (a.stride ?? null) as number | null,
        padding: (a.padding ?? 0) as number,
        ceilMode: (a.ceil_mode ?? false) as boolean,
      }),
    ),
};
