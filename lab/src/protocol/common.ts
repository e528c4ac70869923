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
