/**
 * `gradlab/node`: the Node-only parts (files on disk). Everything in `gradlab` works in browsers too.
 *
 * @example
 * import { load, mnistDataset, save } from "gradlab/node";
 * const train = mnistDataset("train");
 * save(model.stateDict(), "model.safetensors");
 * model.loadStateDict(load("model.safetensors"));
 */
// The tensor methods and the default backend come with the main entry.
import "./index.js";
export { loadMnist, mnistDataDir, type MnistData } from "./data/mnist_node.js";
export { mnistDataset } from "./data/mnist_dataset_node.js";
export { mobyDick, mobyDickDataDir, firstNames } from "./data/text_node.js";
export { readIdxFile, writeIdxFile } from "./data/idx_node.js";
export { save, load } from "./io/state_dict_node.js";
export { readSafetensorsFile, writeSafetensorsFile } from "./io/safetensors_node.js";
export { train, evaluate, type TrainResult, type EpochMetrics, type TrainOptions } from "./train/train.js";
export { buildModel } from "./cli/model.js";
export { loadModel } from "./cli/load.js";
export { DEFAULT_CONFIG, type TrainConfig, type ArchConfig } from "./cli/config.js";
