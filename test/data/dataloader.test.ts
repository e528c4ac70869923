import { describe, expect, it } from "vitest";
import { arange, data, tensor } from "../../src/index.js";

describe("DataLoader", () => {
  const ds = new data.TensorDataset(arange(10).float().reshape([10, 1]), arange(10));
  it("batches in order, with a short last batch unless dropLast", () => {
    const sizes = [...new data.DataLoader(ds, { batchSize: 4 })].map(([x]) => x.shape[0]);
    expect(sizes).toEqual([4, 4, 2]);
    expect([...new data.DataLoader(ds, { batchSize: 4, dropLast: true })].length).toBe(2);
    const [x, y] = [...new data.DataLoader(ds, { batchSize: 4 })][0];
    expect(x.shape).toEqual([4, 1]);
    expect(y.tolist()).toEqual([0, 1, 2, 3]);
  });
  it("shuffles reproducibly with a seed and visits every item once per epoch", () => {
    const order = (seed: number) =>
      [...new data.DataLoader(ds, { batchSize: 3, shuffle: true, seed })].flatMap(([, y]) => y.tolist() as number[]);
    expect(order(1)).toEqual(order(1));
    expect(order(1)).not.toEqual(order(2));
    expect([...order(1)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
  it("randomSplit gives disjoint subsets that a DataLoader can batch", () => {
    const [a, b] = data.randomSplit(ds, [7, 3], 0);
    expect(a.length + b.length).toBe(10);
    const ys = [...new data.DataLoader(b, { batchSize: 2 })].flatMap(([, y]) => y.tolist() as number[]);
    expect(ys.length).toBe(3);
    const all = new Set([...Array.from(a.indices), ...Array.from(b.indices)]);
    expect(all.size).toBe(10);
  });
  it("toy datasets become TensorDatasets", () => {
    const s = data.toTensorDataset(data.spirals({ n: 100, seed: 0 }));
    expect(s.length).toBe(100);
    expect(s.tensors[0].shape).toEqual([100, 2]);
    expect(s.tensors[1].dtype).toBe("int32");
  });
  it("rejects a bad batch size", () => {
    expect(() => new data.DataLoader(ds, { batchSize: 0 })).toThrow(/positive integer/);
    expect(() => new data.TensorDataset(tensor([1, 2]), tensor([1]))).toThrow(/same first dim/);
  });
});
