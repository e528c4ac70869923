/**
 * The text pages' task: a character GPT trained on chapters of Moby-Dick (fetched from the lab's
 * moby-dick/ folder), sampled at any moment; each head's attention for a typed sentence; and the
 * gradient that reaches each earlier time step in a plain RNN, an LSTM and an attention layer.
 */
import type { PlainStateDict } from "../lib/model_io.ts";
import type { BackendName, BackendStatus } from "./common.ts";

export interface TextConfig {
  /** URL of the folder holding chapter_<n>.txt. */
  base: string;
  /** Train on chapters 1..trainChapters; validate on the next chapter (a whole chapter the model never sees). */
  trainChapters: number;
  layers: number;
  heads: number;
  width: number;
  block: number;
  batch: number;
  steps: number;
  lr: number;
  seed: number;
  backend: BackendName;
}

export interface TextProgress {
  step: number;
  /** Mean training loss since the last report. */
  loss: number;
  /** Cross-entropy on the validation chapter's first blocks, or null between evaluations. */
  valLoss: number | null;
  seconds: number;
  tokensPerSecond: number;
}

export interface AttentionMaps {
  /** The characters shown (the typed text, without characters outside the vocabulary, at most `block`). */
  chars: string[];
  layers: number;
  heads: number;
  /** weights[((layer · heads + head) · T + query) · T + key] */
  weights: Float32Array;
}

export interface GradReach {
  steps: number;
  /** ‖∂loss/∂x_t‖ for t = 1..steps, the loss read at the last step. */
  rnn: number[];
  lstm: number[];
  attention: number[];
}

export interface TextTask {
  command: { type: "start"; config: TextConfig } | { type: "pause" } | { type: "resume" };
  event:
    | { type: "status"; text: string }
    | { type: "backend"; status: BackendStatus }
    | { type: "corpus"; trainChars: number; valChars: number; vocab: number; params: number }
    | ({ type: "progress" } & TextProgress)
    | { type: "done"; step: number; valLoss: number; seconds: number };
  requests: {
    sample: { args: { prompt: string; tokens: number; temperature: number; seed: number }; result: string | null };
    attention: { args: { text: string }; result: AttentionMaps | null };
    gradReach: { args: { steps: number; width: number; seed: number }; result: GradReach };
    stateDict: { args: null; result: PlainStateDict | null };
  };
}
