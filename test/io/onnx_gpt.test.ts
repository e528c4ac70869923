/** The GPT's ONNX export runs in onnxruntime-node and gives gradlab's logits, for any N and T ≤ blockSize. */
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { manualSeed, models, noGrad, tensor } from "../../src/index.js";
import { exportGptOnnx } from "../../src/io/onnx_gpt.js";
import { expectClose } from "../helpers.js";

describe("exportGptOnnx", () => {
  const cfg = { vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16 };
  manualSeed(3);
  const model = models.gpt(cfg);
  model.eval();

  it.each([
    [2, 5],
    [1, 8],
    [3, 1],
  ])("N=%i, T=%i: onnxruntime's logits are gradlab's", async (n, t) => {
    const session = await ort.InferenceSession.create(exportGptOnnx(model.stateDict(), cfg));
    const ids = Int32Array.from({ length: n * t }, (_, i) => (i * 7 + 3) % cfg.vocabSize);
    const out = await session.run({ idx: new ort.Tensor("int32", ids, [n, t]) });
    expect(out.logits.dims).toEqual([n, t, cfg.vocabSize]);
    const want = noGrad(() => model(tensor(ids, { shape: [n, t], dtype: "int32" })));
    expectClose(out.logits.data as Float32Array, want.dataSync(), { atol: 1e-5, rtol: 1e-4, what: "logits" });
  });

  it("names a missing or misshapen weight", () => {
    const sd = model.stateDict();
    expect(() => exportGptOnnx(sd, { ...cfg, nEmbd: 32 })).toThrow(/pos_emb.weight is \[8, 16\], expected \[8, 32\]/);
    const { "head.bias": _drop, ...rest } = sd;
    expect(() => exportGptOnnx(rest, cfg)).toThrow(/the GPT's state dict has no head.bias/);
  });
});
