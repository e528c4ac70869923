/** Shapes several tasks share. */
import type { PlainStateDict } from "../lib/model_io.ts";

export type OptimizerName = "sgd" | "adam";

/** One Linear layer's weights for a network diagram: (outputs, inputs) row-major. */
export interface LayerWeights {
  weight: Float32Array;
  bias: Float32Array | null;
  inputs: number;
  outputs: number;
}

/** The answer to "give me the current model": weights, or null before a model exists. */
export type StateDictRequest = { stateDict: { args: null; result: PlainStateDict | null } };

/** The backends a page's switch offers (WebGPU joins once the library exports its picker). */
export const BACKENDS = ["wasm", "js"] as const;
export type BackendName = (typeof BACKENDS)[number];

/** What a training worker runs on: the backend's name and the indicator's words ("wasm, 2 threads"). */
export interface BackendStatus {
  name: string;
  label: string;
  available: BackendName[];
}
