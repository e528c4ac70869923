/** `F` — `torch.nn.functional` in camelCase: the stateless forms of the layers and losses. */
export { gelu, leakyRelu, relu, sigmoid, silu, tanh } from "../ops/activation.js";
export { linear } from "../ops/matmul.js";
export { conv1d, conv2d, convTranspose2d, type ConvOptions, type ConvTransposeOptions } from "../ops/conv.js";
export { softmax, logSoftmax } from "../ops/softmax.js";
export {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  mseLoss,
  nllLoss,
} from "../ops/loss.js";
export { batchNorm, dropout } from "../ops/normalization.js";
export { scaledDotProductAttention, type ScaledDotProductAttentionOptions } from "../ops/attention.js";
export { layerNorm, groupNorm, type BatchNormFunctionalOptions } from "../ops/normalization.js";
export {
  maxPool2d,
  maxPool1d,
  avgPool2d,
  avgPool1d,
  adaptiveAvgPool2d,
  type MaxPool2dOptions,
  type MaxPool1dOptions,
  type AvgPool2dOptions,
  type AvgPool1dOptions,
  type AdaptiveSize,
} from "../ops/pool.js";
export { dropout2d } from "../ops/normalization.js";
export { pad, type PadOptions, type PadMode } from "../ops/pad.js";
export { interpolate, type InterpolateOptions, type InterpolateMode } from "../ops/upsample.js";
export { embedding, type EmbeddingOptions } from "../ops/embedding.js";
import { arange, eye, zeros } from "../ops/creation.js";
import { expand, gather } from "../ops/shape.js";
import { cast, eq } from "../ops/elementwise.js";
import type { Tensor } from "../tensor/tensor.js";

/**
 * oneHot where reads are asynchronous (WebGPU): rows of the identity gathered by label, so the
 * gather kernel checks the range on the device (an out-of-range label surfaces at the next read,
 * as a CUDA error does). Inferring numClasses would need the labels' maximum on the host.
 */
function oneHotOnDevice(labels: Tensor, numClasses: number): Tensor {
  if (numClasses < 0) {
    throw new Error(
      `oneHot: on ${labels.device}, pass numClasses (e.g. F.oneHot(labels, 10)) — inferring it reads the ` +
        "labels' maximum, and reads there are asynchronous",
    );
  }
  const flat = labels.reshape([-1, 1]);
  const rows = gather(eye(numClasses, numClasses, { dtype: "int32" }), 0, expand(flat, [flat.shape[0], numClasses]));
  return rows.reshape([...labels.shape, numClasses]);
}

/** One-hot rows (N, numClasses) from int32 class indices (N), as int32 like PyTorch's int64. */
export function oneHot(labels: Tensor, numClasses = -1): Tensor {
  if (labels.dtype !== "int32") throw new Error(`oneHot: labels must be int32 class indices, got ${labels.dtype}`);
  if (labels.numel() === 0) return zeros([...labels.shape, Math.max(numClasses, 0)], { dtype: "int32" });
  if (labels.device !== "cpu") return oneHotOnDevice(labels, numClasses);
  const lo = labels.min().item(),
    hi = labels.max().item();
  const c = numClasses < 0 ? hi + 1 : numClasses;
  if (lo < 0 || hi >= c) throw new Error(`oneHot: class ${lo < 0 ? lo : hi} is out of range for ${c} classes`);
  return cast(eq(labels.unsqueeze(-1), arange(c)), "int32");
}
