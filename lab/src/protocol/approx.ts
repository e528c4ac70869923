/** The universal-approximation page's task: fit a 1-D target with one hidden layer; then wide versus deep. */
import type { PlainStateDict } from "../lib/model_io.ts";
import type { LayerWeights } from "./common.ts";

export interface FitConfig {
  target: Float32Array;
  units: number;
  steps: number;
  lr: number;
  seed: number;
}
export interface RaceConfig {
  layers: number;
  steps: number;
  lr: number;
  seed: number;
}

export interface FitProgress {
  type: "fit";
  step: number;
  loss: number;
  /**
   * The network's output at each target point, each unit's piece vᵢ·ReLU(wᵢx + bᵢ) (units × points),
   * and the output bias.
   */
  fit: Float32Array;
  pieces: Float32Array;
  bias: number;
  /** Where each unit bends (x = −bᵢ/wᵢ), or NaN when wᵢ = 0. */
  kinks: Float32Array;
  layers: LayerWeights[];
  done: boolean;
}

export interface RaceProgress {
  type: "race";
  step: number;
  done: boolean;
  /** One target, three networks: deep and narrow with weights set by hand, the same trained, one wide layer. */
  handLoss: number;
  deepLoss: number;
  wideLoss: number;
  hand: Float32Array;
  deep: Float32Array;
  wide: Float32Array;
  target: Float32Array;
  params: { deep: number; wide: number };
}

export interface ApproxTask {
  command: { type: "fit"; config: FitConfig } | { type: "race"; config: RaceConfig } | { type: "stop" };
  event: FitProgress | RaceProgress;
  requests: { stateDict: { args: { which: "fit" | "deep" | "wide" }; result: PlainStateDict | null } };
}
