/** nn.Conv1d / nn.Conv2d / nn.ConvTranspose2d: PyTorch's shapes, keys, init, printing and errors, on every backend. */
import { describe, expect, it } from "vitest";
import { F, manualSeed, nn, randn, type Tensor, tensor } from "../../src/index.js";
import { backendsUnderTest, expectClose, useBackend } from "../helpers.js";

const backends = await backendsUnderTest();

const maxAbs = (t: Tensor): number => Array.from(t.dataSync(), Math.abs).reduce((m, v) => Math.max(m, v), 0);
const shapes = (m: nn.Module): Record<string, number[]> =>
  Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, [...v.shape]]));

describe("convolution modules", () => {
  it("have PyTorch's state_dict keys and weight shapes (transposed: [C_in, C_out/groups, kH, kW])", () => {
    expect(shapes(new nn.Conv2d(1, 6, 5, { padding: 2 }))).toEqual({ weight: [6, 1, 5, 5], bias: [6] });
    expect(shapes(new nn.Conv2d(4, 6, [3, 2], { groups: 2, bias: false }))).toEqual({ weight: [6, 2, 3, 2] });
    expect(shapes(new nn.Conv1d(16, 33, 3, { stride: 2 }))).toEqual({ weight: [33, 16, 3], bias: [33] });
    expect(shapes(new nn.ConvTranspose2d(16, 8, 3, { groups: 2 }))).toEqual({ weight: [16, 4, 3, 3], bias: [8] });
    const lenet = new nn.Sequential(new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.Conv2d(6, 16, 5));
    expect(Object.keys(lenet.stateDict())).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
  });

  it("initialise like PyTorch: weight and bias ~ U(−1/√fan_in, 1/√fan_in), fan_in = weight.shape[1]·kH·kW", () => {
    manualSeed(0);
    for (const [m, fanIn] of [
      [new nn.Conv2d(8, 64, 3), 72],
      [new nn.Conv1d(4, 256, 5), 20],
      [new nn.ConvTranspose2d(64, 16, 3, { groups: 2 }), 72],
    ] as const) {
      const bound = 1 / Math.sqrt(fanIn);
      // Thousands of draws fill the interval: the largest is within 3% of its end, none beyond.
      expect(maxAbs(m.weight)).toBeLessThanOrEqual(bound);
      expect(maxAbs(m.weight)).toBeGreaterThan(0.97 * bound);
      expect(maxAbs(m.bias!)).toBeLessThanOrEqual(bound);
      expect(maxAbs(m.bias!)).toBeGreaterThan(0.5 * bound);
    }
  });

  it("print like PyTorch", () => {
    expect(String(new nn.Conv2d(1, 6, 5, { padding: 2 }))).toBe(
      "Conv2d(1, 6, kernelSize=[5, 5], stride=[1, 1], padding=[2, 2])",
    );
    expect(String(new nn.Conv2d(6, 16, 5))).toBe("Conv2d(6, 16, kernelSize=[5, 5], stride=[1, 1])");
    expect(String(new nn.Conv1d(4, 8, 3, { padding: "same", dilation: 2, groups: 4, bias: false }))).toBe(
      "Conv1d(4, 8, kernelSize=[3], stride=[1], padding=same, dilation=[2], groups=4, bias=false)",
    );
    expect(String(new nn.ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1, outputPadding: 1 }))).toBe(
      "ConvTranspose2d(16, 8, kernelSize=[3, 3], stride=[2, 2], padding=[1, 1], outputPadding=[1, 1])",
    );
  });

  it("explain bad inputs and arguments in people's words", () => {
    const conv = new nn.Conv2d(1, 6, 5);
    expect(() => conv(randn([64, 784]))).toThrow(
      "Conv2d(1→6, k=5) got input [64, 784]: it expects [N, 1, H, W] — reshape with x.view(-1, 1, 28, 28)",
    );
    expect(() => new nn.Conv2d(3, 16, 3)(randn([8, 1, 28, 28]))).toThrow(
      "Conv2d(3→16, k=3) got input [8, 1, 28, 28] with 1 channel in dim 1, but it has 3 input channels: it expects [N, 3, H, W]",
    );
    expect(() => new nn.Conv2d(3, 16, 3)(randn([8, 28, 28, 3]))).toThrow(/channels-last: use x\.permute\(0, 3, 1, 2\)/);
    expect(() => conv(randn([64, 28, 28]))).toThrow(
      /with 64 channels in dim 0, but it has 1 input channel: .* for a batch of 1-channel inputs use x\.unsqueeze\(1\)/,
    );
    expect(() => F.conv1d(randn([64, 100]), randn([4, 1, 3]))).toThrow(
      /has 64 channels, but the weight \[4, 1, 3\] expects 1 — a batch of 1-channel inputs needs x\.unsqueeze\(1\)/,
    );
    expect(() => conv(randn([2, 1, 3, 3]))).toThrow(
      /kernel \[5, 5\] is larger than the padded input: 5 > 3 .*input \[2, 1, 3, 3\] with padding 0\+0/,
    );
    expect(() => new nn.Conv1d(2, 2, 3, { dilation: 4 })(randn([1, 2, 8]))).toThrow(/5 > 8|9 > 8/);
    expect(() => new nn.Conv2d(2, 4, 3, { stride: 2, padding: "same" })).toThrow(
      /padding "same" is not supported for strided convolutions/,
    );
    expect(() => new nn.Conv2d(2, 4, 3, { groups: 3 })).toThrow("Conv2d: inChannels 2 must be divisible by groups 3");
    expect(() => new nn.Conv2d(2, 4, 3, { paddingMode: "reflect" })).toThrow(
      /paddingMode "reflect" is not supported yet, only "zeros"/,
    );
    expect(() => F.conv2d(randn([1, 4, 5, 5]), randn([6, 3, 3, 3]))).toThrow(
      "conv2d: input [1, 4, 5, 5] has 4 channels, but the weight [6, 3, 3, 3] expects 3",
    );
    expect(() => F.conv2d(randn([1, 4, 5, 5]), randn([6, 4, 3, 3]), randn([5]))).toThrow(
      /bias \[5\] must have 6 elements/,
    );
    expect(() => F.conv2d(randn([1, 4, 5, 5]).double(), randn([6, 4, 3, 3]))).toThrow(
      /input is float64 but weight is float32/,
    );
    expect(() =>
      F.convTranspose2d(randn([1, 2, 3, 3]), randn([2, 2, 3, 3]), null, { stride: 2, outputPadding: 2 }),
    ).toThrow(/outputPadding \[2, 2\] must be smaller than the stride \[2, 2\] or the dilation \[1, 1\]/);
  });

  it("compute PyTorch's output shapes, batched or not", () => {
    expect(new nn.Conv1d(16, 33, 3, { stride: 2 })(randn([20, 16, 50])).shape).toEqual([20, 33, 24]);
    expect(
      new nn.Conv2d(16, 33, [3, 5], { stride: [2, 1], padding: [4, 2], dilation: [3, 1] })(randn([2, 16, 10, 10]))
        .shape,
    ).toEqual([2, 33, 6, 10]);
    expect(new nn.Conv2d(3, 4, 4, { padding: "same" })(randn([3, 7, 6])).shape).toEqual([4, 7, 6]);
    expect(new nn.Conv1d(3, 4, 2, { padding: "valid" })(randn([3, 7])).shape).toEqual([4, 6]);
    const up = new nn.ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1 });
    expect(up(randn([1, 16, 12, 12])).shape).toEqual([1, 8, 23, 23]);
    expect(up(randn([1, 16, 12, 12]), [24, 24]).shape).toEqual([1, 8, 24, 24]);
    expect(() => up(randn([1, 16, 12, 12]), [25, 25])).toThrow(
      /outputSize \[25, 25\] cannot come from input \[1, 16, 12, 12\]: dim 0 can be 23 to 24/,
    );
  });
});

describe.each(backends)("convolution modules on the %s backend", (backend) => {
  it("accumulate parameter gradients across backward calls like F.conv2d on plain tensors", () => {
    useBackend(backend);
    manualSeed(3);
    const conv = new nn.Conv2d(4, 6, 3, { padding: 1, stride: [1, 2], groups: 2 });
    const x = randn([3, 4, 7, 8]);
    const w = tensor(Array.from(conv.weight.dataSync()), { shape: conv.weight.shape, requiresGrad: true });
    const b = tensor(Array.from(conv.bias!.dataSync()), { shape: [6], requiresGrad: true });
    for (let step = 0; step < 2; step++) {
      conv(x).square().sum().backward();
      F.conv2d(x, w, b, { padding: 1, stride: [1, 2], groups: 2 })
        .square()
        .sum()
        .backward();
    }
    expectClose(conv.weight.grad!, w.grad!.dataSync(), { rtol: 1e-5, atol: 1e-4, what: "weight grad" });
    expectClose(conv.bias!.grad!, b.grad!.dataSync(), { rtol: 1e-5, atol: 1e-4, what: "bias grad" });
    conv.zeroGrad();
    conv(x).sum().backward();
    expect(maxAbs(conv.weight.grad!)).toBeGreaterThan(0);
  });

  it("conv1d is conv2d of height 1, and convTranspose2d is conv2d's input gradient", () => {
    useBackend(backend);
    manualSeed(4);
    const x1 = randn([2, 3, 11]),
      w1 = randn([4, 3, 3]);
    expectClose(
      F.conv1d(x1, w1, null, { stride: 2, padding: 1 }).unsqueeze(2),
      F.conv2d(x1.unsqueeze(2), w1.unsqueeze(2), null, { stride: [1, 2], padding: [0, 1] }).dataSync(),
      { rtol: 1e-5, atol: 1e-5 },
    );
    // <convT(y, w), x> = <y, conv(x, w)>: the two are adjoint.
    const x = randn([2, 4, 9, 8]),
      w = randn([6, 2, 3, 3]),
      y = randn([2, 6, 5, 4]);
    const opts = { stride: 2, padding: 1, groups: 2 };
    const lhs = F.convTranspose2d(y, w, null, { ...opts, outputPadding: [0, 1] })
      .mul(x)
      .sum()
      .item();
    const rhs = F.conv2d(x, w, null, opts).mul(y).sum().item();
    expect(lhs).toBeCloseTo(rhs, 2);
  });
});
