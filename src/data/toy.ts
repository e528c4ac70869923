/** The toy datasets as TensorDatasets: x float32 (n, 2), y int32 (n). */
import { tensor } from "../ops/creation.js";
import { TensorDataset } from "./dataset.js";
import type { Dataset2D } from "./synthetic.js";

export function toTensorDataset(d: Pick<Dataset2D, "x" | "y" | "n">, features = 2): TensorDataset {
  return new TensorDataset(tensor(d.x, { shape: [d.n, features] }), tensor(d.y, { shape: [d.n], dtype: "int32" }));
}
