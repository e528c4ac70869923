/**
 * ONNX export for multi-layer perceptrons and convolutional networks.
 *
 * Produces a self-contained ModelProto (ir_version 8, default opset 17) whose
 * graph takes `input: float32[N, ...inputShape]` (an MLP's `[N, inputSize]`, a
 * CNN's `[N, C, H, W]`) and returns `logits`. Weights are stored as initializers
 * in little-endian `raw_data`. Pure: works in browsers.
 */
import { ATTR_FLOAT, ATTR_INT, ATTR_INTS, ONNX_FLOAT, ONNX_INT64, onnxModelProto } from "./onnx_proto.js";

/** A fully connected layer, PyTorch layout: `weight` is `[outFeatures, inFeatures]` row-major. */
export interface LinearLayer {
  type: "linear";
  weight: Float32Array;
  bias: Float32Array | null;
  inFeatures: number;
  outFeatures: number;
}

/** Inference-mode batch normalisation over the feature axis (PyTorch BatchNorm1d). */
export interface BatchNormLayer {
  type: "batchnorm";
  weight: Float32Array;
  bias: Float32Array;
  runningMean: Float32Array;
  runningVar: Float32Array;
  eps: number;
}

/** Element-wise and shape-preserving layers. */
export type SimpleLayer =
  | { type: "relu" | "sigmoid" | "tanh" | "gelu" | "silu" | "logSoftmax" | "identity" | "flatten" | "dropout" }
  | { type: "leakyRelu"; alpha?: number }
  | { type: "softmax"; axis?: number };

/** Pairs are (height, width), as PyTorch's kernel_size, stride, dilation. */
type Pair = [number, number];

/**
 * A 2-D convolution (PyTorch Conv2d): `weight` is `[outChannels, inChannels/groups, kH, kW]`.
 * `pads` is ONNX's `[top, left, bottom, right]` (PyTorch's "same" can pad unevenly).
 */
export interface ConvLayer {
  type: "conv";
  weight: Float32Array;
  bias: Float32Array | null;
  inChannels: number;
  outChannels: number;
  kernelSize: Pair;
  stride: Pair;
  pads: [number, number, number, number];
  dilation: Pair;
  groups: number;
}

/** A transposed 2-D convolution (PyTorch ConvTranspose2d): `weight` is `[inChannels, outChannels/groups, kH, kW]`. */
export interface ConvTransposeLayer {
  type: "convTranspose";
  weight: Float32Array;
  bias: Float32Array | null;
  inChannels: number;
  outChannels: number;
  kernelSize: Pair;
  stride: Pair;
  padding: Pair;
  outputPadding: Pair;
  dilation: Pair;
  groups: number;
}

/** 2-D max or average pooling (PyTorch MaxPool2d / AvgPool2d); global average pooling has no window. */
export type PoolLayer =
  | { type: "maxPool"; kernelSize: Pair; stride: Pair; padding: Pair; dilation: Pair; ceilMode: boolean }
  | { type: "avgPool"; kernelSize: Pair; stride: Pair; padding: Pair; ceilMode: boolean; countIncludePad: boolean }
  | { type: "globalAvgPool" };

/** `body(x) + shortcut(x)` (an empty shortcut is x itself): a ResNet block before its last ReLU. */
export interface ResidualLayer {
  type: "residual";
  body: Layer[];
  shortcut: Layer[];
}

/** One step of a network, in order. */
export type Layer =
  | LinearLayer
  | BatchNormLayer
  | SimpleLayer
  | ConvLayer
  | ConvTransposeLayer
  | PoolLayer
  | ResidualLayer;

/** Options for {@link exportOnnx}. */
export interface OnnxGraphOptions {
  /** One example's shape: `[features]`, or `[channels, height, width]`; the batch dimension is symbolic ("N"). */
  inputShape: number[];
  /** ONNX opset of the default domain; 13 or newer. Defaults to 17. */
  opset?: number;
  /** Written to ModelProto.producer_version. */
  producerVersion?: string;
  /** Name of the graph. Defaults to "gradlab". */
  graphName?: string;
}

/** Options for {@link exportMlpOnnx}. */
export interface OnnxExportOptions {
  /** Features per input row; the batch dimension is symbolic ("N"). */
  inputSize: number;
  /** ONNX opset of the default domain; 13 or newer. Defaults to 17. */
  opset?: number;
  /** Written to ModelProto.producer_version. */
  producerVersion?: string;
  /** Name of the graph. Defaults to "gradlab_mlp". */
  graphName?: string;
}

/** Raised for layers that cannot be exported or do not fit together. */
export class OnnxExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OnnxExportError";
  }
}

/** @internal An ONNX attribute (float, int or ints). */
export interface Attr {
  name: string;
  type: number;
  f?: number;
  i?: number;
  ints?: number[];
}
interface Node {
  op_type: string;
  name: string;
  input: string[];
  output: string[];
  attribute: Attr[];
}
interface Initializer {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

/** Accumulates nodes and initializers while walking the layers. */
export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Initializer[] = [];
  private readonly constants = new Map<number, string>();
  private counter = 0;

  /** Adds a node and returns the name of its (single) output. */
  op(opType: string, inputs: string[], prefix: string, attrs: Attr[] = []): string {
    const output = `${prefix}/${opType}_${this.counter++}`;
    this.nodes.push({ op_type: opType, name: output, input: inputs, output: [output], attribute: attrs });
    return output;
  }

  tensor(name: string, dims: number[], values: Float32Array): string {
    this.initializers.push({ name, dims, data_type: ONNX_FLOAT, raw_data: float32LittleEndian(values) });
    return name;
  }

  /** An int64 initializer (shapes, slice bounds), little-endian raw data. */
  int64(name: string, values: number[]): string {
    const raw = new Uint8Array(values.length * 8);
    const dv = new DataView(raw.buffer);
    values.forEach((v, i) => dv.setBigInt64(8 * i, BigInt(v), true));
    this.initializers.push({ name, dims: [values.length], data_type: ONNX_INT64, raw_data: raw });
    return name;
  }

  /** A float32 scalar initializer, shared between layers that use the same value. */
  scalar(value: number): string {
    let name = this.constants.get(value);
    if (name === undefined) {
      name = this.tensor(`const_${this.constants.size}`, [], new Float32Array([value]));
      this.constants.set(value, name);
    }
    return name;
  }
}

/**
 * Exports an MLP as ONNX model bytes (a serialised `onnx.ModelProto`).
 *
 * Mapping (opset 17): Linear → Gemm(transB=1); ReLU/Sigmoid/Tanh/LeakyRelu/
 * Softmax/LogSoftmax → the ONNX op of that name; GELU → exact erf form
 * `0.5·x·(1+erf(x/√2))` from Div/Erf/Add/Mul (no Gelu op before opset 20);
 * SiLU → `x·Sigmoid(x)`; BatchNorm → BatchNormalization (inference);
 * Dropout, identity and flatten (the input is already 2-D) → Identity.
 *
 * @param layers - The layers in forward order.
 * @param opts - `inputSize` is required; `opset` defaults to 17.
 * @returns Bytes loadable by onnxruntime and `onnx.load`.
 * @throws {@link OnnxExportError} when a layer's sizes do not chain.
 */
export function exportMlpOnnx(layers: Layer[], opts: OnnxExportOptions): Uint8Array {
  if (!Number.isInteger(opts.inputSize) || opts.inputSize <= 0) {
    throw new OnnxExportError(`inputSize must be a positive integer, got ${opts.inputSize}.`);
  }
  return exportOnnx(layers, { ...opts, inputShape: [opts.inputSize], graphName: opts.graphName ?? "gradlab_mlp" });
}

/**
 * Exports a network as ONNX model bytes, layers in forward order, input `float32[N, ...inputShape]`.
 *
 * Beyond {@link exportMlpOnnx}'s mapping: conv → Conv, convTranspose → ConvTranspose, maxPool →
 * MaxPool, avgPool → AveragePool (count_include_pad), globalAvgPool → GlobalAveragePool,
 * batchnorm on (N, C, H, W) → BatchNormalization, flatten of a feature map → Flatten(axis 1),
 * residual → its body and shortcut joined by Add. Each layer's output shape is worked out as it
 * goes, so layers that do not fit together are refused before any bytes are written.
 *
 * @throws {@link OnnxExportError} naming the layer whose sizes do not chain.
 */
export function exportOnnx(layers: Layer[], opts: OnnxGraphOptions): Uint8Array {
  const opset = opts.opset ?? 17;
  if (!Number.isInteger(opset) || opset < 13) {
    // Softmax's per-axis semantics and Gemm's optional bias need opset 13.
    throw new OnnxExportError(`opset ${opset} is not supported; use 13 or newer.`);
  }
  const dims = opts.inputShape;
  if (!dims.length || !dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new OnnxExportError(`inputShape must be positive integers, got [${dims.join(", ")}].`);
  }
  const g = new GraphBuilder();
  const out = emitLayers(g, layers, "input", [...dims], "layer");
  return encodeGraph(g, { ...opts, opset, graphName: opts.graphName ?? "gradlab" }, dims, out.shape);
}

/** Emits `layers` one after another, naming them `<prefix><index>_<type>`. */
function emitLayers(
  g: GraphBuilder,
  layers: Layer[],
  x: string,
  shape: number[],
  prefix: string,
): { current: string; shape: number[] } {
  let cur = { current: x, shape };
  layers.forEach((layer, index) => {
    cur = emitLayer(g, layer, cur.current, cur.shape, `${prefix}${index}_${layer.type}`);
  });
  return cur;
}

/**
 * Finishes graph `g` as ModelProto bytes: input `input: float32[N, ...inputDims]`, output
 * `logits: float32[N, ...outputDims]` (the last node pushed, which nothing consumes).
 */
export function encodeGraph(
  g: GraphBuilder,
  opts: { opset: number; producerVersion?: string; graphName: string },
  inputDims: number[],
  outputDims: number[],
): Uint8Array {
  const { opset } = opts;
  // The graph output must be produced by a node; an empty layer list still needs one.
  if (g.nodes.length === 0) g.op("Identity", ["input"], "output");
  // Every layer's final node is the last one pushed, and nothing consumes it yet.
  g.nodes[g.nodes.length - 1]!.output = ["logits"];

  return encodeModel(
    g,
    opts,
    [valueInfo("input", ONNX_FLOAT, ["N", ...inputDims])],
    [valueInfo("logits", ONNX_FLOAT, ["N", ...outputDims])],
  );
}

/** A graph input or output: its name, element type (ONNX_FLOAT, ONNX_INT32, ...) and dims (a string for a dynamic one). */
export type ValueInfo = ReturnType<typeof valueInfo>;

/** ModelProto bytes of graph `g` with the given inputs and outputs (their names must be the graph's). */
export function encodeModel(
  g: GraphBuilder,
  opts: { opset: number; producerVersion?: string; graphName: string },
  inputs: ValueInfo[],
  outputs: ValueInfo[],
): Uint8Array {
  const { opset } = opts;
  const model = {
    // ONNX's versioning table: opsets up to 18 go with IR 8, 19–20 with IR 9, 21–22 with IR 10.
    ir_version: opset <= 18 ? 8 : opset <= 20 ? 9 : 10,
    producer_name: "gradlab",
    producer_version: opts.producerVersion ?? "",
    opset_import: [{ domain: "", version: opset }],
    graph: { name: opts.graphName, node: g.nodes, initializer: g.initializers, input: inputs, output: outputs },
  };
  const type = onnxModelProto();
  return type.encode(type.fromObject(model)).finish();
}

/**
 * Emits one layer's nodes after `x` and returns their output and its feature count (`width`:
 * the channels for BatchNormalization on (N, C, ...) input).
 */
function emitLayer(
  g: GraphBuilder,
  layer: Layer,
  x: string,
  shape: number[],
  prefix: string,
): { current: string; shape: number[] } {
  const where = `${prefix.replace(/_[a-zA-Z]+$/, "")} (${layer.type})`;
  // Features of a flat input, channels of a feature map: the axis Linear and BatchNorm act on.
  const width = shape[0]!;
  const same = (current: string) => ({ current, shape });
  switch (layer.type) {
    case "linear": {
      const { inFeatures: inF, outFeatures: outF } = layer;
      if (shape.length !== 1) {
        throw new OnnxExportError(
          `${where} expects ${inF} input features but receives a [${shape.join(", ")}] feature map; flatten it first.`,
        );
      }
      if (inF !== width) throw new OnnxExportError(`${where} expects ${inF} input features but receives ${width}.`);
      checkLength(where, "weight", layer.weight, inF * outF);
      const inputs = [x, g.tensor(`${prefix}.weight`, [outF, inF], layer.weight)];
      if (layer.bias !== null) {
        checkLength(where, "bias", layer.bias, outF);
        inputs.push(g.tensor(`${prefix}.bias`, [outF], layer.bias));
      }
      return { current: g.op("Gemm", inputs, prefix, [intAttr("transB", 1)]), shape: [outF] };
    }
    case "batchnorm": {
      const params = ["weight", "bias", "runningMean", "runningVar"] as const;
      for (const p of params) checkLength(where, p, layer[p], width);
      const inputs = [x, ...params.map((p) => g.tensor(`${prefix}.${p}`, [width], layer[p]))];
      return same(g.op("BatchNormalization", inputs, prefix, [floatAttr("epsilon", layer.eps)]));
    }
    case "relu":
      return same(g.op("Relu", [x], prefix));
    case "sigmoid":
      return same(g.op("Sigmoid", [x], prefix));
    case "tanh":
      return same(g.op("Tanh", [x], prefix));
    case "leakyRelu":
      return same(g.op("LeakyRelu", [x], prefix, [floatAttr("alpha", layer.alpha ?? 0.01)]));
    case "softmax":
      return same(g.op("Softmax", [x], prefix, [intAttr("axis", layer.axis ?? -1)]));
    case "logSoftmax":
      return same(g.op("LogSoftmax", [x], prefix, [intAttr("axis", -1)]));
    case "gelu":
      return same(emitGelu(g, x, prefix));
    case "silu":
      return same(g.op("Mul", [x, g.op("Sigmoid", [x], prefix)], prefix));
    case "flatten":
      // A flat input is already (N, features); a feature map becomes (N, C·H·W).
      if (shape.length > 1)
        return { current: g.op("Flatten", [x], prefix, [intAttr("axis", 1)]), shape: [size(shape)] };
      return same(g.op("Identity", [x], prefix));
    case "identity":
    case "dropout":
      return same(g.op("Identity", [x], prefix));
    case "conv":
    case "convTranspose":
    case "maxPool":
    case "avgPool":
    case "globalAvgPool":
      return emitSpatial(g, layer, x, featureMap(where, shape), prefix, where);
    case "residual": {
      const body = emitLayers(g, layer.body, x, shape, `${prefix}/body`);
      const skip = emitLayers(g, layer.shortcut, x, shape, `${prefix}/shortcut`);
      if (body.shape.join() !== skip.shape.join()) {
        throw new OnnxExportError(
          `${where}: the body gives [${body.shape.join(", ")}] but the shortcut [${skip.shape.join(", ")}]; ` +
            "they must match to be added.",
        );
      }
      return { current: g.op("Add", [body.current, skip.current], prefix), shape: body.shape };
    }
    default:
      throw new OnnxExportError(`${where}: unknown layer type ${JSON.stringify((layer as { type: unknown }).type)}.`);
  }
}

const size = (dims: number[]): number => dims.reduce((a, b) => a * b, 1);

/** A (C, H, W) feature map's shape, or an error naming the layer that needed one. */
function featureMap(where: string, shape: number[]): [number, number, number] {
  if (shape.length !== 3)
    throw new OnnxExportError(`${where} needs (N, C, H, W) input but receives [N, ${shape.join(", ")}].`);
  return shape as [number, number, number];
}

/** One output size of a window sliding over `n` (PyTorch's formula, with its ceil-mode rule). */
function windows(n: number, k: number, s: number, padBegin: number, padEnd: number, d: number, ceil = false): number {
  const span = n + padBegin + padEnd - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // A last window that would start in the right padding is dropped.
  if (ceil && (out - 1) * s >= n + padBegin) out--;
  return out;
}

/** Convolutions and pooling: (C, H, W) in, nodes emitted, (C', H', W') out. */
function emitSpatial(
  g: GraphBuilder,
  layer: ConvLayer | ConvTransposeLayer | PoolLayer,
  x: string,
  [c, h, w]: [number, number, number],
  prefix: string,
  where: string,
): { current: string; shape: number[] } {
  const outOf = (hw: Pair, ch: number) => {
    if (!(hw[0] >= 1 && hw[1] >= 1)) {
      throw new OnnxExportError(
        `${where} turns a ${h}×${w} input into ${hw[0]}×${hw[1]}; the window is larger than the padded input.`,
      );
    }
    return [ch, hw[0], hw[1]];
  };
  switch (layer.type) {
    case "conv":
    case "convTranspose": {
      const { kernelSize: k, stride: s, dilation: d, groups } = layer;
      if (layer.inChannels !== c)
        throw new OnnxExportError(`${where} expects ${layer.inChannels} input channels but receives ${c}.`);
      const transposed = layer.type === "convTranspose";
      const wDims = transposed
        ? [layer.inChannels, layer.outChannels / groups, ...k]
        : [layer.outChannels, layer.inChannels / groups, ...k];
      checkLength(where, "weight", layer.weight, size(wDims));
      const inputs = [x, g.tensor(`${prefix}.weight`, wDims, layer.weight)];
      if (layer.bias !== null) {
        checkLength(where, "bias", layer.bias, layer.outChannels);
        inputs.push(g.tensor(`${prefix}.bias`, [layer.outChannels], layer.bias));
      }
      const attrs = [
        intsAttr("kernel_shape", k),
        intsAttr("strides", s),
        intsAttr("dilations", d),
        intAttr("group", groups),
      ];
      if (layer.type === "conv") {
        const p = layer.pads;
        const hw: Pair = [windows(h, k[0], s[0], p[0], p[2], d[0]), windows(w, k[1], s[1], p[1], p[3], d[1])];
        return {
          current: g.op("Conv", inputs, prefix, [...attrs, intsAttr("pads", p)]),
          shape: outOf(hw, layer.outChannels),
        };
      }
      const { padding: p, outputPadding: op } = layer;
      const hw: Pair = [0, 1].map(
        (i) => ([h, w][i]! - 1) * s[i]! - 2 * p[i]! + d[i]! * (k[i]! - 1) + op[i]! + 1,
      ) as Pair;
      attrs.push(intsAttr("pads", [p[0], p[1], p[0], p[1]]), intsAttr("output_padding", op));
      return { current: g.op("ConvTranspose", inputs, prefix, attrs), shape: outOf(hw, layer.outChannels) };
    }
    case "maxPool":
    case "avgPool": {
      const { kernelSize: k, stride: s, padding: p, ceilMode } = layer;
      const d: Pair = layer.type === "maxPool" ? layer.dilation : [1, 1];
      const hw: Pair = [
        windows(h, k[0], s[0], p[0], p[0], d[0], ceilMode),
        windows(w, k[1], s[1], p[1], p[1], d[1], ceilMode),
      ];
      const attrs = [
        intsAttr("kernel_shape", k),
        intsAttr("strides", s),
        intsAttr("pads", [p[0], p[1], p[0], p[1]]),
        intAttr("ceil_mode", ceilMode ? 1 : 0),
      ];
      if (layer.type === "maxPool") {
        // Dilations on MaxPool arrived in opset 10, so every opset this exporter writes has them.
        return { current: g.op("MaxPool", [x], prefix, [...attrs, intsAttr("dilations", d)]), shape: outOf(hw, c) };
      }
      attrs.push(intAttr("count_include_pad", layer.countIncludePad ? 1 : 0));
      return { current: g.op("AveragePool", [x], prefix, attrs), shape: outOf(hw, c) };
    }
    case "globalAvgPool":
      return { current: g.op("GlobalAveragePool", [x], prefix), shape: [c, 1, 1] };
  }
}

/** @internal Exact GELU, 0.5·x·(1 + erf(x/√2)), from Div/Erf/Add/Mul (ONNX has no Gelu op before opset 20). */
export function emitGelu(g: GraphBuilder, x: string, prefix: string): string {
  const erf = g.op("Erf", [g.op("Div", [x, g.scalar(Math.SQRT2)], prefix)], prefix);
  const onePlus = g.op("Add", [erf, g.scalar(1)], prefix);
  const halfX = g.op("Mul", [x, g.scalar(0.5)], prefix);
  return g.op("Mul", [halfX, onePlus], prefix);
}

function checkLength(where: string, what: string, arr: Float32Array, expected: number): void {
  if (!(arr instanceof Float32Array)) throw new OnnxExportError(`${where} ${what} must be a Float32Array.`);
  if (arr.length !== expected) {
    throw new OnnxExportError(`${where} ${what} has ${arr.length} values but ${expected} are needed.`);
  }
}

/** An int attribute. */
export function intAttr(name: string, i: number): Attr {
  return { name, type: ATTR_INT, i };
}

/** An ints (list) attribute, e.g. kernel_shape. */
export function intsAttr(name: string, ints: readonly number[]): Attr {
  return { name, type: ATTR_INTS, ints: [...ints] };
}

/** A float attribute. */
export function floatAttr(name: string, f: number): Attr {
  return { name, type: ATTR_FLOAT, f };
}

/** A graph input's or output's type: `elemType` tensor with `dims` (a string names a dynamic dim). */
export function valueInfo(name: string, elemType: number, dims: readonly (string | number)[]) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: { dim: dims.map((d) => (typeof d === "string" ? { dim_param: d } : { dim_value: d })) },
      },
    },
  };
}

/** ONNX raw_data is little-endian regardless of the host. */
function float32LittleEndian(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) dv.setFloat32(4 * i, values[i]!, true);
  return out;
}
