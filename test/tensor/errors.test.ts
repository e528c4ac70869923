/** Errors are for people: each names the op, the shapes and the likely fix. */
import { describe, expect, it } from "vitest";
import { F, nn, randn, tensor, zeros } from "../../src/index.js";

describe("error messages", () => {
  it("Linear names itself, the input shape and the fix", () => {
    const fc = new nn.Linear(784, 256);
    expect(() => fc(randn([64, 28, 28]))).toThrow("Linear(784→256) got input [64, 28, 28]: flatten it to [64, 784]");
    expect(() => fc(randn([64, 100]))).toThrow("Linear(784→256) got input [64, 100]: its last dim must be 784");
  });
  it("broadcasting names the op and both shapes", () => {
    expect(() => randn([3, 4]).add(randn([5]))).toThrow("add: shapes [3, 4] and [5] cannot be broadcast");
  });
  it("matmul names both shapes and the mismatched dims", () => {
    expect(() => randn([64, 784]).matmul(randn([256, 784]))).toThrow(
      /matmul: shapes \[64, 784\] and \[256, 784\] cannot be multiplied \(784 ≠ 256\).*transpose/,
    );
  });
  it("cross-entropy explains float labels and one-hot targets", () => {
    expect(() => F.crossEntropy(randn([4, 3]), tensor([0, 1, 2, 0]))).toThrow(/int32.*dtype: "int32"/);
    expect(() => F.crossEntropy(randn([4, 3]), zeros([4, 3], { dtype: "int32" }))).toThrow(
      /class indices, not one-hot/,
    );
    expect(() => F.crossEntropy(randn([2, 3]), tensor([0, 3], { dtype: "int32" }))).toThrow(
      /target 3 is out of bounds for 3 classes/,
    );
  });
  it("mse warns about [N,1] vs [N] broadcasting", () => {
    expect(() => F.mseLoss(randn([4, 1]), randn([4]))).toThrow(/\[N, 1\] vs \[N\]/);
  });
  it("reshape, dims, item and ragged arrays", () => {
    expect(() => randn([2, 3]).reshape([4, 2])).toThrow("reshape: cannot reshape [2, 3] (6 elements) into [4, 2]");
    expect(() => randn([2, 3]).sum(2)).toThrow(/dim 2 is out of range.*-2\.\.1/);
    expect(() => randn([2]).item()).toThrow(/only one-element tensors/);
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged/);
  });
  it("Sequential rejects classes passed instead of instances", () => {
    expect(() => new nn.Sequential(nn.ReLU as unknown as nn.Module)).toThrow(/new nn.ReLU\(\)/);
  });
  it("BatchNorm in train mode with one sample suggests eval()", () => {
    expect(() => new nn.BatchNorm1d(3)(randn([1, 3]))).toThrow(/batch size > 1 or call model.eval\(\)/);
  });
});
