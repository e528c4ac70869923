/**
 * ONNX export of the character GPT (`models.gpt`): a ModelProto (default opset 17) whose graph takes
 * `idx: int32[N, T]` (T ≤ blockSize, both dynamic) and returns `logits: float32[N, T, vocabSize]`,
 * computing what `GPT.forward` does in eval mode:
 *
 *   x = Gather(tok_emb, idx) + Slice(pos_emb, 0..T)
 *   per layer: h = LayerNormalization(x); q, k, v = Split(h·W_inᵀ + b_in) → (N, heads, T, d);
 *              x += (Softmax(q·kᵀ/√d + causal mask)·v → (N, T, E))·W_outᵀ + b_out
 *              x += GELU(LayerNormalization(x)·W1ᵀ + b1)·W2ᵀ + b2
 *   logits = LayerNormalization(x)·W_headᵀ + b_head
 *
 * Weights are initializers (Linear weights stored transposed for MatMul). Pure: works in browsers.
 */
import type { Tensor } from "../tensor/tensor.js";
import {
  type Attr,
  emitGelu,
  encodeModel,
  floatAttr,
  GraphBuilder,
  intAttr,
  OnnxExportError,
  valueInfo,
} from "./onnx.js";
import { ATTR_INTS, ONNX_FLOAT, ONNX_INT32 } from "./onnx_proto.js";

/** The sizes of the GPT being exported (models.gpt's config). */
export interface GptOnnxConfig {
  vocabSize: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
}

const ints = (name: string, values: number[]): Attr => ({ name, type: ATTR_INTS, ints: values });

/**
 * Exports a GPT's state dict (models.gpt keys: `tok_emb.weight`, `blocks.layers.0.self_attn.in_proj_weight`,
 * ...) as ONNX model bytes, loadable by onnxruntime.
 *
 * @throws {@link OnnxExportError} when a key is missing or a shape disagrees with `config`.
 */
export function exportGptOnnx(
  stateDict: Record<string, Tensor>,
  config: GptOnnxConfig,
  opts: { opset?: number; producerVersion?: string } = {},
): Uint8Array {
  const opset = opts.opset ?? 17;
  if (!Number.isInteger(opset) || opset < 17) {
    throw new OnnxExportError(`opset ${opset} is not supported for the GPT; use 17 or newer (LayerNormalization).`);
  }
  const { vocabSize: V, blockSize: B, nLayer: L, nHead: H, nEmbd: E } = config;
  const d = E / H;
  const g = new GraphBuilder();
  const weight = (key: string, shape: number[], transpose = false): string => {
    const t = stateDict[key];
    if (!t) throw new OnnxExportError(`the GPT's state dict has no ${key}.`);
    if (t.shape.join() !== shape.join()) {
      throw new OnnxExportError(`${key} is [${t.shape.join(", ")}], expected [${shape.join(", ")}] for this config.`);
    }
    // MatMul takes x·Wᵀ: store the transpose (the reads materialise the transposed view).
    const values = transpose ? t.t().dataSync() : t.dataSync();
    return g.tensor(key + (transpose ? ".T" : ""), transpose ? [shape[1], shape[0]] : shape, Float32Array.from(values));
  };
  const linear = (x: string, p: string, inF: number, outF: number): string =>
    g.op("Add", [g.op("MatMul", [x, weight(`${p}.weight`, [outF, inF], true)], p), weight(`${p}.bias`, [outF])], p);
  const layerNorm = (x: string, p: string): string =>
    g.op("LayerNormalization", [x, weight(`${p}.weight`, [E]), weight(`${p}.bias`, [E])], p, [
      intAttr("axis", -1),
      floatAttr("epsilon", 1e-5),
    ]);

  // T as a 1-element int64 tensor, for slicing the position table and the mask.
  const t1 = g.op("Slice", [g.op("Shape", ["idx"], "shape"), g.int64("one", [1]), g.int64("two", [2])], "shape");
  const zero = g.int64("zero", [0]);
  const pos = g.op("Slice", [weight("pos_emb.weight", [B, E]), zero, t1, zero], "pos_emb");
  let x = g.op(
    "Add",
    [g.op("Gather", [weight("tok_emb.weight", [V, E]), "idx"], "tok_emb", [intAttr("axis", 0)]), pos],
    "embed",
  );
  // The causal mask as an additive bias: −∞ above the diagonal, as PyTorch's generate_square_subsequent_mask.
  const mask = new Float32Array(B * B);
  for (let i = 0; i < B; i++) for (let j = i + 1; j < B; j++) mask[i * B + j] = -Infinity;
  const tt = g.op("Concat", [t1, t1], "mask", [intAttr("axis", 0)]);
  const causal = g.op(
    "Slice",
    [g.tensor("causal_mask", [B, B], mask), g.int64("zero2", [0, 0]), tt, g.int64("axes01", [0, 1])],
    "mask",
  );
  const headsShape = g.int64("heads_shape", [0, 0, H, d]),
    mergeShape = g.int64("merge_shape", [0, 0, E]);
  const split = g.int64("qkv_split", [E, E, E]);
  for (let l = 0; l < L; l++) {
    const p = `blocks.layers.${l}`;
    const h = layerNorm(x, `${p}.norm1`);
    const qkv = g.op(
      "Add",
      [
        g.op("MatMul", [h, weight(`${p}.self_attn.in_proj_weight`, [3 * E, E], true)], p),
        weight(`${p}.self_attn.in_proj_bias`, [3 * E]),
      ],
      p,
    );
    const names = ["q", "k", "v"].map((n) => `${p}/${n}`);
    g.nodes.push({
      op_type: "Split",
      name: `${p}/Split`,
      input: [qkv, split],
      output: names,
      attribute: [intAttr("axis", 2)],
    });
    const heads = (n: string, perm: number[]) =>
      g.op("Transpose", [g.op("Reshape", [n, headsShape], p)], p, [ints("perm", perm)]);
    const q = heads(names[0], [0, 2, 1, 3]),
      kT = heads(names[1], [0, 2, 3, 1]),
      v = heads(names[2], [0, 2, 1, 3]);
    const scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, kT], p), g.scalar(1 / Math.sqrt(d))], p), causal], p);
    const att = g.op("MatMul", [g.op("Softmax", [scores], p, [intAttr("axis", -1)]), v], p);
    const merged = g.op("Reshape", [g.op("Transpose", [att], p, [ints("perm", [0, 2, 1, 3])]), mergeShape], p);
    x = g.op("Add", [x, linear(merged, `${p}.self_attn.out_proj`, E, E)], p);
    const ff = linear(
      emitGelu(g, linear(layerNorm(x, `${p}.norm2`), `${p}.linear1`, E, 4 * E), p),
      `${p}.linear2`,
      4 * E,
      E,
    );
    x = g.op("Add", [x, ff], p);
  }
  g.nodes.push({
    op_type: "Identity",
    name: "logits",
    input: [linear(layerNorm(x, "ln_f"), "head", E, V)],
    output: ["logits"],
    attribute: [],
  });
  return encodeModel(
    g,
    { opset, producerVersion: opts.producerVersion, graphName: "gradlab_gpt" },
    [valueInfo("idx", ONNX_INT32, ["N", "T"])],
    [valueInfo("logits", ONNX_FLOAT, ["N", "T", V])],
  );
}
