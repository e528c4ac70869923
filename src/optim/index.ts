/** `optim`: SGD, Adam, AdamW and learning-rate schedulers (`optim.lrScheduler`). */
export { Optimizer, type OptimizerStateDict, type ParamGroup } from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
export { Adam, AdamW, type AdamOptions } from "./adam.js";
export * as lrScheduler from "./lr_scheduler.js";
export { StepLR, CosineAnnealingLR, LambdaLR } from "./lr_scheduler.js";
