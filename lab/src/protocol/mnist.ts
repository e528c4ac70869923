/** The MNIST page's task: the lecture's 784-256-256-10 MLP trained on the real files, seeded. */
import type { OptimizerName, StateDictRequest } from "./common.ts";

export interface MnistConfig {
  /** URL of the folder with the IDX files. */
  base: string;
  steps: number;
  batch: number;
  lr: number;
  optimizer: OptimizerName;
  /** Steps between test-accuracy readings on the first `testSubset` test images. */
  evalEvery: number;
  testSubset: number;
  /** Seeds the initial weights and the order of the batches: the same link, the same run. */
  seed: number;
}

export interface MnistItem {
  i: number;
  label: number;
  pred: number;
  conf: number;
  img: Uint8Array;
}

export interface MnistTask {
  command:
    | { type: "start"; config: MnistConfig }
    | { type: "pause" }
    | { type: "resume" }
    | { type: "set"; lr: number };
  event:
    | { type: "status"; text: string }
    | { type: "data"; train: number; test: number }
    | { type: "loss"; step: number; loss: number; seconds: number; testAcc?: number }
    | { type: "done"; step: number; testAcc: number; seconds: number; gallery: MnistItem[]; mistakes: MnistItem[] };
  requests: StateDictRequest & { predict: { args: { pixels: Float32Array }; result: number[] | null } };
}
