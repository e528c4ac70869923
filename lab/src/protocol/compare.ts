/** The opening question's task: every contender trained side by side on MNIST, the same steps each. */
import type { PlainStateDict } from "../lib/model_io.ts";

export interface CompareConfig {
  base: string;
  steps: number;
  batch: number;
  lr: number;
  seed: number;
  evalEvery: number;
}

export interface ContenderProgress {
  id: string;
  step: number;
  seconds: number;
  loss: number;
  testAcc: number | null;
}

export interface ContenderResult {
  id: string;
  step: number;
  seconds: number;
  /** On all 10 000 test images. */
  testAcc: number;
  /** confusion[true · 10 + predicted] over the test set. */
  confusion: number[];
  /** Test images this model gets wrong and every other contender gets right. */
  onlyHere: number;
  mistakes: { i: number; label: number; pred: number; img: Uint8Array }[];
}

export interface CompareTask {
  command: { type: "start"; config: CompareConfig } | { type: "pause" } | { type: "resume" };
  event:
    | { type: "status"; text: string }
    | { type: "models"; params: Record<string, number> }
    | { type: "progress"; models: ContenderProgress[] }
    | { type: "done"; models: ContenderResult[] };
  requests: { stateDict: { args: { id: string }; result: PlainStateDict | null } };
}
