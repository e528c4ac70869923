/**
 * `autograd`: PyTorch's `torch.autograd` — `grad` (gradients returned, not accumulated),
 * `backward`, `gradcheck`, and the grad-mode switches.
 */
export { backward, grad, type BackwardOptions } from "./graph.js";
export { gradcheck, type GradcheckOptions } from "./gradcheck.js";
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from "./grad_mode.js";
