/**
 * Sorting, running sums and sampling — what turning a language model's logits into text takes:
 * `topk` (keep the k most likely tokens), `sort` / `argsort`, `cumsum` (nucleus sampling's running
 * mass) and `multinomial` (draw the next token, seeded by gradlab's Generator).
 *
 * @example
 * const { values, indices } = topk(logits, 10);               // the 10 largest along the last dim
 * const next = multinomial(softmax(logits, -1), 1, { generator: new Generator(42) });
 */
import { record } from "../autograd/graph.js";
import { kernels } from "../backend/registry.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { fmt, normDim, splitAt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import type { ValuesIndices } from "./reduce.js";
import { empty, requireFloat } from "./util.js";
import type { FloatStorage, IntStorage } from "../tensor/storage.js";

/** values (differentiable: the gradient goes back to the picked elements) and int32 indices along `dim`. */
function topkImpl(x: Tensor, k: number, dimIn: number, largest: boolean, op: string): ValuesIndices {
  const dim = normDim(dimIn, x.ndim, op);
  const [outer, size, inner] = splitAt(x.shape, dim);
  if (!Number.isInteger(k) || k < 0 || k > size) {
    throw new Error(
      `${op}: k = ${k} is out of range for dim ${dim} of size ${size} in ${fmt(x.shape)} ` + `(expected 0..${size})`,
    );
  }
  const shape = x.ndim === 0 ? [] : [...x.shape];
  if (x.ndim > 0) shape[dim] = k;
  const values = empty(shape, x.dtype),
    indices = empty(shape, "int32");
  kernels.topk(x.storage, outer, size, inner, k, largest, values.storage, indices.storage as IntStorage);
  if (x.dtype === "int32") return { values, indices };
  record(values, [x], op === "topk" ? "TopkBackward" : "SortBackward", (g) => {
    const dx = empty(x.shape, g.dtype);
    kernels.scatterAddAlong(
      g.storage as FloatStorage,
      indices.storage as IntStorage,
      outer,
      size,
      inner,
      k,
      dx.storage as FloatStorage,
    );
    return [dx];
  });
  return { values, indices };
}

/**
 * The k largest (or, with `largest = false`, smallest) elements along `dim` (default: the last),
 * like `torch.topk`. Always in sorted order (PyTorch leaves `sorted=False` unspecified); ties keep
 * the lower index first; NaN counts as larger than every number.
 */
export function topk(x: Tensor, k: number, dim = -1, largest = true, sorted = true): ValuesIndices {
  void sorted; // every order is sorted here, which `sorted: false` allows
  return topkImpl(x, k, dim, largest, "topk");
}

/** Sorts along `dim` (default: the last), ascending unless `descending`; stable (equal values keep their order). */
export function sort(x: Tensor, dim = -1, descending = false): ValuesIndices {
  const size = x.ndim === 0 ? 1 : x.shape[normDim(dim, x.ndim, "sort")];
  return topkImpl(x, size, dim, descending, "sort");
}

/** The indices that sort `x` along `dim` (int32), like `torch.argsort`. */
export function argsort(x: Tensor, dim = -1, descending = false): Tensor {
  return sort(x, dim, descending).indices;
}

/** Running sum along `dim`: out[i] = x[0] + … + x[i] (accumulated in float64). Differentiable. */
export function cumsum(x: Tensor, dimIn: number): Tensor {
  const dim = normDim(dimIn, x.ndim, "cumsum");
  const [outer, size, inner] = splitAt(x.shape, dim);
  const out = empty(x.shape, x.dtype);
  kernels.cumsum(x.storage, outer, size, inner, false, out.storage);
  return record(out, [x], "CumsumBackward", (g) => {
    // d/dx_j of Σ_i g_i·out_i = Σ_{i ≥ j} g_i: the running sum from the end.
    const dx = empty(x.shape, g.dtype);
    kernels.cumsum(g.storage, outer, size, inner, true, dx.storage);
    return [dx];
  });
}

export interface MultinomialOptions {
  /** Draw with replacement (default false, as PyTorch). */
  replacement?: boolean;
  /** Where the randomness comes from (default: the global generator `manualSeed` seeds). */
  generator?: Generator;
}

/**
 * Draws `numSamples` category indices from each row of `probs` — non-negative weights (they need
 * not sum to 1), 1-D (C) or 2-D (N, C) — like `torch.multinomial`. Output: int32 (numSamples) or
 * (N, numSamples). The same generator state gives the same draws on every backend.
 */
export function multinomial(probs: Tensor, numSamples: number, opts: MultinomialOptions = {}): Tensor {
  requireFloat(probs, "multinomial");
  if (probs.ndim !== 1 && probs.ndim !== 2) {
    throw new Error(
      `multinomial: expected probabilities of shape (C) or (N, C), got ${fmt(probs.shape)} — ` +
        "for (N, L, C) use probs.view(-1, C)",
    );
  }
  if (!Number.isInteger(numSamples) || numSamples <= 0) {
    throw new Error(`multinomial: numSamples must be a positive integer, got ${numSamples}`);
  }
  const n = probs.shape[probs.ndim - 1],
    rows = probs.ndim === 2 ? probs.shape[0] : 1;
  if (n === 0) throw new Error(`multinomial: no categories to draw from (probs ${fmt(probs.shape)})`);
  const gen = opts.generator ?? defaultGenerator;
  const u = new Float64Array(rows * numSamples);
  for (let i = 0; i < u.length; i++) u[i] = gen.random();
  const out = empty(probs.ndim === 2 ? [rows, numSamples] : [numSamples], "int32");
  kernels.multinomial(
    probs.storage as FloatStorage,
    rows,
    n,
    u,
    numSamples,
    opts.replacement ?? false,
    out.storage as IntStorage,
  );
  return out;
}
