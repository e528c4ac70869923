/**
 * ONNX export for multi-layer perceptrons.
 *
 * Produces a self-contained ModelProto (ir_version 8, default opset 17) whose
 * graph takes `input: float32[N, inputSize]` and returns `logits`. Weights are
 * stored as initializers in little-endian `raw_data`. Pure: works in browsers.
 */
import { ATTR_FLOAT, ATTR_INT, ONNX_FLOAT, ONNX_INT64, onnxModelProto } from "./onnx_proto.js";

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

/** One step of an MLP, in order. */
export type Layer = LinearLayer | BatchNormLayer | SimpleLayer;

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

/** @internal Accumulates nodes and initializers while walking the layers (also used by the GPT export). */
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
  const opset = opts.opset ?? 17;
  if (!Number.isInteger(opset) || opset < 13) {
    // Softmax's per-axis semantics and Gemm's optional bias need opset 13.
    throw new OnnxExportError(`opset ${opset} is not supported; use 13 or newer.`);
  }
  if (!Number.isInteger(opts.inputSize) || opts.inputSize <= 0) {
    throw new OnnxExportError(`inputSize must be a positive integer, got ${opts.inputSize}.`);
  }

  const g = new GraphBuilder();
  let current = "input";
  let width = opts.inputSize;
  layers.forEach((layer, index) => {
    const prefix = `layer${index}_${layer.type}`;
    ({ current, width } = emitLayer(g, layer, current, width, prefix));
  });

  // The graph output must be produced by a node; an empty layer list still needs one.
  if (g.nodes.length === 0) g.op("Identity", [current], "output");
  // Every layer's final node is the last one pushed, and nothing consumes it yet.
  g.nodes[g.nodes.length - 1]!.output = ["logits"];

  const model = {
    // ONNX's versioning table: opsets up to 18 go with IR 8, 19–20 with IR 9, 21–22 with IR 10.
    ir_version: opset <= 18 ? 8 : opset <= 20 ? 9 : 10,
    producer_name: "gradlab",
    producer_version: opts.producerVersion ?? "",
    opset_import: [{ domain: "", version: opset }],
    graph: {
      name: opts.graphName ?? "gradlab_mlp",
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo("input", opts.inputSize)],
      output: [valueInfo("logits", width)],
    },
  };
  const type = onnxModelProto();
  const message = type.fromObject(model);
  return type.encode(message).finish();
}

function emitLayer(
  g: GraphBuilder,
  layer: Layer,
  x: string,
  width: number,
  prefix: string,
): { current: string; width: number } {
  const where = `${prefix.replace(/_.*/, "")} (${layer.type})`;
  switch (layer.type) {
    case "linear": {
      const { inFeatures: inF, outFeatures: outF } = layer;
      if (inF !== width) throw new OnnxExportError(`${where} expects ${inF} input features but receives ${width}.`);
      checkLength(where, "weight", layer.weight, inF * outF);
      const inputs = [x, g.tensor(`${prefix}.weight`, [outF, inF], layer.weight)];
      if (layer.bias !== null) {
        checkLength(where, "bias", layer.bias, outF);
        inputs.push(g.tensor(`${prefix}.bias`, [outF], layer.bias));
      }
      return { current: g.op("Gemm", inputs, prefix, [intAttr("transB", 1)]), width: outF };
    }
    case "batchnorm": {
      const params = ["weight", "bias", "runningMean", "runningVar"] as const;
      for (const p of params) checkLength(where, p, layer[p], width);
      const inputs = [x, ...params.map((p) => g.tensor(`${prefix}.${p}`, [width], layer[p]))];
      return { current: g.op("BatchNormalization", inputs, prefix, [floatAttr("epsilon", layer.eps)]), width };
    }
    case "relu":
      return { current: g.op("Relu", [x], prefix), width };
    case "sigmoid":
      return { current: g.op("Sigmoid", [x], prefix), width };
    case "tanh":
      return { current: g.op("Tanh", [x], prefix), width };
    case "leakyRelu":
      return { current: g.op("LeakyRelu", [x], prefix, [floatAttr("alpha", layer.alpha ?? 0.01)]), width };
    case "softmax":
      return { current: g.op("Softmax", [x], prefix, [intAttr("axis", layer.axis ?? -1)]), width };
    case "logSoftmax":
      return { current: g.op("LogSoftmax", [x], prefix, [intAttr("axis", -1)]), width };
    case "gelu":
      return { current: emitGelu(g, x, prefix), width };
    case "silu":
      return { current: g.op("Mul", [x, g.op("Sigmoid", [x], prefix)], prefix), width };
    case "identity":
    case "dropout":
    case "flatten":
      return { current: g.op("Identity", [x], prefix), width };
    default:
      throw new OnnxExportError(`${where}: unknown layer type ${JSON.stringify((layer as { type: unknown }).type)}.`);
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

/** @internal */
export function intAttr(name: string, i: number): Attr {
  return { name, type: ATTR_INT, i };
}

/** @internal */
export function floatAttr(name: string, f: number): Attr {
  return { name, type: ATTR_FLOAT, f };
}

function valueInfo(name: string, features: number) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: ONNX_FLOAT,
        shape: { dim: [{ dim_param: "N" }, { dim_value: features }] },
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
