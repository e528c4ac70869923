/** Attention: float64 gradchecks on every backend, the mask conventions, and errors in people's words. */
import { describe, expect, it } from "vitest";
import { arange, F, gradcheck, manualSeed, nn, randn, type Tensor, tensor } from "../../src/index.js";
import { backendsUnderTest, useBackend } from "../helpers.js";

const backends = await backendsUnderTest();
const d = (shape: number[]): Tensor => randn(shape, { dtype: "float64" });

describe.each(backends)("attention on the %s backend", (backend) => {
  it("scaledDotProductAttention passes gradcheck: plain, causal, additive mask, boolean mask, L ≠ S", () => {
    useBackend(backend);
    manualSeed(1);
    expect(
      gradcheck((q, k, v) => F.scaledDotProductAttention(q, k, v), [d([2, 3, 4]), d([2, 3, 4]), d([2, 3, 5])]),
    ).toBe(true);
    expect(
      gradcheck(
        (q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true }),
        [d([2, 2, 4, 3]), d([2, 2, 4, 3]), d([2, 2, 4, 3])],
      ),
    ).toBe(true);
    const additive = tensor(
      [
        [0, -1, -Infinity],
        [0.5, 0, 0],
      ],
      { dtype: "float64" },
    );
    expect(
      gradcheck(
        (q, k, v) => F.scaledDotProductAttention(q, k, v, { attnMask: additive }),
        [d([2, 3]), d([3, 3]), d([3, 2])],
      ),
    ).toBe(true);
    const keep = tensor(
      [
        [1, 1, 0],
        [1, 0, 1],
      ],
      { dtype: "int32" },
    );
    expect(
      gradcheck(
        (q, k, v) => F.scaledDotProductAttention(q, k, v, { attnMask: keep, scale: 0.3 }),
        [d([2, 3]), d([3, 3]), d([3, 2])],
      ),
    ).toBe(true);
  });

  it("MultiheadAttention passes gradcheck for its inputs and parameters (self and cross attention)", () => {
    useBackend(backend);
    manualSeed(2);
    const mha = new nn.MultiheadAttention(4, 2, { batchFirst: true }).double();
    const causalish = arange(3).unsqueeze(0).gt(arange(2).unsqueeze(1)).int();
    const params = mha.parameters();
    expect(
      gradcheck((q, k) => mha(q, k, k, { attnMask: causalish })[0], [d([2, 2, 4]), d([2, 3, 4])], { params }),
    ).toBe(true);
    expect(gradcheck((x) => mha(x, x, x)[1]!, [d([2, 3, 4])], { params })).toBe(true);
  });

  it("the fused kernel (no mask but the causal one, no dropout) passes gradcheck, a repeated input's gradients adding up", () => {
    useBackend(backend);
    manualSeed(3);
    expect(gradcheck((x) => F.scaledDotProductAttention(x, x, x, { isCausal: true }), [d([2, 3, 5, 4])])).toBe(true);
    expect(
      gradcheck(
        (q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.7 }),
        [d([2, 4, 3]), d([2, 6, 3]), d([2, 6, 5])],
      ),
    ).toBe(true);
    const mha = new nn.MultiheadAttention(6, 3, { batchFirst: true }).double();
    expect(
      gradcheck((x) => mha(x, x, x, { isCausal: true, needWeights: false })[0], [d([2, 4, 6])], {
        params: mha.parameters(),
      }),
    ).toBe(true);
    expect(
      gradcheck((x) => mha(x, x, x, { needWeights: false })[0], [d([4, 2, 6])], { params: mha.parameters() }),
    ).toBe(true);
  });

  // Head widths 8 (a multiple of 4: the wasm backward's blocked path) and 6 (row-by-row updates), causal or not.
  it.each([
    [32, 4, true],
    [32, 4, false],
    [12, 2, true],
    [12, 2, false],
  ])(
    "the fused path (embed %i, %i heads, causal %s) gives the composite ops' values and gradients in float32",
    (embed, heads, isCausal) => {
      useBackend(backend);
      manualSeed(4);
      const mha = new nn.MultiheadAttention(embed, heads, { batchFirst: true });
      const x = randn([3, 16, embed], { requiresGrad: true });
      const run = (needWeights: boolean): number[][] => {
        // needWeights: true returns the weights, so it takes the composite ops; false the fused kernel.
        const [out] = mha(x, x, x, { isCausal, needWeights });
        out.mul(out).sum().backward();
        const res = [
          Array.from(out.dataSync()),
          Array.from(x.grad!.dataSync()),
          Array.from(mha.in_proj_weight.grad!.dataSync()),
        ];
        x.grad = null;
        mha.zeroGrad();
        return res;
      };
      const composite = run(true),
        fused = run(false);
      composite.forEach((want, i) => {
        const scale = Math.max(...want.map(Math.abs));
        fused[i].forEach((g, j) => expect(Math.abs(g - want[j])).toBeLessThan(2e-5 * scale));
      });
    },
  );

  it("boolean masks: 1 = attend for scaledDotProductAttention, 1 = masked for MultiheadAttention (PyTorch's conventions)", () => {
    useBackend(backend);
    const q = randn([1, 2, 4]),
      k = randn([1, 3, 4]),
      v = randn([1, 3, 4]);
    const out = F.scaledDotProductAttention(q, k, v, {
      attnMask: tensor(
        [
          [1, 0, 0],
          [1, 0, 0],
        ],
        { dtype: "int32" },
      ),
    });
    // Only key 0 takes part: every query's output is value 0.
    for (let i = 0; i < 2; i++)
      expect(Array.from(out.dataSync().subarray(4 * i, 4 * i + 4))).toEqual(
        Array.from(v.dataSync().subarray(0, 4)).map((x) => expect.closeTo(x, 6)),
      );
    const mha = new nn.MultiheadAttention(4, 1, { batchFirst: true });
    const [, w] = mha(q, k, v, { keyPaddingMask: tensor([[0, 1, 1]], { dtype: "int32" }) });
    expect(Array.from(w!.dataSync())).toEqual([1, 0, 0, 1, 0, 0]);
  });
});

describe("attention errors say what to do", () => {
  it("a float 0/1 mask is refused with the fix (gradlab has no bool dtype)", () => {
    const q = randn([2, 4]);
    const mask = tensor([
      [0, 1],
      [0, 0],
    ]);
    expect(() => F.scaledDotProductAttention(q, q, q, { attnMask: mask })).toThrow(
      /float tensor of 0s and 1s.*mask\.int\(\)/,
    );
    const mha = new nn.MultiheadAttention(4, 2);
    expect(() => mha(q, q, q, { attnMask: mask })).toThrow(/MultiheadAttention\(E=4, heads=2\).*mask\.int\(\)/);
  });

  it("names shapes: embedDim not divisible, wrong layout, key/value length mismatch", () => {
    expect(() => new nn.MultiheadAttention(10, 3)).toThrow(
      "MultiheadAttention: embedDim 10 must be divisible by numHeads 3",
    );
    const mha = new nn.MultiheadAttention(8, 2);
    expect(() => mha(randn([2, 5, 6]), randn([2, 5, 6]), randn([2, 5, 6]))).toThrow(
      /got query \[2, 5, 6\]: expected \(L, N, E\) with E = 8/,
    );
    expect(() => F.scaledDotProductAttention(randn([3, 4]), randn([5, 4]), randn([4, 4]))).toThrow(
      /same sequence length S/,
    );
    expect(() => F.scaledDotProductAttention(randn([3, 4]), randn([5, 2]), randn([5, 4]))).toThrow(
      /share the last dim/,
    );
  });
});

describe.each(backends)("Transformer encoder on the %s backend", (backend) => {
  it("TransformerEncoderLayer (pre- and post-norm, relu and gelu) passes gradcheck for inputs and parameters", () => {
    useBackend(backend);
    manualSeed(3);
    for (const normFirst of [true, false]) {
      const layer = new nn.TransformerEncoderLayer(4, 2, {
        dimFeedforward: 6,
        dropout: 0,
        batchFirst: true,
        normFirst,
        activation: normFirst ? "gelu" : "relu",
      }).double();
      expect(gradcheck((x) => layer(x, { isCausal: true }), [d([2, 3, 4])], { params: layer.parameters() })).toBe(true);
    }
  });

  it("TransformerEncoder stacks deep copies: PyTorch's keys, identical initial weights, separate storage", () => {
    useBackend(backend);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true, normFirst: true });
    const enc = new nn.TransformerEncoder(layer, 3, { norm: new nn.LayerNorm(8) });
    const keys = Object.keys(enc.stateDict());
    expect(keys.slice(0, 4)).toEqual([
      "layers.0.self_attn.in_proj_weight",
      "layers.0.self_attn.in_proj_bias",
      "layers.0.self_attn.out_proj.weight",
      "layers.0.self_attn.out_proj.bias",
    ]);
    expect(keys).toContain("layers.2.norm2.bias");
    expect(keys.slice(-2)).toEqual(["norm.weight", "norm.bias"]);
    expect(enc.parameters().length).toBe(3 * layer.parameters().length + 2);
    const w0 = enc.stateDict()["layers.0.linear1.weight"],
      w2 = enc.stateDict()["layers.2.linear1.weight"];
    expect(Array.from(w2.dataSync())).toEqual(Array.from(w0.dataSync()));
    w0.dataSync()[0] += 1;
    expect(w2.dataSync()[0]).not.toBe(w0.dataSync()[0]);
    const x = randn([2, 5, 8]);
    expect(enc(x, { isCausal: true }).shape).toEqual([2, 5, 8]);
    enc.eval();
    expect(enc.layers.at(1)!.training).toBe(false);
  });
});
