/**
 * The CLI's model: an MLP, LeNet-5 or a small ResNet, each built as a top-level `nn.Sequential` so
 * state-dict keys are PyTorch's (`0.weight`, `0.bias`, `2.weight`, ...), plus the reverse —
 * recovering an MLP's architecture from a checkpoint's keys — and the layer list the ONNX
 * exporter wants.
 */
import { models, nn, noGrad } from "../index.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Layer } from "../io/onnx.js";
import {
  type Activation,
  type ArchConfig,
  type CnnArch,
  type InitName,
  isCnn,
  type ModelArch,
  RESNET_BLOCKS,
  RESNET_WIDTHS,
} from "./config.js";
import { CliError } from "./errors.js";
import { buildMlp } from "../nn/mlp.js";

/**
 * Builds the model `arch` describes. An MLP is Linear → [BatchNorm1d] → activation → [Dropout]
 * per hidden layer, then a final Linear: the library's MLP (src/nn/mlp.ts), which the lab builds
 * too. A CNN is `models.lenet5()` or `models.resnet()` (PyTorch's default init; `init` is an MLP
 * setting). Draws initial weights from the global generator, so seed it first.
 */
export function buildModel(arch: ModelArch, init: InitName = "default"): nn.Sequential {
  if (isCnn(arch)) return buildCnn(arch);
  return buildMlp({
    inputs: arch.inputSize,
    hidden: arch.hidden,
    outputs: arch.numClasses,
    activation: arch.activation,
    dropout: arch.dropout,
    batchnorm: arch.batchnorm,
    init,
  });
}

/** LeNet-5 or the ResNet, as src/models builds them. */
function buildCnn(arch: CnnArch): nn.Sequential {
  const opts = { inChannels: arch.inChannels, numClasses: arch.numClasses };
  if (arch.model === "lenet") return models.lenet5(opts);
  return models.resnet({ ...opts, widths: arch.widths ?? RESNET_WIDTHS, blocks: arch.blocks ?? RESNET_BLOCKS });
}

/** The CNN architecture `gradlab train --model <name>` builds for MNIST. */
export function cnnArch(model: CnnArch["model"], numClasses = 10): CnnArch {
  const base: CnnArch = { model, inChannels: 1, imageSize: [28, 28], numClasses };
  return model === "resnet" ? { ...base, widths: [...RESNET_WIDTHS], blocks: RESNET_BLOCKS } : base;
}

/** One example's shape as the model takes it: [features] for an MLP, [channels, height, width] for a CNN. */
export function exampleShape(arch: ModelArch): number[] {
  return isCnn(arch) ? [arch.inChannels, ...arch.imageSize] : [arch.inputSize];
}

/** Input values per example (784 for MNIST, whatever the model). */
export const exampleSize = (arch: ModelArch): number => exampleShape(arch).reduce((a, b) => a * b, 1);

/** A state-dict entry as a file must hold it: its shape, and whether it is an integer counter. */
export interface ExpectedEntry {
  shape: number[];
  integer: boolean;
}

/**
 * The state-dict keys and shapes `buildModel(arch)` would have. For an MLP without building it (a
 * file's header is checked against them before a byte of weights is allocated), mirroring
 * buildModel's layout: Linear, [BatchNorm1d], activation, [Dropout] per hidden layer, then the
 * last Linear. A CNN's size is bounded by validateModelArch, so it is built and read.
 */
export function expectedEntries(arch: ModelArch): Map<string, ExpectedEntry> {
  if (isCnn(arch)) {
    const sd = noGrad(() => buildCnn(arch).stateDict());
    return new Map(Object.entries(sd).map(([k, t]) => [k, { shape: [...t.shape], integer: t.dtype === "int32" }]));
  }
  const out = new Map<string, ExpectedEntry>();
  const f = (shape: number[]): ExpectedEntry => ({ shape, integer: false });
  let i = 0;
  let width = arch.inputSize;
  for (const h of arch.hidden) {
    out.set(`${i}.weight`, f([h, width])).set(`${i}.bias`, f([h]));
    i++;
    if (arch.batchnorm) {
      for (const k of ["weight", "bias", "running_mean", "running_var"]) out.set(`${i}.${k}`, f([h]));
      out.set(`${i}.num_batches_tracked`, { shape: [], integer: true });
      i++;
    }
    i++; // the activation
    if (arch.dropout > 0) i++;
    width = h;
  }
  out.set(`${i}.weight`, f([arch.numClasses, width])).set(`${i}.bias`, f([arch.numClasses]));
  return out;
}

/**
 * Recovers an MLP architecture from state-dict shapes: 2-D `i.weight` tensors are Linear layers,
 * 1-D ones with `i.running_mean` are BatchNorm1d. Parameter-free modules between them (the
 * activation, then dropout) leave gaps in the indices, which the rebuilt model must reproduce.
 * The activation itself is not in the weights; `activation` supplies it (default ReLU).
 */
export function inferArch(
  shapes: Map<string, readonly number[]>,
  activationName: Activation = "relu",
): ArchConfig & { layout: string[] } {
  const byIndex = new Map<number, Set<string>>();
  for (const key of shapes.keys()) {
    const m = /^(\d+)\.(weight|bias|running_mean|running_var|num_batches_tracked)$/.exec(key);
    if (!m)
      throw new CliError(
        `checkpoint key "${key}" is not an MLP layer key like "0.weight" (a top-level nn.Sequential of Linear/BatchNorm1d layers)`,
      );
    const i = Number(m[1]);
    if (!byIndex.has(i)) byIndex.set(i, new Set());
    byIndex.get(i)!.add(m[2]);
  }
  const indices = [...byIndex.keys()].sort((a, b) => a - b);
  if (!indices.length) throw new CliError("checkpoint holds no tensors");
  const layout: string[] = [];
  const linears: number[][] = [];
  let batchnorm = false;
  let dropout = false;
  let prev = -1;
  for (const i of indices) {
    // Between two layers with tensors an MLP has at most an activation and a dropout; a key like
    // "1000000000.weight" would otherwise fill the layout with a billion placeholders.
    if (i - prev > 3) {
      throw new CliError(
        `checkpoint layer indices jump from ${prev} to ${i}; ` +
          "an MLP has at most an activation and a dropout between two layers",
      );
    }
    prev = i;
    const w = shapes.get(`${i}.weight`);
    while (layout.length < i)
      layout.push(
        layout.length && layout[layout.length - 1] !== "linear" && layout[layout.length - 1] !== "batchnorm"
          ? "dropout"
          : "act",
      );
    if (w && w.length === 2) {
      layout.push("linear");
      linears.push([...w]);
    } else if (byIndex.get(i)!.has("running_mean")) {
      layout.push("batchnorm");
      batchnorm = true;
    } else throw new CliError(`checkpoint layer ${i} is neither Linear (2-D weight) nor BatchNorm1d (running_mean)`);
  }
  if (layout.includes("dropout")) dropout = true;
  if (layout[layout.length - 1] !== "linear") throw new CliError("checkpoint does not end with a Linear layer");
  for (let k = 1; k < linears.length; k++) {
    if (linears[k][1] !== linears[k - 1][0])
      throw new CliError(
        `checkpoint layers do not chain: ${k - 1} outputs ${linears[k - 1][0]} features but the next Linear expects ${linears[k][1]}`,
      );
  }
  return {
    inputSize: linears[0][1],
    numClasses: linears[linears.length - 1][0],
    hidden: linears.slice(0, -1).map((w) => w[0]),
    activation: activationName,
    // The rate does not matter for inference; any p > 0 puts the Dropout module in its slot.
    dropout: dropout ? 0.5 : 0,
    batchnorm,
    layout,
  };
}

/** The model as the layer list `exportOnnx` takes (inference mode: BatchNorm uses running stats). */
export function onnxLayers(model: nn.Module): Layer[] {
  return [...model.children()].flatMap(onnxLayer);
}

/** [h, w] from PyTorch's int-or-pair. */
const pair = (v: number | readonly number[]): [number, number] => (typeof v === "number" ? [v, v] : [v[0], v[1]]);

/** One module as exporter layers (a nested Sequential as its children's). */
function onnxLayer(m: nn.Module): Layer[] {
  const f32 = (t: Tensor | null) => Float32Array.from(t!.dataSync());
  if (m instanceof nn.Sequential) return onnxLayers(m);
  if (m instanceof models.BasicBlock) {
    const body = [m.conv1, m.bn1, new nn.ReLU(), m.conv2, m.bn2].flatMap(onnxLayer);
    return [{ type: "residual", body, shortcut: m.downsample ? onnxLayers(m.downsample) : [] }, { type: "relu" }];
  }
  if (m instanceof nn.Linear)
    return [
      {
        type: "linear",
        weight: f32(m.weight),
        bias: m.bias ? f32(m.bias) : null,
        inFeatures: m.inFeatures,
        outFeatures: m.outFeatures,
      },
    ];
  if (m instanceof nn.BatchNorm1d || m instanceof nn.BatchNorm2d) {
    if (!m.running_mean || !m.running_var)
      throw new CliError(
        `cannot export ${m.constructor.name} without running statistics (trackRunningStats: false) to ONNX`,
      );
    const c = m.numFeatures;
    // Without affine parameters BatchNorm scales by 1 and shifts by 0.
    const weight = m.weight ? f32(m.weight) : new Float32Array(c).fill(1);
    const bias = m.bias ? f32(m.bias) : new Float32Array(c);
    return [
      { type: "batchnorm", weight, bias, runningMean: f32(m.running_mean), runningVar: f32(m.running_var), eps: m.eps },
    ];
  }
  if (m instanceof nn.Conv2d || m instanceof nn.ConvTranspose2d) return [convLayer(m)];
  if (m instanceof nn.MaxPool2d) {
    const o = m.opts;
    return [
      {
        type: "maxPool",
        kernelSize: pair(m.kernelSize),
        stride: pair(m.stride),
        padding: pair(o.padding ?? 0),
        dilation: pair(o.dilation ?? 1),
        ceilMode: o.ceilMode ?? false,
      },
    ];
  }
  if (m instanceof nn.AvgPool2d) {
    const o = m.opts;
    if (o.divisorOverride)
      throw new CliError("cannot export AvgPool2d with divisorOverride to ONNX (AveragePool has no such setting)");
    return [
      {
        type: "avgPool",
        kernelSize: pair(m.kernelSize),
        stride: pair(m.stride),
        padding: pair(o.padding ?? 0),
        ceilMode: o.ceilMode ?? false,
        countIncludePad: o.countIncludePad ?? true,
      },
    ];
  }
  if (m instanceof nn.AdaptiveAvgPool2d) {
    const o = m.outputSize;
    if (o === 1 || (Array.isArray(o) && o[0] === 1 && o[1] === 1)) return [{ type: "globalAvgPool" }];
    throw new CliError(
      `cannot export AdaptiveAvgPool2d(${JSON.stringify(o)}) to ONNX; only output size 1 (GlobalAveragePool) maps to one op`,
    );
  }
  if (m instanceof nn.Flatten) {
    if (m.startDim !== 1 || m.endDim !== -1)
      throw new CliError(
        `cannot export Flatten(${m.startDim}, ${m.endDim}) to ONNX; only Flatten(1, -1) maps to ONNX's Flatten`,
      );
    return [{ type: "flatten" }];
  }
  if (m instanceof nn.ReLU) return [{ type: "relu" }];
  if (m instanceof nn.LeakyReLU) return [{ type: "leakyRelu", alpha: m.negativeSlope }];
  if (m instanceof nn.Sigmoid) return [{ type: "sigmoid" }];
  if (m instanceof nn.Tanh) return [{ type: "tanh" }];
  if (m instanceof nn.GELU) return [{ type: "gelu" }];
  if (m instanceof nn.SiLU) return [{ type: "silu" }];
  if (m instanceof nn.Dropout || m instanceof nn.Dropout2d) return [{ type: "dropout" }];
  if (m instanceof nn.Identity) return [{ type: "identity" }];
  throw new CliError(`cannot export ${m.constructor.name} to ONNX`);
}

/** Conv2d or ConvTranspose2d as an exporter layer; "same" padding becomes PyTorch's (possibly uneven) pads. */
function convLayer(m: nn.Conv2d | nn.ConvTranspose2d): Layer {
  if (m.paddingMode !== "zeros")
    throw new CliError(`cannot export ${m.constructor.name} with paddingMode "${m.paddingMode}" to ONNX`);
  const f32 = (t: Tensor | null) => Float32Array.from(t!.dataSync());
  const [k, s, d] = [pair(m.kernelSize), pair(m.stride), pair(m.dilation)];
  const common = {
    weight: f32(m.weight),
    bias: m.bias ? f32(m.bias) : null,
    inChannels: m.inChannels,
    outChannels: m.outChannels,
    kernelSize: k,
    stride: s,
    dilation: d,
    groups: m.groups,
  };
  if (m instanceof nn.ConvTranspose2d) {
    return {
      type: "convTranspose",
      ...common,
      padding: pair(m.padding as number[]),
      outputPadding: pair(m.outputPadding),
    };
  }
  let pads: [number, number, number, number];
  if (m.padding === "valid") pads = [0, 0, 0, 0];
  else if (m.padding === "same") {
    // PyTorch pads dilation·(k − 1) in total, the smaller half before.
    const total = [0, 1].map((i) => d[i] * (k[i] - 1));
    pads = [
      Math.floor(total[0] / 2),
      Math.floor(total[1] / 2),
      total[0] - Math.floor(total[0] / 2),
      total[1] - Math.floor(total[1] / 2),
    ];
  } else {
    const p = pair(m.padding);
    pads = [p[0], p[1], p[0], p[1]];
  }
  return { type: "conv", ...common, pads };
}
