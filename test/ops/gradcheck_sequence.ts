/**
 * float64 gradchecks of the sequence ops, spread into test/ops/gradcheck.test.ts (run on every
 * backend there): embedding, every recurrent cell and layer (1 and 2 layers, bidirectional, batch
 * first, initial states, inter-layer dropout), cumsum, top-k and sort values, K-dim cross-entropy.
 */
import { cat, F, manualSeed, randn, type Tensor, tensor } from "../../src/index.js";
import { GATES, recurrent, recurrentCell, type RecurrentMode, type RecurrentWeights } from "../../src/ops/recurrent.js";

const d = (shape: number[], scale = 1): Tensor => randn(shape, { dtype: "float64" }).mul(scale);
const ints = (vals: number[], shape?: number[]): Tensor => tensor(vals, { dtype: "int32", shape });

/** Weight tensors for `sets` layer-directions, flattened [wIh, wHh, bIh, bHh, ...] so gradcheck perturbs each. */
function weights(mode: RecurrentMode, inSize: number, hs: number, layers: number, dirs: number): Tensor[] {
  const g = GATES[mode] * hs,
    out: Tensor[] = [];
  for (let l = 0; l < layers; l++) {
    for (let k = 0; k < dirs; k++) {
      out.push(d([g, l === 0 ? inSize : hs * dirs], 0.6), d([g, hs], 0.6), d([g], 0.3), d([g], 0.3));
    }
  }
  return out;
}
const sets = (ws: Tensor[]): RecurrentWeights[] =>
  Array.from({ length: ws.length / 4 }, (_, i) => ({
    weightIh: ws[4 * i],
    weightHh: ws[4 * i + 1],
    biasIh: ws[4 * i + 2],
    biasHh: ws[4 * i + 3],
  }));

type Check = () => [(...xs: Tensor[]) => Tensor, Tensor[]];

/** A whole layer stack: x, then (optionally) h0 and c0, then the weights; every output in one vector. */
interface LayerOptions {
  layers?: number;
  bidirectional?: boolean;
  batchFirst?: boolean;
  states?: boolean;
  dropout?: number;
}

function layerCheck(mode: RecurrentMode, o: LayerOptions): Check {
  return () => {
    const L = 3,
      N = 2,
      D = 3,
      H = 2,
      layers = o.layers ?? 1,
      dirs = o.bidirectional ? 2 : 1,
      lstm = mode === "LSTM";
    const x = d(o.batchFirst ? [N, L, D] : [L, N, D]);
    const states = o.states ? [d([layers * dirs, N, H], 0.5), ...(lstm ? [d([layers * dirs, N, H], 0.5)] : [])] : [];
    const ws = weights(mode, D, H, layers, dirs);
    const fn = (...xs: Tensor[]): Tensor => {
      if (o.dropout) manualSeed(7); // the same dropout mask on every evaluation
      const h0 = o.states ? xs[1] : null,
        c0 = o.states && lstm ? xs[2] : null;
      const r = recurrent(xs[0], sets(xs.slice(1 + states.length)), h0, c0, {
        mode,
        numLayers: layers,
        bidirectional: !!o.bidirectional,
        batchFirst: !!o.batchFirst,
        dropout: o.dropout ?? 0,
        training: true,
      });
      return cat([r.output.flatten(), r.hN.flatten(), ...(r.cN ? [r.cN.flatten()] : [])]);
    };
    return [fn, [x, ...states, ...ws]];
  };
}

/** One cell step from a given state: x, h (and c), then the layer's four weights. */
function cellCheck(mode: RecurrentMode): Check {
  return () => {
    const N = 3,
      D = 4,
      H = 3,
      lstm = mode === "LSTM";
    const inputs = [d([N, D]), d([N, H], 0.5), ...(lstm ? [d([N, H], 0.5)] : []), ...weights(mode, D, H, 1, 1)];
    const fn = (...xs: Tensor[]): Tensor => {
      const w = sets(xs.slice(lstm ? 3 : 2))[0];
      const r = recurrentCell(mode, xs[0], w, xs[1], lstm ? xs[2] : null);
      return r.c ? cat([r.h.flatten(), r.c.flatten()]) : r.h;
    };
    return [fn, inputs];
  };
}

export const sequenceChecks: Record<string, Check> = {
  embedding: () => [(w) => F.embedding(ints([1, 4, 4, 0, 2, 4], [2, 3]), w), [d([5, 3])]],
  // The padding row gets no gradient by design (not the derivative), so it is a constant here; the
  // course case checks that its gradient is zero.
  "embedding paddingIdx": () => {
    const pad = d([1, 3]);
    return [(w) => F.embedding(ints([1, 4, 4, 0, 2, 4], [3, 2]), cat([w, pad]), { paddingIdx: 4 }).mul(2), [d([4, 3])]];
  },
  "RNNCell tanh": cellCheck("RNN_TANH"),
  "RNNCell relu": cellCheck("RNN_RELU"),
  LSTMCell: cellCheck("LSTM"),
  GRUCell: cellCheck("GRU"),
  "RNN tanh": layerCheck("RNN_TANH", {}),
  "RNN relu 2 layers with h0": layerCheck("RNN_RELU", { layers: 2, states: true }),
  "RNN bidirectional": layerCheck("RNN_TANH", { bidirectional: true, batchFirst: true }),
  LSTM: layerCheck("LSTM", {}),
  "LSTM with h0, c0": layerCheck("LSTM", { states: true }),
  "LSTM 2 layers bidirectional with h0, c0": layerCheck("LSTM", { layers: 2, bidirectional: true, states: true }),
  "LSTM 2 layers batchFirst dropout (fixed mask)": layerCheck("LSTM", { layers: 2, batchFirst: true, dropout: 0.3 }),
  GRU: layerCheck("GRU", {}),
  "GRU 2 layers with h0": layerCheck("GRU", { layers: 2, states: true }),
  "GRU 2 layers bidirectional batchFirst": layerCheck("GRU", { layers: 2, bidirectional: true, batchFirst: true }),
  "cumsum last dim": () => [(a) => a.cumsum(-1), [d([3, 5])]],
  "cumsum middle dim": () => [(a) => a.cumsum(1), [d([2, 4, 3])]],
  "topk values": () => [(a) => a.topk(3, 1).values, [d([3, 6])]],
  "topk smallest, middle dim": () => [(a) => a.topk(2, 1, false).values, [d([2, 5, 3])]],
  "sort values descending": () => [(a) => a.sort(0, true).values, [d([4, 3])]],
  "crossEntropy (N, C, L) ignoreIndex": () => [
    (a) => F.crossEntropy(a, ints([0, 2, -100, 4, 1, 1], [2, 3]), { ignoreIndex: -100 }),
    [d([2, 5, 3])],
  ],
  "crossEntropy (N, C, d1, d2) none": () => [
    (a) => F.crossEntropy(a, ints([0, 2, 3, 1, 1, 0, 2, 2], [2, 2, 2]), { reduction: "none" }),
    [d([2, 4, 2, 2])],
  ],
};
