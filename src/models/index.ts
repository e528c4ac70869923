/** `models`: ready-made networks as PyTorch users would write them (state-dict keys load into PyTorch). */
export { lenet5, type LeNet5Options } from "./lenet.js";
export { BasicBlock, resnet, type ResNetOptions } from "./resnet.js";
export {
  CharLSTM,
  charLstm,
  type CharLSTMOptions,
  generate,
  generateAsync,
  type GenerateOptions,
  GPT,
  gpt,
  type GPTOptions,
  type LanguageModel,
  MakemoreMLP,
  makemoreMlp,
  type MakemoreMLPOptions,
} from "./gpt.js";
