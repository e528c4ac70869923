/** Every page of the lab, in the lecture's order; the index places each on the course map by its stage. */
import { attention } from "./attention.ts";
import { backprop } from "./backprop.ts";
import { bugs } from "./bugs.ts";
import { convolution } from "./convolution.ts";
import { depthTools } from "./depth_tools.ts";
import { linearCollapse } from "./linear_collapse.ts";
import { mnist } from "./mnist.ts";
import { neuron } from "./neuron.ts";
import { openingQuestion } from "./opening_question.ts";
import { softmaxDemo } from "./softmax.ts";
import { spiralsDemo } from "./spirals.ts";
import { representation } from "./representation.ts";
import { splits } from "./splits.ts";
import { textGeneration } from "./text_generation.ts";
import { universalApproximation } from "./universal_approximation.ts";
import type { Demo } from "./types.ts";
import { vanishing } from "./vanishing.ts";
import { xor } from "./xor.ts";

export const demos: Demo[] = [
  openingQuestion,
  representation,
  neuron,
  linearCollapse,
  xor,
  spiralsDemo,
  softmaxDemo,
  backprop,
  universalApproximation,
  vanishing,
  depthTools,
  mnist,
  bugs,
  splits,
  convolution,
  attention,
  textGeneration,
];
