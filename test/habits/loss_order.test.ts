/** Labels and logits passed in the wrong order: the error names the swap, not a dtype to convert. */
import { describe, expect, it } from "vitest";
import { F, nn, randn, tensor } from "../../src/index.js";

const labels = tensor([0, 2, 1, 1], { dtype: "int32" });
const logits = randn([4, 3]);

describe("swapped loss arguments", () => {
  it("crossEntropy(labels, logits) names the swap and PyTorch's order", () => {
    const err = new RegExp(
      "crossEntropy: the arguments look swapped: input is int32 \\[4\\] \\(class labels\\?\\) " +
        "and target float32 \\[4, 3\\].*crossEntropy\\(logits \\[N, C\\], labels \\[N\\]\\)",
    );
    expect(() => F.crossEntropy(labels, logits)).toThrow(err);
    expect(() => new nn.CrossEntropyLoss()(labels, logits)).toThrow(err);
    expect(() => F.crossEntropy(labels, logits)).not.toThrow(/\.float\(\)/);
  });

  it("nllLoss(labels, logProbs) too", () => {
    expect(() => F.nllLoss(labels, F.logSoftmax(logits, 1))).toThrow(
      /nllLoss: the arguments look swapped.*nllLoss\(logProbs \[N, C\], labels \[N\]\)/,
    );
  });

  it("the right order still works, and int logits with int labels still get the dtype advice", () => {
    expect(F.crossEntropy(logits, labels).shape).toEqual([]);
    const intLogits = tensor([[1, 2]], { dtype: "int32" });
    expect(() => F.crossEntropy(intLogits, tensor([0], { dtype: "int32" }))).toThrow(/\.float\(\)/);
  });
});
