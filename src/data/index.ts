/** `data`: datasets, the DataLoader, splits (random, group, time), IDX parsing and toy datasets. */
export { Dataset, TensorDataset, Subset } from "./dataset.js";
export { DataLoader, type DataLoaderOptions } from "./dataloader.js";
export { randomSplit, groupSplitDataset, timeSplitDataset } from "./split_datasets.js";
export {
  splitLengths,
  randomSplitIndices,
  groupSplit,
  timeSplit,
  groupLeakage,
  splitLeakage,
  gatherGroups,
  type SplitIndices,
  type GroupKey,
} from "./splits.js";
export { patientsDataset, type PatientsDataset, type PatientsOptions } from "./patients.js";
export {
  xor,
  xorCloud,
  spirals,
  moons,
  circles,
  gaussianBlobs,
  type Dataset2D,
  type SpiralsOptions,
} from "./synthetic.js";
export { toTensorDataset } from "./toy.js";
export {
  CharTokenizer,
  TokenBlocks,
  splitChapters,
  joinChapters,
  type Chapter,
  type CharTokenizerData,
  type TokenBlocksOptions,
  type ChapterRanges,
  type ChapterFractions,
  type ChapterSplit,
} from "./text.js";
export { mnistStyle } from "./mnist_style.js";
export { parseIdx, parseIdxAsync, encodeIdx, IdxError, type IdxArray } from "./idx.js";
