/** `optim`: SGD, Adam, AdamW, RMSprop, Adagrad and learning-rate schedulers (`optim.lrScheduler`). */
export { Optimizer, type OptimizerStateDict, type ParamGroup } from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
export { Adam, AdamW, type AdamOptions } from "./adam.js";
export { RMSprop, type RMSpropOptions } from "./rmsprop.js";
export { Adagrad, type AdagradOptions } from "./adagrad.js";
export * as lrScheduler from "./lr_scheduler.js";
export {
  LRScheduler,
  StepLR,
  MultiStepLR,
  ExponentialLR,
  CosineAnnealingLR,
  LambdaLR,
  LinearLR,
  SequentialLR,
  OneCycleLR,
  type OneCycleLROptions,
} from "./lr_scheduler.js";
