/** The vanishing-gradients page's task: one forward and backward pass of a deep stack, its per-layer gradient norms. */
import type { DeepNetConfig } from "../lib/deepnet.ts";
import type { RequestOnly } from "./wire.ts";

export interface GradientsArgs {
  net: DeepNetConfig;
  seed: number;
  batch: number;
}
export interface GradientsResult {
  norms: number[];
  loss: number;
}

export type GradientsTask = RequestOnly<{ norms: { args: GradientsArgs; result: GradientsResult } }>;
