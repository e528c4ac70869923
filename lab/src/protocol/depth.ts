/** The depth-tools page's task: one deep MLP per combination of tools, trained side by side on spirals. */
import type { PlainStateDict } from "../lib/model_io.ts";
import type { OptimizerName } from "./common.ts";

/** A combination of the lecture's three tools for depth. */
export interface Tools {
  kaiming: boolean;
  residual: boolean;
  norm: boolean;
}

export interface DepthConfig {
  depth: number;
  width: number;
  steps: number;
  batch: number;
  lr: number;
  optimizer: OptimizerName;
  seed: number;
  variants: Tools[];
}

export interface VariantProgress {
  id: string;
  step: number;
  /** Mean loss of the steps since the last report (NaN once diverged). */
  loss: number;
  /** Accuracy on all points, in eval mode. */
  accuracy: number;
  /** ‖∂L/∂W‖ of each hidden layer: at the start on the whole data set, and on the latest training batch. */
  normsAtStart: number[];
  normsNow: number[];
  divergedAt: number | null;
}

export interface DepthTask {
  command: { type: "start"; config: DepthConfig } | { type: "pause" } | { type: "resume" };
  event: { type: "progress"; variants: VariantProgress[] } | { type: "done"; step: number };
  requests: { stateDict: { args: { id: string }; result: PlainStateDict | null } };
}

export const toolsId = (t: Tools): string =>
  [t.kaiming ? "kaiming" : "", t.residual ? "residual" : "", t.norm ? "norm" : ""].filter(Boolean).join("+") || "plain";

export const toolsLabel = (t: Tools): string =>
  [t.kaiming ? "He init" : "default init", ...(t.residual ? ["residual"] : []), ...(t.norm ? ["BatchNorm"] : [])].join(
    " + ",
  );
