/**
 * Datasets: anything with `length` and `get(i)`. `TensorDataset` indexes tensors along dim 0,
 * and can hand a whole batch over in one gather (`getBatch`), which DataLoader uses.
 */
import { indexSelect, stack } from "../ops/shape.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

export abstract class Dataset<T = Tensor[]> {
  abstract get length(): number;
  abstract get(index: number): T;
}

/** Wraps tensors sharing their first dim: item i is [t0[i], t1[i], ...]. */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    super();
    if (!tensors.length) throw new Error("TensorDataset: needs at least one tensor");
    const n = tensors[0].shape[0];
    tensors.forEach((t, i) => {
      if (t.ndim === 0 || t.shape[0] !== n) {
        throw new Error(
          `TensorDataset: every tensor needs the same first dim; tensor 0 is ${fmt(tensors[0].shape)} but tensor ${i} is ${fmt(t.shape)}`,
        );
      }
    });
    this.tensors = tensors;
  }
  get length(): number {
    return this.tensors[0].shape[0];
  }
  get(index: number): Tensor[] {
    return this.tensors.map((t) => t.select(0, index));
  }
  /** The rows at `indices` of every tensor, as batches. */
  getBatch(indices: Int32Array): Tensor[] {
    return this.tensors.map((t) => indexSelect(t, 0, indices));
  }
}

/** A view of `dataset` restricted to `indices` (what `randomSplit` returns). */
export class Subset<T = Tensor[]> extends Dataset<T> {
  constructor(
    readonly dataset: Dataset<T>,
    readonly indices: Int32Array,
  ) {
    super();
  }
  get length(): number {
    return this.indices.length;
  }
  get(i: number): T {
    if (i < 0 || i >= this.indices.length)
      throw new Error(`Subset: index ${i} out of range for length ${this.indices.length}`);
    return this.dataset.get(this.indices[i]);
  }
  /** The items at `indices` as batches: one gather when the wrapped dataset can, else stacked items. */
  getBatch(indices: Int32Array): T {
    const inner = this.dataset as unknown as { getBatch?: (ix: Int32Array) => T };
    const ix = indices.map((i) => this.indices[i]);
    if (inner.getBatch) return inner.getBatch.call(this.dataset, ix);
    const items = Array.from(ix, (i) => this.dataset.get(i) as unknown as Tensor[]);
    return items[0].map((_, k) => stack(items.map((it) => it[k]))) as unknown as T;
  }
}
