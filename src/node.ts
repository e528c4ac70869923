/**
 * `gradlab/node`: the Node-only parts (files on disk). Everything in `gradlab` works in browsers too.
 *
 * @example
 * import { mnistDataset } from "gradlab/node";
 * const train = mnistDataset("train");
 */
export { loadMnist, mnistDataDir, type MnistData } from "./data/mnist_node.js";
export { mnistDataset } from "./data/mnist_dataset_node.js";
export { readIdxFile, writeIdxFile } from "./data/idx_node.js";
