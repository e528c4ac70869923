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

/**
 * The choices of a page's backend switch (`backend=` in the link). `auto` is WebGPU when the
 * browser gives a hardware adapter (not a fallback one), else wasm; `webgpu` asks for WebGPU even on
 * a fallback (software) adapter and falls back to wasm, saying so, when there is none.
 */
export const BACKENDS = ["auto", "wasm", "js", "webgpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

/** What a training worker runs on: the backend's name and the indicator's words ("wasm, 2 threads"). */
export interface BackendStatus {
  /** The backend that runs: "wasm", "js" or "webgpu". */
  name: string;
  label: string;
  /** What the page asked for. */
  requested: BackendName;
  /** Why the backend that runs is not the one asked for (or what `auto` decided), in words; null when nothing to say. */
  note: string | null;
  /** The WebGPU adapter ("google swiftshader"), when webgpu runs. */
  adapter: string | null;
  /** True when that adapter is a fallback (software) adapter: correct, but no GPU speed. */
  fallbackAdapter: boolean;
}
