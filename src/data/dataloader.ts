/**
 * DataLoader: iterates a dataset in mini-batches, optionally shuffled with its own seeded generator,
 * so the batch order is reproducible (and resumable: `generator` state is saved in checkpoints).
 *
 * @example
 * const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 64, shuffle: true });
 * for (const [xb, yb] of loader) { ... }
 */
import { stack } from "../ops/shape.js";
import { Generator as RandomGenerator, defaultGenerator, randperm } from "../tensor/random.js";
import { checkOptions, describeValue } from "../tensor/pytorch_habits.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Dataset } from "./dataset.js";

export interface DataLoaderOptions {
  batchSize?: number;
  shuffle?: boolean;
  dropLast?: boolean;
  /** Seeds this loader's own generator (otherwise it draws from the global one). */
  seed?: number;
  generator?: RandomGenerator;
}

type Batchable = Dataset<Tensor[]> & { getBatch?: (ix: Int32Array) => Tensor[] };

export class DataLoader implements Iterable<Tensor[]> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: RandomGenerator;

  constructor(
    readonly dataset: Batchable,
    opts: DataLoaderOptions = {},
  ) {
    const usage = "new data.DataLoader(dataset, { batchSize: 64, shuffle: true })";
    checkOptions("DataLoader", opts, ["batchSize", "shuffle", "dropLast", "seed", "generator"], usage);
    if (typeof dataset?.get !== "function" || typeof dataset.length !== "number") {
      throw new TypeError(
        "DataLoader: the first argument must be a dataset (length and get(i)), got " +
          `${describeValue(dataset)} — wrap tensors in one: new data.TensorDataset(x, y)`,
      );
    }
    this.batchSize = opts.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize <= 0)
      throw new Error(`DataLoader: batchSize must be a positive integer, got ${opts.batchSize}`);
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.generator = opts.generator ?? (opts.seed !== undefined ? new RandomGenerator(opts.seed) : defaultGenerator);
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The index order of the next epoch (drawn now). */
  epochOrder(): Int32Array {
    const n = this.dataset.length;
    if (this.shuffle) return randperm(n, this.generator);
    return Int32Array.from({ length: n }, (_, i) => i);
  }

  /** Batches for a given order, from batch `start` on (used to resume mid-epoch). */
  *batches(order: Int32Array, start = 0): Generator<Tensor[]> {
    for (let b = start; b < this.length; b++) {
      const ix = order.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, order.length));
      if (this.dataset.getBatch) yield this.dataset.getBatch(ix);
      else {
        const items = Array.from(ix, (i) => this.dataset.get(i));
        yield items[0].map((_, k) => stack(items.map((it) => it[k])));
      }
    }
  }

  [Symbol.iterator](): Iterator<Tensor[]> {
    return this.batches(this.epochOrder());
  }
}
