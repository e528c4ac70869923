/**
 * gradlab — a PyTorch-style deep learning library for TypeScript.
 *
 * @example
 * import { nn, optim, tensor, manualSeed } from "gradlab";
 */
import "./ops/tensor_methods.js";
export { Tensor, type TensorLike, type NestedArray } from "./tensor/tensor.js";
export type { DType, TypedArray } from "./tensor/dtype.js";
export { manualSeed, Generator, defaultGenerator, randperm } from "./tensor/random.js";
export {
  tensor,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  fullLike,
  randn,
  rand,
  randnLike,
  randLike,
  randint,
  arange,
  linspace,
  eye,
  type TensorOptions,
} from "./ops/creation.js";
export {
  add,
  sub,
  mul,
  div,
  pow,
  neg,
  exp,
  log,
  log1p,
  sqrt,
  abs,
  square,
  clamp,
  maximum,
  minimum,
  eq,
  ne,
  gt,
  lt,
  ge,
  le,
  isclose,
  allclose,
} from "./ops/elementwise.js";
export { relu, sigmoid, tanh, gelu, silu, leakyRelu } from "./ops/activation.js";
export { sum, mean, argmax, argmin, norm } from "./ops/reduce.js";
export { matmul } from "./ops/matmul.js";
export { softmax, logSoftmax } from "./ops/softmax.js";
export { topk, sort, argsort, cumsum, multinomial, type MultinomialOptions } from "./ops/sampling.js";
export {
  reshape,
  flatten,
  transpose,
  permute,
  squeeze,
  unsqueeze,
  cat,
  stack,
  indexSelect,
  gather,
  narrow,
} from "./ops/shape.js";
export { where, maskedFill, tril, triu } from "./ops/select.js";
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from "./autograd/grad_mode.js";
export { gradcheck, type GradcheckOptions } from "./autograd/gradcheck.js";
export * as autograd from "./autograd/index.js";
export {
  setBackend,
  getBackend,
  getDevice,
  listBackends,
  registerBackend,
  fallbackCounts,
  resetFallbackCounts,
} from "./backend/registry.js";
export {
  initWasmBackend,
  setNumThreads,
  setNumThreadsAsync,
  getNumThreads,
  wasmBackendInfo,
} from "./backend/wasm/index.js";
import "./backend/default.js";
export { initWebGpuBackend, webgpuContext } from "./backend/webgpu/backend.js";
export * as nn from "./nn/index.js";
export * as F from "./nn/functional.js";
export * as optim from "./optim/index.js";
export * as data from "./data/index.js";
export * as models from "./models/index.js";
export * as io from "./io/index.js";
