// Runs exported models in onnxruntime-node (CPU) and compares with a float64 JS forward pass.
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { exportMlpOnnx, type Layer, OnnxExportError } from "../../src/io/onnx.js";
import { onnxModelProto } from "../../src/io/onnx_proto.js";

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uniform(rand: () => number, n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
}

function linear(rand: () => number, inF: number, outF: number, bias = true): Layer {
  const k = 1 / Math.sqrt(inF); // PyTorch's default init range
  return {
    type: "linear",
    inFeatures: inF,
    outFeatures: outF,
    weight: uniform(rand, inF * outF, -k, k),
    bias: bias ? uniform(rand, outF, -k, k) : null,
  };
}

function batchnorm(rand: () => number, n: number): Layer {
  return {
    type: "batchnorm",
    weight: uniform(rand, n, 0.5, 1.5),
    bias: uniform(rand, n, -0.5, 0.5),
    runningMean: uniform(rand, n, -0.3, 0.3),
    runningVar: uniform(rand, n, 0.2, 2),
    eps: 1e-5,
  };
}

/** erf by its Maclaurin series; in float64 it is accurate to ~1e-12 for |x| < 4, beyond which erf is ±1 to 1.6e-8. */
function erf(x: number): number {
  if (Math.abs(x) >= 4) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** Straightforward float64 forward pass, one row at a time, as the spec of what ORT must compute. */
function reference(layers: Layer[], x: Float32Array, batch: number, inputSize: number): number[][] {
  const rows: number[][] = [];
  for (let r = 0; r < batch; r++) {
    let h = Array.from(x.subarray(r * inputSize, (r + 1) * inputSize));
    for (const layer of layers) {
      switch (layer.type) {
        case "linear":
          h = Array.from({ length: layer.outFeatures }, (_, o) => {
            let s = layer.bias ? layer.bias[o]! : 0;
            for (let i = 0; i < layer.inFeatures; i++) s += layer.weight[o * layer.inFeatures + i]! * h[i]!;
            return s;
          });
          break;
        case "batchnorm":
          h = h.map(
            (v, i) =>
              ((v - layer.runningMean[i]!) / Math.sqrt(layer.runningVar[i]! + layer.eps)) * layer.weight[i]! +
              layer.bias[i]!,
          );
          break;
        case "relu":
          h = h.map((v) => Math.max(0, v));
          break;
        case "sigmoid":
          h = h.map(sigmoid);
          break;
        case "tanh":
          h = h.map(Math.tanh);
          break;
        case "gelu":
          h = h.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2)));
          break;
        case "silu":
          h = h.map((v) => v * sigmoid(v));
          break;
        case "leakyRelu": {
          const a = layer.alpha ?? 0.01;
          h = h.map((v) => (v >= 0 ? v : a * v));
          break;
        }
        case "softmax":
        case "logSoftmax": {
          const m = Math.max(...h);
          const lse = m + Math.log(h.reduce((s, v) => s + Math.exp(v - m), 0));
          h = h.map((v) => (layer.type === "softmax" ? Math.exp(v - lse) : v - lse));
          break;
        }
        case "identity":
        case "dropout":
        case "flatten":
          break;
      }
    }
    rows.push(h);
  }
  return rows;
}

async function runOrt(
  bytes: Uint8Array,
  x: Float32Array,
  batch: number,
  inputSize: number,
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["cpu"] });
  try {
    expect(session.inputNames).toEqual(["input"]);
    expect(session.outputNames).toEqual(["logits"]);
    const out = await session.run({ input: new ort.Tensor("float32", x, [batch, inputSize]) });
    const logits = out.logits!;
    return { data: logits.data as Float32Array, dims: logits.dims };
  } finally {
    await session.release();
  }
}

async function checkAgainstReference(layers: Layer[], inputSize: number, batch: number, seed: number) {
  const bytes = exportMlpOnnx(layers, { inputSize });
  const x = uniform(rng(seed), batch * inputSize, -2, 2);
  const expected = reference(layers, x, batch, inputSize);
  const got = await runOrt(bytes, x, batch, inputSize);
  const width = expected[0]!.length;
  expect(got.dims).toEqual([batch, width]);
  let worst = 0;
  expected.flat().forEach((e, i) => {
    const err = Math.abs(got.data[i]! - e) / (1 + Math.abs(e)); // 1e-5 absolute near 0, relative elsewhere
    worst = Math.max(worst, err);
  });
  expect(worst).toBeLessThan(1e-5);
  return bytes;
}

describe("exportMlpOnnx + onnxruntime", () => {
  it("matches a JS forward pass for a 784-16-16-10 ReLU MLP", async () => {
    const r = rng(1);
    const layers: Layer[] = [
      { type: "flatten" },
      linear(r, 784, 16),
      { type: "relu" },
      linear(r, 16, 16),
      { type: "relu" },
      { type: "dropout" },
      linear(r, 16, 10),
    ];
    await checkAgainstReference(layers, 784, 8, 2);
  });

  it("matches for GELU, SiLU, BatchNorm, Sigmoid, Tanh, LeakyReLU and Softmax", async () => {
    const r = rng(3);
    const layers: Layer[] = [
      linear(r, 20, 12),
      batchnorm(r, 12),
      { type: "gelu" },
      linear(r, 12, 12),
      { type: "silu" },
      linear(r, 12, 8, false),
      { type: "sigmoid" },
      linear(r, 8, 6),
      { type: "tanh" },
      linear(r, 6, 6),
      { type: "leakyRelu", alpha: 0.2 },
      { type: "identity" },
      linear(r, 6, 5),
      { type: "softmax" },
    ];
    await checkAgainstReference(layers, 20, 13, 4);
  });

  it("matches for GELU over a wide input range and LogSoftmax", async () => {
    const r = rng(5);
    const layers: Layer[] = [
      linear(r, 3, 64),
      { type: "gelu" },
      batchnorm(r, 64),
      linear(r, 64, 7),
      { type: "logSoftmax" },
    ];
    // Scale the first layer up so GELU sees values out to |x| ~ 6.
    const first = layers[0] as Extract<Layer, { type: "linear" }>;
    first.weight = first.weight.map((v) => v * 4);
    await checkAgainstReference(layers, 3, 9, 6);
  });

  it("keeps the batch dimension symbolic", async () => {
    const r = rng(7);
    const layers: Layer[] = [linear(r, 5, 4), { type: "tanh" }];
    const bytes = exportMlpOnnx(layers, { inputSize: 5 });
    for (const batch of [1, 17]) {
      const x = uniform(rng(batch), batch * 5, -1, 1);
      expect((await runOrt(bytes, x, batch, 5)).dims).toEqual([batch, 4]);
    }
  });

  it("exports an empty layer list as an identity model", async () => {
    const bytes = exportMlpOnnx([], { inputSize: 3 });
    const x = new Float32Array([1, -2, 3, 4, 5, -6]);
    expect(Array.from((await runOrt(bytes, x, 2, 3)).data)).toEqual(Array.from(x));
  });
});

describe("exportMlpOnnx model structure", () => {
  const r = rng(9);
  const layers: Layer[] = [linear(r, 4, 3), { type: "relu" }, linear(r, 3, 2)];
  const model = onnxModelProto().toObject(onnxModelProto().decode(exportMlpOnnx(layers, { inputSize: 4 })), {
    longs: Number,
    defaults: false,
  }) as any;

  it("declares ir_version 8, opset 17 and gradlab as producer", () => {
    expect(model.ir_version).toBe(8);
    expect(model.producer_name).toBe("gradlab");
    expect(model.opset_import).toEqual([{ domain: "", version: 17 }]);
  });

  it("uses Gemm(transB=1) with raw little-endian float32 initializers", () => {
    const ops = model.graph.node.map((n: any) => n.op_type);
    expect(ops).toEqual(["Gemm", "Relu", "Gemm"]);
    expect(model.graph.node[0].attribute).toEqual([{ name: "transB", type: 2, i: 1 }]);
    const w0 = model.graph.initializer.find((t: any) => t.name.endsWith(".weight"));
    expect(w0.dims).toEqual([3, 4]);
    expect(w0.data_type).toBe(1);
    const raw: Uint8Array = w0.raw_data;
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const src = (layers[0] as Extract<Layer, { type: "linear" }>).weight;
    expect(Array.from({ length: 12 }, (_, i) => dv.getFloat32(4 * i, true))).toEqual(Array.from(src));
  });

  it("names the input and output with a symbolic batch", () => {
    expect(model.graph.input[0].name).toBe("input");
    expect(model.graph.input[0].type.tensor_type.shape.dim).toEqual([{ dim_param: "N" }, { dim_value: 4 }]);
    expect(model.graph.output[0].name).toBe("logits");
    expect(model.graph.output[0].type.tensor_type.shape.dim).toEqual([{ dim_param: "N" }, { dim_value: 2 }]);
  });
});

describe("exportMlpOnnx validation", () => {
  const r = rng(11);
  it("rejects layers whose sizes do not chain", () => {
    expect(() => exportMlpOnnx([linear(r, 4, 3), linear(r, 4, 2)], { inputSize: 4 })).toThrow(
      "layer1 (linear) expects 4 input features but receives 3.",
    );
    expect(() => exportMlpOnnx([linear(r, 4, 3), batchnorm(r, 4)], { inputSize: 4 })).toThrow(
      /layer1 \(batchnorm\) weight has 4 values but 3 are needed/,
    );
    expect(() => exportMlpOnnx([linear(r, 5, 3)], { inputSize: 4 })).toThrow(OnnxExportError);
  });

  it("rejects bad weight sizes, input sizes and opsets", () => {
    const bad: Layer = { type: "linear", inFeatures: 2, outFeatures: 2, weight: new Float32Array(3), bias: null };
    expect(() => exportMlpOnnx([bad], { inputSize: 2 })).toThrow(/weight has 3 values but 4 are needed/);
    expect(() => exportMlpOnnx([], { inputSize: 0 })).toThrow(/inputSize must be a positive integer/);
    expect(() => exportMlpOnnx([], { inputSize: 2, opset: 11 })).toThrow(/opset 11 is not supported/);
  });
});
