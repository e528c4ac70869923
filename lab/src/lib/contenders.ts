/**
 * The opening question's contenders, one registration each: what the page shows about a model
 * and how the worker builds and feeds it. A new column is one more entry here: its `build` and
 * its `input` (LeNet's is the pixels viewed as (n, 1, 28, 28)).
 */
import { tensor, type nn, type Tensor } from "gradlab";
import { buildMlp } from "gradlab/nn/mlp.ts";
import { hogBatch, HOG_FEATURES } from "./hog.ts";
import { buildLeNet, LENET_PYTORCH } from "./lenet.ts";

const MEAN = 0.1307,
  STD = 0.3081;

/** Images `idx` of `x` (784 bytes each) as (n, 784), normalised as the lecture does. */
export function pixels(x: Uint8Array, idx: ArrayLike<number>): Tensor {
  const out = new Float32Array(idx.length * 784);
  for (let k = 0; k < idx.length; k++) {
    const off = idx[k] * 784;
    for (let j = 0; j < 784; j++) out[k * 784 + j] = (x[off + j] / 255 - MEAN) / STD;
  }
  return tensor(out, { shape: [idx.length, 784] });
}

export interface Contender {
  id: string;
  /** The slide's option letter. */
  option: string;
  title: string;
  /** A few words for sentences: "HOG + linear". */
  short: string;
  /** One sentence: what the model is, and what was designed by hand. */
  what: string;
  /** The model's input for images `idx`: counted in its training time, since computing it is part of the method. */
  input(x: Uint8Array, idx: ArrayLike<number>): Tensor;
  build(): nn.Module;
  /** The same model in PyTorch, for the export. */
  pytorch: string;
}

export const CONTENDERS: Contender[] = [
  {
    id: "logreg",
    option: "(a)",
    title: "Logistic regression on raw pixels",
    short: "logistic regression",
    what:
      "One linear layer from the 784 pixel intensities to 10 class scores, then softmax. " +
      "Nothing designed, nothing deep.",
    input: pixels,
    build: () => buildMlp({ inputs: 784, hidden: [], outputs: 10 }),
    pytorch: "nn.Sequential(nn.Linear(784, 10))",
  },
  {
    id: "hog",
    option: "(b)",
    title: "Hand-engineered HOG features + a linear classifier",
    short: "HOG + linear",
    what:
      `Histograms of gradient directions in 4×4-pixel cells (${HOG_FEATURES} numbers per image, designed by hand, ` +
      "nothing learned), then one linear layer, as (a) does on pixels. The slide's SVM is another linear classifier.",
    input: (x, idx) => tensor(hogBatch(x, idx), { shape: [idx.length, HOG_FEATURES] }),
    build: () => buildMlp({ inputs: HOG_FEATURES, hidden: [], outputs: 10 }),
    pytorch: `nn.Sequential(nn.Linear(${HOG_FEATURES}, 10))  # on HOG features, computed as lab/src/lib/hog.ts does`,
  },
  {
    id: "mlp",
    option: "(c)",
    title: "The lecture's MLP, trained end to end",
    short: "the MLP",
    what: "784-256-256-10 with ReLU: every feature it uses is learned from the pixels by backprop.",
    input: pixels,
    build: () => buildMlp({ inputs: 784, hidden: [256, 256], outputs: 10 }),
    pytorch: "nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))",
  },
  {
    id: "lenet",
    option: "(c′)",
    title: "LeNet-5, a convolutional network trained end to end",
    short: "LeNet",
    what:
      "Two layers of learned 5×5 filters, each slid over the whole image, with max pooling, then 400-120-84-10: " +
      "the slide's end-to-end network as the CNN lecture builds it. Far fewer weights than the MLP.",
    input: (x, idx) => pixels(x, idx).view(-1, 1, 28, 28),
    build: buildLeNet,
    pytorch: LENET_PYTORCH,
  },
];
