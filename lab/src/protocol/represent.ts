/** The representation-learning page's task: an MNIST MLP trained while its hidden layers are photographed. */
import type { PlainStateDict } from "../lib/model_io.ts";

export interface RepresentConfig {
  base: string;
  hidden: number;
  steps: number;
  batch: number;
  lr: number;
  seed: number;
  snapshotEvery: number;
}

/** The probe: the first PROBE test images, on which every snapshot is taken. */
export const PROBE = 1000;

export interface Projection {
  points: Float32Array;
  separation: number;
}

export interface Snapshot {
  type: "snapshot";
  step: number;
  loss: number;
  probeAcc: number;
  done: boolean;
  /** First-layer weights, (hidden, 784) row-major: row u is unit u's picture. */
  weights: Float32Array;
  /** Mean first-layer activation of each unit over the probe images of each digit: (10, hidden). */
  digitMeans: Float32Array;
  /** The probe images in 2-D (PCA) as each hidden layer sees them, and how well the digits separate there. */
  layers: [Projection, Projection];
}

export interface RepresentTask {
  command: { type: "start"; config: RepresentConfig } | { type: "pause" } | { type: "resume" };
  event:
    | { type: "status"; text: string }
    | { type: "probe"; labels: Uint8Array; pixels: Projection; digitImages: Float32Array }
    | Snapshot;
  requests: { stateDict: { args: null; result: PlainStateDict | null } };
}
