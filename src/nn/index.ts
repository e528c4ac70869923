/** `nn`: modules, containers, losses, init and the functional API (`nn.functional`, also exported as `F`). */
export { Module, type AnyModule, type StateDict, type LoadResult } from "./module.js";
export { Parameter } from "./parameter.js";
export { Linear } from "./linear.js";
export { Sequential, ModuleList } from "./container.js";
export { ReLU, LeakyReLU, Sigmoid, Tanh, GELU, SiLU, Softmax, LogSoftmax, Flatten, Identity, Dropout } from "./layers.js";
export { BatchNorm1d } from "./batchnorm.js";
export { Embedding, type EmbeddingModuleOptions } from "./embedding.js";
export {
  RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell, type RNNBaseOptions, type RNNOptions, type RNNOutput, type LSTMOutput,
} from "./rnn.js";
export { CrossEntropyLoss, NLLLoss, MSELoss, BCELoss, BCEWithLogitsLoss } from "./loss.js";
export { summary, type Summary, type SummaryRow } from "./summary.js";
export * as init from "./init.js";
export * as functional from "./functional.js";
