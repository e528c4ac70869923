/** The convolution page's task: LeNet trained on MNIST, its feature maps for one image, a hand-made 3×3 kernel. */
import type { PlainStateDict } from "../lib/model_io.ts";
import type { BackendName, BackendStatus } from "./common.ts";

export interface ConvConfig {
  base: string;
  steps: number;
  batch: number;
  lr: number;
  seed: number;
  backend: BackendName;
}

/** One layer's feature maps for one image: `channels` maps of h × w, channel-major. */
export interface FeatureMaps {
  name: string;
  channels: number;
  h: number;
  w: number;
  data: Float32Array;
}

/** An image as the page holds it: 784 values in [0, 1] (ink = 1), as data.mnistStyle returns. */
export type Pixels = Float32Array;

export interface ConvTask {
  command: { type: "start"; config: ConvConfig } | { type: "pause" } | { type: "resume" };
  event:
    | { type: "status"; text: string }
    | { type: "backend"; status: BackendStatus }
    | { type: "progress"; step: number; loss: number; testAcc: number | null; seconds: number }
    | { type: "done"; step: number; testAcc: number; seconds: number };
  requests: {
    maps: { args: { pixels: Pixels }; result: { layers: FeatureMaps[]; probs: number[] } | null };
    filters: { args: null; result: { weight: Float32Array; channels: number; k: number } | null };
    kernel: { args: { pixels: Pixels; kernel: number[] }; result: Float32Array };
    testImage: { args: { i: number }; result: { pixels: Pixels; label: number } | null };
    stateDict: { args: null; result: PlainStateDict | null };
  };
}
