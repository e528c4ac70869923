/**
 * softmax and log-softmax along a dim, numerically stable (the max is subtracted first), with an
 * optional temperature: softmax(x / T). High T flattens the distribution; low T sharpens it.
 *
 * @example
 * softmax(tensor([2, 1, 0.1]), -1) // tensor([0.6590, 0.2424, 0.0986])
 */
import { record } from "../autograd/graph.js";
import { kernels } from "../backend/registry.js";
import { normDim, splitAt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { div } from "./elementwise.js";
import { checkDevices, empty, requireFloat } from "./util.js";
import type { FloatStorage } from "../tensor/storage.js";

export interface SoftmaxOptions {
  temperature?: number;
}

function softmaxImpl(xIn: Tensor, dimIn: number, log: boolean, opts: SoftmaxOptions): Tensor {
  requireFloat(xIn, log ? "logSoftmax" : "softmax");
  checkDevices(log ? "logSoftmax" : "softmax", xIn);
  const T = opts.temperature ?? 1;
  if (!(T > 0)) throw new Error(`softmax: temperature must be > 0, got ${T}`);
  const x = T === 1 ? xIn : div(xIn, T);
  const dim = normDim(dimIn, x.ndim, "softmax");
  const [outer, size, inner] = splitAt(x.shape, dim);
  const out = empty(x.shape, x.dtype);
  kernels.softmax(x.storage as FloatStorage, outer, size, inner, out.storage as FloatStorage, log);
  return record(out, [x], log ? "LogSoftmaxBackward" : "SoftmaxBackward", (g) => {
    const dx = empty(x.shape, g.dtype);
    kernels.softmaxBackward(
      out.storage as FloatStorage,
      g.storage as FloatStorage,
      outer,
      size,
      inner,
      dx.storage as FloatStorage,
      log,
    );
    return [dx];
  });
}

export const softmax = (x: Tensor, dim: number, opts: SoftmaxOptions = {}): Tensor => softmaxImpl(x, dim, false, opts);
export const logSoftmax = (x: Tensor, dim: number, opts: SoftmaxOptions = {}): Tensor =>
  softmaxImpl(x, dim, true, opts);
