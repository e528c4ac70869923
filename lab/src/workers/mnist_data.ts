/** MNIST in a worker: the four IDX files fetched once, batches normalised as the lecture does. */
import { tensor, type Tensor } from "gradlab";
import { parseIdx } from "gradlab/data/idx.ts";

export const MNIST_MEAN = 0.1307,
  MNIST_STD = 0.3081;
export const PIXELS = 784;

export interface Mnist {
  trainX: Uint8Array;
  trainY: Uint8Array;
  testX: Uint8Array;
  testY: Uint8Array;
}

async function fetchIdx(base: string, name: string): Promise<Uint8Array> {
  const res = await fetch(new URL(name, base));
  if (!res.ok) throw new Error(`could not load MNIST file ${name}: HTTP ${res.status}`);
  return parseIdx(new Uint8Array(await res.arrayBuffer()), name).data as Uint8Array;
}

/** `base` is the URL of the folder holding the IDX files (the lab serves them at mnist/). */
export async function loadMnist(base: string): Promise<Mnist> {
  const [trainX, trainY, testX, testY] = await Promise.all([
    fetchIdx(base, "train-images-idx3-ubyte"),
    fetchIdx(base, "train-labels-idx1-ubyte"),
    fetchIdx(base, "t10k-images-idx3-ubyte"),
    fetchIdx(base, "t10k-labels-idx1-ubyte"),
  ]);
  return { trainX, trainY, testX, testY };
}

/** Images `idx` as a (n, 784) tensor of (pixel/255 − 0.1307) / 0.3081. */
export function pixelBatch(x: Uint8Array, idx: ArrayLike<number>): Tensor {
  const out = new Float32Array(idx.length * PIXELS);
  for (let k = 0; k < idx.length; k++) {
    const off = idx[k] * PIXELS;
    for (let j = 0; j < PIXELS; j++) out[k * PIXELS + j] = (x[off + j] / 255 - MNIST_MEAN) / MNIST_STD;
  }
  return tensor(out, { shape: [idx.length, PIXELS] });
}

export const labelsOf = (y: Uint8Array, idx: ArrayLike<number>): Int32Array =>
  Int32Array.from(idx as ArrayLike<number>, (i) => y[i]);

export const range = (start: number, end: number): Int32Array =>
  Int32Array.from({ length: end - start }, (_, k) => start + k);
