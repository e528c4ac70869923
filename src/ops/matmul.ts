/**
 * Matrix products: `matmul` (1-D, 2-D and batched with broadcasting) and the fused `linear`
 * (y = x·Wᵀ + b) — the three lines of a Linear layer's backward are here.
 *
 * @example
 * matmul(randn([64, 784]), randn([784, 256])).shape // [64, 256]
 */
import { record } from "../autograd/graph.js";
import type { GemmArgs } from "../backend/kernels.js";
import { kernels } from "../backend/registry.js";
import type { FloatArray } from "../tensor/dtype.js";
import { broadcastShapes, broadcastStrides, fmt, numel } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkDevices, empty, emptyToOverwrite, requireFloat, resultDtype, sumToShape } from "./util.js";
import type { FloatStorage } from "../tensor/storage.js";

/**
 * Batched C = op(A)·op(B) over broadcast batch dims. A is [...batchA, rowsA, colsA] and
 * op(A) its transpose when transA; likewise B.
 */
function bmm(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const [ra, ca] = a.shape.slice(-2),
    [rb, cb] = b.shape.slice(-2);
  const m = transA ? ca : ra,
    k = transA ? ra : ca,
    n = transB ? rb : cb;
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), "matmul (batch dims)");
  const out = emptyToOverwrite([...batch, m, n], resultDtype(a, b)); // one gemm per batch entry, beta 0
  const nb = numel(batch);
  const sa = broadcastStrides(a.shape.slice(0, -2), batch),
    sb = broadcastStrides(b.shape.slice(0, -2), batch);
  const idx = new Array<number>(batch.length).fill(0);
  for (let i = 0; i < nb; i++) {
    let oa = 0,
      ob = 0;
    for (let d = 0; d < batch.length; d++) {
      oa += idx[d] * sa[d];
      ob += idx[d] * sb[d];
    }
    kernels.gemm({
      transA,
      transB,
      m,
      n,
      k,
      a: a.storage as FloatStorage,
      aOffset: oa * ra * ca,
      b: b.storage as FloatStorage,
      bOffset: ob * rb * cb,
      c: out.storage as FloatStorage,
      cOffset: i * m * n,
    });
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Matrix product with PyTorch's rules: 1-D operands are promoted to matrices and the added dim removed. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkDevices("matmul", a, b);
  requireFloat(a, "matmul");
  requireFloat(b, "matmul");
  if (a.ndim === 0 || b.ndim === 0)
    throw new Error("matmul: both arguments need at least 1 dimension; use mul() for scalars");
  const a2 = a.ndim === 1 ? a.reshape([1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? b.reshape([b.shape[0], 1]) : b;
  const ka = a2.shape[a2.ndim - 1],
    kb = b2.shape[b2.ndim - 2];
  if (ka !== kb) {
    throw new Error(
      `matmul: shapes ${fmt(a.shape)} and ${fmt(b.shape)} cannot be multiplied (${ka} ≠ ${kb}): the last dim of the first must equal the ${b.ndim === 1 ? "only" : "second-to-last"} dim of the second — transpose one of them?`,
    );
  }
  let out = bmm(a2, b2, false, false);
  record(out, [a2, b2], "MmBackward", (g) => [
    a2.requiresGrad ? sumToShape(bmm(g, b2, false, true), a2.shape) : null,
    b2.requiresGrad ? sumToShape(bmm(a2, g, true, false), b2.shape) : null,
  ]);
  if (a.ndim === 1) out = out.squeeze(-2);
  if (b.ndim === 1) out = out.squeeze(-1);
  return out;
}

/**
 * y = x·Wᵀ + b. Input (*, in), weight (out, in), bias (out) → (*, out).
 * Backward: dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null, opName = "linear"): Tensor {
  return linearOp(x, weight, bias, opName, false);
}

/**
 * relu(x·Wᵀ + b) in one kernel call — what nn.Sequential runs for a Linear followed by a ReLU.
 * Same values and gradients as `relu(linear(x, W, b))`; the graph has one node where PyTorch has two.
 */
export function linearRelu(x: Tensor, weight: Tensor, bias?: Tensor | null, opName = "linear"): Tensor {
  return linearOp(x, weight, bias, opName, true);
}

function linearOp(x: Tensor, weight: Tensor, bias: Tensor | null | undefined, opName: string, relu: boolean): Tensor {
  checkDevices(opName, x, weight, bias);
  const [outF, inF] = weight.shape;
  if (x.shape[x.ndim - 1] !== inF) {
    throw new Error(
      `${opName}: input ${fmt(x.shape)} has ${x.shape[x.ndim - 1]} features in its last dim but the weight ${fmt(weight.shape)} expects ${inF}`,
    );
  }
  requireFloat(x, opName);
  if (bias && bias.numel() !== outF) {
    throw new Error(
      `${opName}: bias ${fmt(bias.shape)} must have ${outF} elements, one per output feature of the weight ${fmt(weight.shape)}`,
    );
  }
  const rows = numel(x.shape.slice(0, -1)); // not numel / inF: a Linear(0, n) has inF = 0
  const out = emptyToOverwrite([...x.shape.slice(0, -1), outF], resultDtype(x, weight)); // gemm, beta 0
  // The kernel starts C from the bias rows and adds the product onto them: one call, no copy of C in.
  kernels.gemm({
    transA: false,
    transB: true,
    m: rows,
    n: outF,
    k: inF,
    a: x.storage as FloatStorage,
    b: weight.storage as FloatStorage,
    c: out.storage as FloatStorage,
    bias: bias ? (bias.storage as FloatStorage) : undefined,
    relu,
  });
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(out, inputs, relu ? "AddmmReluBackward" : "AddmmBackward", (g) => {
    let gd = g.storage as FloatStorage;
    if (relu) {
      // relu'(z) = [z > 0] = [out > 0]: the output stands in for the pre-activation.
      const gz = kernels.alloc(out.dtype, out.numel(), false, true) as FloatArray;
      kernels.unaryBackward("relu", out.storage as FloatStorage, out.storage as FloatStorage, gd, gz);
      gd = gz;
    }
    let dx: Tensor | null = null,
      dw: Tensor | null = null,
      db: Tensor | null = null;
    const products: GemmArgs[] = [];
    if (x.requiresGrad) {
      dx = emptyToOverwrite(x.shape, x.dtype); // gemm, beta 0
      products.push({
        transA: false,
        transB: false,
        m: rows,
        n: inF,
        k: outF,
        a: gd,
        b: weight.storage as FloatStorage,
        c: dx.storage as FloatStorage,
      });
    }
    if (weight.requiresGrad) {
      // A parameter's gradient is accumulated straight into its .grad storage (beta = 1 adds), so
      // the largest tensor of the step is never allocated or copied.
      const { grad, beta } = writesGradDirectly(weight)
        ? weight.gradTarget()
        : { grad: (dw = empty(weight.shape, weight.dtype)), beta: 0 };
      products.push({
        transA: true,
        transB: false,
        m: outF,
        n: inF,
        k: rows,
        a: gd,
        b: x.storage as FloatStorage,
        c: grad.storage as FloatStorage,
        beta,
      });
    }
    kernels.gemms(products);
    if (bias?.requiresGrad) {
      // reduce cannot add onto its output, so only an empty .grad takes the sum directly.
      const out =
        writesGradDirectly(bias) && !bias.peekGrad() ? bias.gradTarget().grad : (db = empty(bias.shape, bias.dtype));
      kernels.reduce("sum", gd, 1, rows, outF, out.storage);
    }
    return [dx, dw, db];
  });
}

/** Leaves that reuse their gradient storage (parameters) can take their gradient in place. */
function writesGradDirectly(t: Tensor): boolean {
  return t.gradFn === null && t.reusesGradStorage;
}
