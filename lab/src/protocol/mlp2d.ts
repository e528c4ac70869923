/** The 2-D classification task (spirals, XOR, moons, ...): an MLP trained live on points in the plane. */
import type { MlpConfig } from "../lib/mlp.ts";
import type { View } from "../lib/plot.ts";
import type { LayerWeights, OptimizerName, StateDictRequest } from "./common.ts";

export const DATASETS_2D = ["spirals", "moons", "circles", "xor", "xorcloud", "blobs"] as const;
export type Dataset2DName = (typeof DATASETS_2D)[number];

export interface Point {
  x: number;
  y: number;
  label: number;
}

export interface Mlp2dConfig {
  dataset: Dataset2DName;
  n: number;
  noise: number;
  turns: number;
  classes: number;
  seed: number;
  mlp: MlpConfig;
  optimizer: OptimizerName;
  lr: number;
  batch: number;
  /** Resolution of the decision-region grid. */
  grid: number;
  testFrac: number;
  evalMode: "eval" | "train";
  maxSteps?: number;
  extra?: Point[];
}

export interface Mlp2dProgress {
  type: "progress";
  step: number;
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  testLoss: number;
  testAcc: number;
  /** (grid², classes) class probabilities over the view. */
  probs: Float32Array;
  /** The training points as the last hidden layer sees them, (n, 2). */
  hidden: Float32Array | null;
  hiddenKind: "none" | "raw" | "pca";
  /**
   * Per hidden layer (ReLU only, else null): units off on every training point ("dead": output 0,
   * gradient 0) and units on for every point ("linear": the ReLU never bends anything there).
   */
  units: { dead: number[]; linear: number[] } | null;
  layers: LayerWeights[];
}

export interface Mlp2dTask {
  command:
    | { type: "start"; config: Mlp2dConfig; autostart: boolean }
    | { type: "pause" }
    | { type: "resume" }
    | { type: "set"; lr?: number; batch?: number; evalMode?: "eval" | "train" }
    | { type: "addPoint"; point: Point };
  event:
    | {
        type: "data";
        xTrain: number[];
        yTrain: number[];
        xTest: number[];
        yTest: number[];
        view: View;
        classes: number;
      }
    | Mlp2dProgress
    | { type: "curve"; step: number[]; train: number[]; test: number[] }
    | { type: "done"; step: number };
  requests: StateDictRequest;
}
