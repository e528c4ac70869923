/**
 * The CLI's model: an MLP built as a top-level `nn.Sequential` so state-dict keys are PyTorch's
 * (`0.weight`, `0.bias`, `2.weight`, ...), plus the reverse — recovering the architecture from a
 * checkpoint's keys — and the layer list the ONNX exporter wants.
 */
import { nn } from "../index.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Layer } from "../io/onnx.js";
import type { Activation, ArchConfig, InitName } from "./config.js";
import { CliError } from "./errors.js";
import { buildMlp } from "../nn/mlp.js";

/**
 * Builds Linear → [BatchNorm1d] → activation → [Dropout] per hidden layer, then a final Linear:
 * the library's MLP (src/nn/mlp.ts), which the lab builds too. Draws initial weights from the
 * global generator, so seed it first.
 */
export function buildModel(arch: ArchConfig, init: InitName = "default"): nn.Sequential {
  return buildMlp({
    inputs: arch.inputSize, hidden: arch.hidden, outputs: arch.numClasses, activation: arch.activation,
    dropout: arch.dropout, batchnorm: arch.batchnorm, init,
  });
}

/** A state-dict entry as a file must hold it: its shape, and whether it is an integer counter. */
export interface ExpectedEntry { shape: number[]; integer: boolean }

/**
 * The state-dict keys and shapes `buildModel(arch)` would have, without building it (a file's
 * header is checked against them before a byte of weights is allocated). Mirrors buildModel's
 * layout: Linear, [BatchNorm1d], activation, [Dropout] per hidden layer, then the last Linear.
 */
export function expectedEntries(arch: ArchConfig): Map<string, ExpectedEntry> {
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
export function inferArch(shapes: Map<string, readonly number[]>, activationName: Activation = "relu"): ArchConfig & { layout: string[] } {
  const byIndex = new Map<number, Set<string>>();
  for (const key of shapes.keys()) {
    const m = /^(\d+)\.(weight|bias|running_mean|running_var|num_batches_tracked)$/.exec(key);
    if (!m) throw new CliError(`checkpoint key "${key}" is not an MLP layer key like "0.weight" (a top-level nn.Sequential of Linear/BatchNorm1d layers)`);
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
      throw new CliError(`checkpoint layer indices jump from ${prev} to ${i}; `
        + "an MLP has at most an activation and a dropout between two layers");
    }
    prev = i;
    const w = shapes.get(`${i}.weight`);
    while (layout.length < i) layout.push(layout.length && layout[layout.length - 1] !== "linear" && layout[layout.length - 1] !== "batchnorm" ? "dropout" : "act");
    if (w && w.length === 2) { layout.push("linear"); linears.push([...w]); }
    else if (byIndex.get(i)!.has("running_mean")) { layout.push("batchnorm"); batchnorm = true; }
    else throw new CliError(`checkpoint layer ${i} is neither Linear (2-D weight) nor BatchNorm1d (running_mean)`);
  }
  if (layout.includes("dropout")) dropout = true;
  if (layout[layout.length - 1] !== "linear") throw new CliError("checkpoint does not end with a Linear layer");
  for (let k = 1; k < linears.length; k++) {
    if (linears[k][1] !== linears[k - 1][0]) throw new CliError(`checkpoint layers do not chain: ${k - 1} outputs ${linears[k - 1][0]} features but the next Linear expects ${linears[k][1]}`);
  }
  return {
    inputSize: linears[0][1], numClasses: linears[linears.length - 1][0],
    hidden: linears.slice(0, -1).map((w) => w[0]), activation: activationName,
    // The rate does not matter for inference; any p > 0 puts the Dropout module in its slot.
    dropout: dropout ? 0.5 : 0, batchnorm, layout,
  };
}

/** The model as the layer list `exportMlpOnnx` takes (inference mode: BatchNorm uses running stats). */
export function onnxLayers(model: nn.Sequential): Layer[] {
  const f32 = (t: Tensor | null) => Float32Array.from(t!.dataSync());
  return [...model.children()].map((m): Layer => {
    if (m instanceof nn.Linear) return { type: "linear", weight: f32(m.weight), bias: m.bias ? f32(m.bias) : null, inFeatures: m.inFeatures, outFeatures: m.outFeatures };
    if (m instanceof nn.BatchNorm1d) {
      return { type: "batchnorm", weight: f32(m.weight), bias: f32(m.bias), runningMean: f32(m.running_mean), runningVar: f32(m.running_var), eps: m.eps };
    }
    if (m instanceof nn.ReLU) return { type: "relu" };
    if (m instanceof nn.Sigmoid) return { type: "sigmoid" };
    if (m instanceof nn.Tanh) return { type: "tanh" };
    if (m instanceof nn.GELU) return { type: "gelu" };
    if (m instanceof nn.SiLU) return { type: "silu" };
    if (m instanceof nn.Dropout) return { type: "dropout" };
    if (m instanceof nn.Identity) return { type: "identity" };
    throw new CliError(`cannot export ${m.constructor.name} to ONNX`);
  });
}
