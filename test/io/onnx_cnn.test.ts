// CNN export: gradlab models → exportOnnx → onnxruntime-node, compared with the model's own forward pass.
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { manualSeed, models, nn, noGrad, randn, type Tensor } from "../../src/index.js";
import { exportOnnx, OnnxExportError } from "../../src/io/onnx.js";
import { onnxLayers } from "../../src/cli/model.js";
import { CliError } from "../../src/cli/errors.js";

/** Gives every BatchNorm running statistics and affine parameters that are not the identity. */
function perturbBatchNorm(model: nn.Module): void {
  manualSeed(7);
  for (const m of model.modules()) {
    if (!(m instanceof nn.BatchNorm2d)) continue;
    const c = m.numFeatures;
    m.loadStateDict({
      ...m.stateDict(),
      weight: randn([c]).mul(0.2).add(1),
      bias: randn([c]).mul(0.2),
      running_mean: randn([c]).mul(0.3),
      running_var: randn([c]).abs().add(0.5),
    });
  }
}

/** Runs `model` (eval mode) and its ONNX export on the same batch; returns both outputs. */
async function bothWays(
  model: nn.Sequential,
  inputShape: number[],
  batch = 3,
): Promise<{ ours: Tensor; theirs: Float32Array; dims: readonly number[] }> {
  model.eval();
  const x = randn([batch, ...inputShape]);
  const ours = noGrad(() => model(x));
  const bytes = exportOnnx(onnxLayers(model), { inputShape });
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["cpu"] });
  const out = await session.run({
    input: new ort.Tensor("float32", Float32Array.from(x.dataSync()), [batch, ...inputShape]),
  });
  return { ours, theirs: out.logits.data as Float32Array, dims: out.logits.dims };
}

function expectSame(r: { ours: Tensor; theirs: Float32Array; dims: readonly number[] }): void {
  expect([...r.dims]).toEqual([...r.ours.shape]);
  const a = r.ours.dataSync();
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - r.theirs[i]) / (1 + Math.abs(a[i])));
  expect(worst).toBeLessThan(1e-4);
}

describe("exportOnnx for CNNs, run in onnxruntime-node", () => {
  it("LeNet-5: Conv, MaxPool, Flatten, Gemm", async () => {
    manualSeed(0);
    expectSame(await bothWays(models.lenet5(), [1, 28, 28]));
  });

  it("a ResNet: residual Add, BatchNormalization, 1×1 strided downsample, GlobalAveragePool", async () => {
    manualSeed(1);
    const net = models.resnet({ widths: [4, 8], blocks: 2 });
    perturbBatchNorm(net);
    expectSame(await bothWays(net, [1, 12, 12]));
  });

  it("ConvTranspose, AveragePool (padding excluded and included), dilated and 'same' convs, strided MaxPool", async () => {
    manualSeed(2);
    const net = new nn.Sequential(
      new nn.Conv2d(2, 4, 3, { padding: "same", dilation: 2 }),
      new nn.BatchNorm2d(4),
      new nn.LeakyReLU(0.1),
      new nn.AvgPool2d(2, { padding: 1, countIncludePad: false }),
      new nn.ConvTranspose2d(4, 3, 3, { stride: 2, padding: 1, outputPadding: 1 }),
      new nn.Tanh(),
      new nn.AvgPool2d(3, { stride: 2, padding: 1 }),
      new nn.Conv2d(3, 6, [3, 2], { stride: [2, 1], groups: 3 }),
      new nn.Dropout2d(0.3),
      new nn.MaxPool2d(3, { stride: 2, padding: 1 }),
      new nn.Flatten(),
      new nn.Linear(6 * 1 * 2, 5),
    );
    perturbBatchNorm(net);
    const r = await bothWays(net, [2, 9, 9]);
    expect(r.ours.shape).toEqual([3, 5]);
    expectSame(r);
  });

  it("names the layer whose sizes do not chain, and refuses modules ONNX has no op for", () => {
    manualSeed(3);
    const net = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.ReLU(), new nn.Linear(4, 2));
    expect(() => exportOnnx(onnxLayers(net), { inputShape: [1, 8, 8] })).toThrow(
      new OnnxExportError(
        "layer2 (linear) expects 4 input features but receives a [4, 6, 6] feature map; flatten it first.",
      ),
    );
    expect(() => exportOnnx(onnxLayers(models.lenet5()), { inputShape: [3, 28, 28] })).toThrow(
      /layer0 \(conv\) expects 1 input channels but receives 3/,
    );
    expect(() => exportOnnx(onnxLayers(models.lenet5()), { inputShape: [1, 4, 4] })).toThrow(
      /window is larger than the padded input/,
    );
    expect(() => onnxLayers(new nn.Sequential(new nn.Upsample({ scaleFactor: 2 })))).toThrow(CliError);
    expect(() => onnxLayers(new nn.Sequential(new nn.AdaptiveAvgPool2d(2)))).toThrow(/only output size 1/);
  });
});
