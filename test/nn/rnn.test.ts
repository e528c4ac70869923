/**
 * nn.RNN / LSTM / GRU and their cells: PyTorch's keys and init, a safetensors round trip, errors
 * in people's words, and — on every backend — the fused layers against the equations written
 * with plain ops (linear, sigmoid, tanh, narrow, mul, add) unrolled over time, values and gradients.
 */
import { describe, expect, it } from "vitest";
import { cat, F, manualSeed, nn, randn, stack, type Tensor, tensor, zeros } from "../../src/index.js";
import { decodeSafetensors, encodeSafetensors, type NamedArray } from "../../src/io/index.js";
import { backendsUnderTest, expectClose, useBackend } from "../helpers.js";
import { loadCourseCases } from "../ops/course/harness.js";

const backends = await backendsUnderTest();

type Mode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";

/** One step of each cell from its equations, with ordinary ops (the oracle). */
function cellFromOps(
  mode: Mode,
  x: Tensor,
  h: Tensor,
  c: Tensor | null,
  wIh: Tensor,
  wHh: Tensor,
  bIh: Tensor,
  bHh: Tensor,
): [Tensor, Tensor | null] {
  const H = h.shape[1];
  const gi = F.linear(x, wIh, bIh),
    gh = F.linear(h, wHh, bHh);
  const part = (t: Tensor, k: number): Tensor => t.narrow(1, k * H, H);
  if (mode === "LSTM") {
    const g = gi.add(gh);
    const i = F.sigmoid(part(g, 0)),
      f = F.sigmoid(part(g, 1)),
      gg = F.tanh(part(g, 2)),
      o = F.sigmoid(part(g, 3));
    const c2 = f.mul(c!).add(i.mul(gg));
    return [o.mul(F.tanh(c2)), c2];
  }
  if (mode === "GRU") {
    const r = F.sigmoid(part(gi, 0).add(part(gh, 0))),
      z = F.sigmoid(part(gi, 1).add(part(gh, 1)));
    const n = F.tanh(part(gi, 2).add(r.mul(part(gh, 2))));
    return [z.neg().add(1).mul(n).add(z.mul(h)), null];
  }
  const pre = gi.add(gh);
  return [mode === "RNN_RELU" ? F.relu(pre) : F.tanh(pre), null];
}

/** A whole stack (time-major input, every layer and direction) from the cell equations. */
function stackFromOps(
  mode: Mode,
  m: nn.RNN | nn.LSTM | nn.GRU,
  x: Tensor,
  h0: Tensor,
  c0: Tensor | null,
): { output: Tensor; hN: Tensor; cN: Tensor | null } {
  const dirs = m.bidirectional ? 2 : 1,
    p = Object.fromEntries(m.namedParameters());
  const [L] = x.shape;
  let input = x;
  const hs: Tensor[] = [],
    cs: Tensor[] = [];
  for (let l = 0; l < m.numLayers; l++) {
    const outs: Tensor[] = [];
    for (let d = 0; d < dirs; d++) {
      const s = `_l${l}${d ? "_reverse" : ""}`,
        k = l * dirs + d;
      let h = h0.select(0, k),
        c = c0 ? c0.select(0, k) : null;
      const steps: Tensor[] = new Array<Tensor>(L);
      for (let i = 0; i < L; i++) {
        const t = d ? L - 1 - i : i;
        [h, c] = cellFromOps(
          mode,
          input.select(0, t),
          h,
          c,
          p[`weight_ih${s}`],
          p[`weight_hh${s}`],
          p[`bias_ih${s}`],
          p[`bias_hh${s}`],
        );
        steps[t] = h;
      }
      outs.push(stack(steps, 0));
      hs.push(h);
      if (c) cs.push(c);
    }
    input = dirs === 2 ? cat(outs, 2) : outs[0];
  }
  return { output: input, hN: stack(hs, 0), cN: c0 ? stack(cs, 0) : null };
}

describe.each(backends)("recurrent layers vs their equations in plain ops on the %s backend", (backend) => {
  const cases: [string, Mode, nn.RNNOptions][] = [
    ["RNN tanh, 2 layers, bidirectional", "RNN_TANH", { numLayers: 2, bidirectional: true }],
    ["RNN relu", "RNN_RELU", { nonlinearity: "relu" }],
    ["LSTM, 2 layers, bidirectional", "LSTM", { numLayers: 2, bidirectional: true }],
    ["LSTM, batchFirst", "LSTM", { batchFirst: true }],
    ["GRU, 2 layers", "GRU", { numLayers: 2 }],
    ["GRU, bidirectional, batchFirst", "GRU", { bidirectional: true, batchFirst: true }],
  ];
  it.each(cases)("%s: outputs, final states and every gradient agree", (_name, mode, opts) => {
    useBackend(backend);
    manualSeed(11);
    const D = 5,
      H = 6,
      L = 7,
      N = 3,
      dirs = opts.bidirectional ? 2 : 1,
      layers = opts.numLayers ?? 1;
    const m =
      mode === "LSTM" ? new nn.LSTM(D, H, opts) : mode === "GRU" ? new nn.GRU(D, H, opts) : new nn.RNN(D, H, opts);
    const xT = randn([L, N, D]),
      h0 = randn([layers * dirs, N, H]).mul(0.5),
      c0 = randn([layers * dirs, N, H]).mul(0.5);
    const up = { out: randn([L, N, H * dirs]), h: randn([layers * dirs, N, H]), c: randn([layers * dirs, N, H]) };
    const run = (fused: boolean): Record<string, Tensor> => {
      m.zeroGrad();
      const x = xT.detach().requiresGrad_(),
        h = h0.detach().requiresGrad_(),
        c = c0.detach().requiresGrad_();
      let r: { output: Tensor; hN: Tensor; cN?: Tensor | null };
      if (fused) {
        const input = opts.batchFirst ? x.transpose(0, 1) : x;
        r = mode === "LSTM" ? (m as nn.LSTM)(input, [h, c]) : (m as nn.GRU)(input, h);
        if (opts.batchFirst) r = { ...r, output: r.output.transpose(0, 1) };
      } else r = stackFromOps(mode, m, x, h, mode === "LSTM" ? c : null);
      let loss = r.output.mul(up.out).sum().add(r.hN.mul(up.h).sum());
      if (r.cN) loss = loss.add(r.cN.mul(up.c).sum());
      loss.backward();
      const grads = Object.fromEntries([...m.namedParameters()].map(([k, p]) => [k, p.grad!.clone()]));
      return {
        output: r.output,
        hN: r.hN,
        ...(r.cN ? { cN: r.cN } : {}),
        dx: x.grad!,
        dh0: h.grad!,
        ...(mode === "LSTM" ? { dc0: c.grad! } : {}),
        ...grads,
      };
    };
    const want = run(false),
      got = run(true);
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const k of Object.keys(want)) expectClose(got[k], want[k].dataSync(), { rtol: 1e-4, atol: 2e-5, what: k });
  });
});

describe("PyTorch's layout", () => {
  const cases = loadCourseCases();
  const keysOf = (name: string): string[] => Object.keys(cases.find((c) => c.name === name)!.state_dict as object);

  it("state_dict keys are exactly PyTorch's, in its order", () => {
    expect(Object.keys(new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true }).stateDict())).toEqual(
      keysOf("lstm:2layer_bidirectional"),
    );
    expect(Object.keys(new nn.GRU(3, 4, { numLayers: 2 }).stateDict())).toEqual(keysOf("gru:2layer"));
    expect(Object.keys(new nn.LSTMCell(3, 4).stateDict())).toEqual(keysOf("lstm_cell"));
    expect(Object.keys(new nn.RNN(3, 4, { bias: false }).stateDict())).toEqual(["weight_ih_l0", "weight_hh_l0"]);
  });

  it("init is U(−1/√H, 1/√H) on every parameter; Embedding is N(0, 1) with the padding row zero", () => {
    manualSeed(0);
    const lstm = new nn.LSTM(10, 64, { numLayers: 2 });
    for (const [k, p] of lstm.namedParameters()) {
      const v = [...p.dataSync()];
      expect(Math.max(...v.map(Math.abs)), k).toBeLessThanOrEqual(1 / 8);
      expect(Math.max(...v.map(Math.abs)), k).toBeGreaterThan(0.9 / 8);
    }
    const emb = new nn.Embedding(200, 50, { paddingIdx: -1 });
    expect(emb.paddingIdx).toBe(199);
    const w = [...emb.weight.dataSync().subarray(0, 199 * 50)],
      mean = w.reduce((a, b) => a + b, 0) / w.length;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(std - 1)).toBeLessThan(0.03);
    expect([...emb.weight.dataSync().subarray(199 * 50)]).toEqual(new Array(50).fill(0));
  });

  it("an LSTM's state_dict goes through safetensors with PyTorch's keys and comes back identical", () => {
    manualSeed(1);
    const a = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true });
    const named: Record<string, NamedArray> = Object.fromEntries(
      Object.entries(a.stateDict()).map(([k, t]) => [
        k,
        { shape: [...t.shape], dtype: "float32", data: t.dataSync() as Float32Array },
      ]),
    );
    const back = decodeSafetensors(encodeSafetensors(named)).tensors;
    expect([...back.keys()].sort()).toEqual(keysOf("lstm:2layer_bidirectional").sort());
    const b = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true });
    b.loadStateDict(
      Object.fromEntries([...back].map(([k, v]) => [k, tensor(v.data as Float32Array, { shape: v.shape })])),
    );
    const x = randn([2, 5, 3]);
    const ra = a(x),
      rb = b(x);
    for (const k of ["output", "hN", "cN"] as const) expect([...rb[k].dataSync()]).toEqual([...ra[k].dataSync()]);
  });
});

describe("shapes and options", () => {
  it("unbatched input, default zero states, eval-mode dropout and the cells' default states", () => {
    manualSeed(2);
    const gru = new nn.GRU(3, 4, { numLayers: 2, dropout: 0.5 });
    const x = randn([6, 3]);
    const { output, hN } = gru(x);
    expect(output.shape).toEqual([6, 4]);
    expect(hN.shape).toEqual([2, 4]);
    gru.eval();
    const a = gru(x.unsqueeze(1)).output,
      b = gru(x.unsqueeze(1), zeros([2, 1, 4])).output;
    expect([...a.dataSync()]).toEqual([...b.dataSync()]);
    gru.train();
    manualSeed(3);
    expect([...gru(x.unsqueeze(1)).output.dataSync()]).not.toEqual([...a.dataSync()]); // dropout between the layers
    const cell = new nn.LSTMCell(3, 4);
    const [h1, c1] = cell(randn([2, 3]));
    expect(h1.shape).toEqual([2, 4]);
    expect(c1.shape).toEqual([2, 4]);
    expect(new nn.RNNCell(3, 4)(randn([3])).shape).toEqual([4]);
  });

  it("nn.summary lists a recurrent layer by its output", () => {
    class Tagger extends nn.Module {
      lstm = new nn.LSTM(3, 8, { batchFirst: true, bidirectional: true });
      head = new nn.Linear(16, 2);
      override forward(x: Tensor): Tensor {
        return this.head(this.lstm(x).output);
      }
    }
    const rows = nn.summary(new Tagger(), [2, 5, 3]).rows;
    expect(rows.map((r) => [r.name, r.outputShape, r.params])).toEqual([
      ["lstm", [2, 5, 16], 2 * 4 * 8 * (3 + 8 + 2)],
      ["head", [2, 5, 2], 34],
    ]);
  });

  it("errors name the module, the shapes and the fix", () => {
    const lstm = new nn.LSTM(10, 20, { numLayers: 2, batchFirst: true });
    expect(() => lstm(randn([64, 784]))).toThrow(
      "LSTM(10→20) got input [64, 784]: it expects (N, L, 10) or an unbatched (L, 10)",
    );
    expect(() => lstm(randn([4, 7, 10]), [zeros([1, 4, 20]), zeros([2, 4, 20])])).toThrow(
      "LSTM(10→20): h0 has shape [1, 4, 20] but this input needs [2, 4, 20]",
    );
    expect(() => new nn.GRU(3, 0)).toThrow("GRU: hiddenSize must be a positive integer, got 0");
    expect(() => new nn.LSTM(3, 4, { projSize: 2 } as nn.RNNBaseOptions)).toThrow(/projSize .* is not supported/);
    expect(() => new nn.GRUCell(3, 4)(randn([2, 5, 3]))).toThrow(/GRUCell\(3→4\) got input \[2, 5, 3\].*use the layer/);
    expect(() => new nn.Embedding(65, 8)(randn([2, 3]))).toThrow(
      /Embedding\(65, 8\) got float32 input \[2, 3\]: it expects int32/,
    );
    expect(() => new nn.Embedding(65, 8)(tensor([1, 65], { dtype: "int32" }))).toThrow(
      /index 65 \(at position 1\) is out of range for an embedding table of 65 rows/,
    );
    expect(() => new nn.Embedding(65, 8, { maxNorm: 1 })).toThrow(/maxNorm is not supported/);
  });
});
