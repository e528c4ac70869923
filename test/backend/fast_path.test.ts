/**
 * A training step of the lecture's MNIST MLP (and of the variants the CLI offers) runs entirely on
 * the wasm backend: no kernel falls back to the JS reference, and parameters and optimizer state
 * live in wasm memory (no per-call copies of the weights).
 */
import { describe, expect, it } from "vitest";
import {
  data,
  F,
  fallbackCounts,
  manualSeed,
  models,
  nn,
  optim,
  resetFallbackCounts,
  setBackend,
  type Tensor,
} from "../../src/index.js";
import { mnistDataset } from "../../src/node.js";
import { backendsUnderTest } from "../helpers.js";

await backendsUnderTest();

function mlp(act: () => nn.Module, extras: boolean): nn.Sequential {
  const layers: nn.Module[] = [];
  for (const [i, o] of [
    [784, 256],
    [256, 256],
  ]) {
    layers.push(new nn.Linear(i, o));
    if (extras) layers.push(new nn.BatchNorm1d(o));
    layers.push(act());
    if (extras) layers.push(new nn.Dropout(0.2));
  }
  layers.push(new nn.Linear(256, 10));
  return new nn.Sequential(...layers);
}

describe("the MNIST training step on the wasm backend", () => {
  const cases: [string, () => nn.Module, boolean, "sgd" | "adam"][] = [
    ["the lecture's recipe (ReLU, SGD momentum)", () => new nn.ReLU(), false, "sgd"],
    ["GELU + BatchNorm + Dropout + Adam", () => new nn.GELU(), true, "adam"],
    ["sigmoid / tanh / SiLU", () => new nn.Sequential(new nn.Sigmoid(), new nn.Tanh(), new nn.SiLU()), false, "sgd"],
  ];
  it.each(cases)("%s never falls back to JS", (_name, act, extras, opt) => {
    setBackend("wasm");
    try {
      manualSeed(0);
      const train = mnistDataset("train", { limit: 256 });
      const model = mlp(act, extras);
      const optimizer =
        opt === "sgd"
          ? new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 })
          : new optim.Adam(model.parameters());
      for (const p of model.parameters()) expect(p.dataSync().buffer).toBeInstanceOf(SharedArrayBuffer);
      resetFallbackCounts();
      let losses = 0;
      for (const [x, y] of new data.DataLoader(train, { batchSize: 64, shuffle: true, seed: 0 })) {
        const loss = F.crossEntropy(model(x.view(-1, 784)), y);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        losses += loss.item();
      }
      model.eval();
      model(train.tensors[0].narrow(0, 0, 8)).argmax(1);
      expect(fallbackCounts()).toEqual({});
      expect(Number.isFinite(losses)).toBe(true);
      for (const st of optimizer.state.values()) {
        for (const v of Object.values(st))
          if (typeof v !== "number") expect(v.dataSync().buffer).toBeInstanceOf(SharedArrayBuffer);
      }
    } finally {
      setBackend("js");
    }
  });
});

describe("a small CNN's training step on the wasm backend", () => {
  // Pooling lands on another branch: stride-2 convolutions downsample here.
  it("conv → relu → conv → relu → Linear never falls back to JS, and learns", () => {
    setBackend("wasm");
    try {
      manualSeed(0);
      const train = mnistDataset("train", { limit: 256 });
      const model = new nn.Sequential(
        new nn.Conv2d(1, 8, 3, { stride: 2, padding: 1 }),
        new nn.ReLU(),
        new nn.Conv2d(8, 16, 3, { stride: 2, padding: 1 }),
        new nn.ReLU(),
        new nn.Flatten(),
        new nn.Linear(16 * 7 * 7, 10),
      );
      const optimizer = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
      for (const p of model.parameters()) expect(p.dataSync().buffer).toBeInstanceOf(SharedArrayBuffer);
      resetFallbackCounts();
      const losses: number[] = [];
      for (let epoch = 0; epoch < 5; epoch++) {
        for (const [x, y] of new data.DataLoader(train, { batchSize: 64, shuffle: true, seed: epoch })) {
          const loss = F.crossEntropy(model(x.view(-1, 1, 28, 28)), y);
          optimizer.zeroGrad();
          loss.backward();
          optimizer.step();
          losses.push(loss.item());
        }
      }
      model.eval();
      model(train.tensors[0].narrow(0, 0, 8).view(-1, 1, 28, 28)).argmax(1);
      expect(fallbackCounts()).toEqual({});
      // 20 steps on 256 images: the loss falls from ln 10 ≈ 2.3 (to 1.23 here; the JS backend gives the same).
      expect(losses[losses.length - 1]).toBeLessThan(0.75 * losses[0]);
    } finally {
      setBackend("js");
    }
  });
});

/**
 * A small CNN-shaped step: BatchNorm2d, MaxPool2d, AdaptiveAvgPool2d, AvgPool2d, GroupNorm and LayerNorm
 * on (N, C, H, W) activations. Linear layers reshaped to images stand in for convolutions (conv2d lands
 * on its own branch), so this proves the pooling and normalization kernels, forward and backward.
 */
class PoolNormNet extends nn.Module {
  fc1 = new nn.Linear(784, 8 * 12 * 12);
  bn = new nn.BatchNorm2d(8);
  pool = new nn.MaxPool2d(2);
  gn = new nn.GroupNorm(2, 8);
  avg = new nn.AvgPool2d(3, { stride: 1, padding: 1 });
  gap = new nn.AdaptiveAvgPool2d(3);
  ln = new nn.LayerNorm(8 * 3 * 3);
  fc2 = new nn.Linear(8 * 3 * 3, 10);
  override forward(x: Tensor): Tensor {
    let h = this.fc1(x.view(-1, 784)).view(-1, 8, 12, 12);
    h = this.pool(F.relu(this.bn(h))); // [N, 8, 6, 6]
    h = this.gap(this.avg(this.gn(h))); // [N, 8, 3, 3]
    return this.fc2(F.relu(this.ln(h.flatten(1))));
  }
}

describe("a CNN-shaped training step on the wasm backend", () => {
  it("BatchNorm2d + MaxPool2d + AvgPool2d + AdaptiveAvgPool2d + GroupNorm + LayerNorm never fall back to JS", () => {
    setBackend("wasm");
    try {
      manualSeed(0);
      const train = mnistDataset("train", { limit: 256 });
      const model = new PoolNormNet();
      const optimizer = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
      resetFallbackCounts();
      let first = 0,
        last = 0;
      for (let epoch = 0; epoch < 3; epoch++) {
        for (const [x, y] of new data.DataLoader(train, { batchSize: 64, shuffle: true, seed: epoch })) {
          const loss = F.crossEntropy(model(x), y);
          optimizer.zeroGrad();
          loss.backward();
          optimizer.step();
          if (!first) first = loss.item();
          last = loss.item();
        }
      }
      model.eval();
      model(train.tensors[0].narrow(0, 0, 8)).argmax(1);
      expect(fallbackCounts()).toEqual({});
      expect(last).toBeLessThan(first); // it learns: the backward passes are wired up
      expect(model.bn.num_batches_tracked!.item()).toBe(12);
    } finally {
      setBackend("js");
    }
  });
});

describe("models.resnet's training step on the wasm backend", () => {
  // `gradlab train --model resnet`'s model and recipe: 3×3 convs with stride 1 and 2, 1×1 stride-2
  // downsample convs, BatchNorm2d without conv bias, residual adds, AdaptiveAvgPool2d, AdamW + OneCycleLR.
  it("stem, basic blocks, downsamples, BatchNorm2d and the pooled head never fall back to JS, and learn", () => {
    setBackend("wasm");
    try {
      manualSeed(0);
      const train = mnistDataset("train", { limit: 64 });
      const model = models.resnet();
      const optimizer = new optim.AdamW(model.parameters(), { lr: 0.01, weightDecay: 0.0005 });
      const steps = 8;
      const scheduler = new optim.OneCycleLR(optimizer, { maxLr: 0.01, totalSteps: steps });
      for (const p of model.parameters()) expect(p.dataSync().buffer).toBeInstanceOf(SharedArrayBuffer);
      resetFallbackCounts();
      const losses: number[] = [];
      for (let epoch = 0; losses.length < steps; epoch++) {
        for (const [x, y] of new data.DataLoader(train, { batchSize: 16, shuffle: true, seed: epoch })) {
          const loss = F.crossEntropy(model(x.view(-1, 1, 28, 28)), y);
          optimizer.zeroGrad();
          loss.backward();
          optimizer.step();
          scheduler.step();
          losses.push(loss.item());
        }
      }
      model.eval();
      model(train.tensors[0].narrow(0, 0, 8).view(-1, 1, 28, 28)).argmax(1);
      expect(fallbackCounts()).toEqual({});
      // Two passes over 64 images: the loss falls from about ln 10.
      expect(losses.slice(-4).reduce((a, b) => a + b) / 4).toBeLessThan(0.9 * losses[0]);
    } finally {
      setBackend("js");
    }
  });
});
