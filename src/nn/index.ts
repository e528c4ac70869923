/** `nn`: modules, containers, losses, init and the functional API (`nn.functional`, also exported as `F`). */
export { Module, type AnyModule, type StateDict, type LoadResult } from "./module.js";
export { Parameter } from "./parameter.js";
export { Linear } from "./linear.js";
export { Conv1d, Conv2d, ConvTranspose2d, type ConvModuleOptions, type ConvTransposeModuleOptions } from "./conv.js";
export { Sequential, ModuleList } from "./container.js";
export { ModuleDict } from "./container.js";
export { Dropout2d, Unflatten, Upsample, type UpsampleOptions } from "./layers.js";
export {
  ReLU,
  LeakyReLU,
  Sigmoid,
  Tanh,
  GELU,
  SiLU,
  Softmax,
  LogSoftmax,
  Flatten,
  Identity,
  Dropout,
} from "./layers.js";
export { BatchNorm1d, type BatchNorm1dOptions } from "./batchnorm.js";
export {
  TransformerEncoderLayer,
  TransformerEncoder,
  type TransformerEncoderLayerOptions,
  type EncoderForwardOptions,
} from "./transformer.js";
export {
  MultiheadAttention,
  type MultiheadAttentionOptions,
  type MultiheadAttentionForwardOptions,
} from "./attention.js";
export { BatchNorm2d, BatchNorm3d } from "./batchnorm.js";
export { LayerNorm, GroupNorm } from "./normalization.js";
export { MaxPool2d, MaxPool1d, AvgPool2d, AvgPool1d, AdaptiveAvgPool2d } from "./pool.js";
export { Embedding, type EmbeddingModuleOptions } from "./embedding.js";
export {
  RNN,
  LSTM,
  GRU,
  RNNCell,
  LSTMCell,
  GRUCell,
  type RNNBaseOptions,
  type RNNOptions,
  type RNNOutput,
  type LSTMOutput,
} from "./rnn.js";
export { CrossEntropyLoss, NLLLoss, MSELoss, BCELoss, BCEWithLogitsLoss } from "./loss.js";
export { summary, type Summary, type SummaryRow } from "./summary.js";
export * as init from "./init.js";
export * as utils from "./utils.js";
export * as functional from "./functional.js";
