/**
 * Recurrent layers — Elman RNN (tanh/relu), LSTM, GRU — with PyTorch's equations and gate order
 * (LSTM i, f, g, o; GRU r, z, n with n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))).
 *
 * One layer and direction over a whole sequence is one autograd node (`recurrentLayer`):
 * - the input projections x·W_ihᵀ + b_ih of every time step are one gemm over (L·N, D), done by
 *   `linear` before the recurrence (its backward is then one gemm for dW_ih and one for dx);
 * - per step, only h·W_hhᵀ + b_hh (a gemm) and one fused cell kernel (the gate nonlinearities and
 *   the state update, `kernels.lstmCell` ...) run;
 * - the backward is backpropagation through time in the same node: per step one fused cell
 *   backward kernel and one gemm for the gradient of h_{t−1}; dW_hh for all steps is one gemm at
 *   the end (Σ_t dGates_tᵀ·h_{t−1} is a product over (L·N) rows), db_hh one reduction.
 * So a step costs two kernel calls forward and two backward, and no graph nodes.
 */
import { isGradEnabled } from "../autograd/grad_mode.js";
import { record } from "../autograd/graph.js";
import { kernels } from "../backend/registry.js";
import type { FloatArray } from "../tensor/dtype.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { fmt } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { linear } from "./matmul.js";
import { dropout as dropoutOp } from "./normalization.js";
import { cat, select, stack, transpose, unsqueeze } from "./shape.js";
import { empty, requireFloat } from "./util.js";
import type { FloatStorage } from "../tensor/storage.js";

/** PyTorch's mode names: an Elman RNN with tanh or relu, an LSTM, a GRU. */
export type RecurrentMode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";

/** Gates per mode: the weights are (gates·H, ·). */
export const GATES: Readonly<Record<RecurrentMode, number>> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

/** One layer and direction's parameters, PyTorch's layout: W_ih (G·H, D), W_hh (G·H, H), b_ih and b_hh (G·H). */
export interface RecurrentWeights {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh: Tensor | null;
  biasHh: Tensor | null;
}

/** output (L, N, H·dirs) or (N, L, H·dirs); hN (and cN for an LSTM): (numLayers·dirs, N, H). */
export interface RecurrentResult {
  output: Tensor;
  hN: Tensor;
  cN?: Tensor;
}

/**
 * Records one backward for several outputs of one op. Autograd nodes have one output each, so
 * each output gets a node whose only input is a one-element "hub" tensor carrying the op's real
 * node: the output nodes store their gradients (null for an output no loss reached) and pass the
 * hub a zero; the hub's node runs after all of them (they are its consumers) and calls `backward`
 * with every output's gradient at once — what backpropagation through time needs (dOutput, dh_n, dc_n).
 */
function recordMulti(
  outputs: readonly Tensor[],
  inputs: readonly Tensor[],
  name: string,
  backward: (grads: (Tensor | null)[]) => (Tensor | null)[],
): void {
  if (!isGradEnabled() || !inputs.some((t) => t.requiresGrad)) return;
  const dtype = outputs[0].dtype;
  const grads: (Tensor | null)[] = outputs.map(() => null);
  const hub = record(empty([1], dtype), inputs, name, () => backward(grads));
  outputs.forEach((o, i) =>
    record(o, [hub], name, (g) => {
      grads[i] = g;
      return [empty([1], dtype)];
    }),
  );
}

/** Leaves that reuse their gradient storage (parameters) take their gradient in place, as in `linear`. */
const writesGradDirectly = (t: Tensor): boolean => t.gradFn === null && t.reusesGradStorage;

/**
 * One recurrent layer in one direction over a whole sequence, as one autograd node.
 * xProj: (L, N, G·H) = x·W_ihᵀ + b_ih for every step; wHh: (G·H, H); bHh: (G·H) or null;
 * h0, c0: (N, H) or null for zeros (c0 for an LSTM only). `reverse` runs from the last step to the
 * first (the backward direction of a bidirectional layer); the output stays in time order.
 * Returns output (L, N, H) and the final states hN, cN (N, H).
 */
export function recurrentLayer(
  mode: RecurrentMode,
  xProj: Tensor,
  wHh: Tensor,
  bHh: Tensor | null,
  h0: Tensor | null,
  c0: Tensor | null,
  reverse: boolean,
): { output: Tensor; hN: Tensor; cN?: Tensor } {
  const G = GATES[mode],
    lstm = mode === "LSTM",
    gru = mode === "GRU",
    relu = mode === "RNN_RELU";
  const [L, n] = xProj.shape,
    hs = wHh.shape[1];
  const dt = xProj.dtype,
    nh = n * hs,
    ng = n * G * hs;
  const out = empty([L, n, hs], dt);
  const gates = lstm || gru ? empty([L, n, G * hs], dt) : null; // activated gates, kept for the backward
  const cAll = lstm ? empty([L, n, hs], dt) : null;
  const hProj = gru ? empty([L, n, G * hs], dt) : null; // h·W_hhᵀ + b_hh per step (the GRU needs its n part)
  const X = xProj.storage as FloatStorage,
    W = wHh.storage as FloatStorage,
    B = bHh ? (bHh.storage as FloatStorage) : undefined;
  const O = out.storage as FloatStorage;
  const zeros = (): FloatStorage => kernels.alloc(dt, nh) as FloatStorage;
  const H0 = h0 ? (h0.storage as FloatStorage) : zeros(),
    C0 = lstm ? (c0 ? (c0.storage as FloatStorage) : zeros()) : null;
  const time = (s: number): number => (reverse ? L - 1 - s : s);
  const prevStep = (s: number): number => (reverse ? time(s) + 1 : time(s) - 1);
  /** h_{t−1} (c_{t−1}) of the s-th step processed: the initial state, or the previous step's. */
  const hPrev = (s: number): [FloatStorage, number] => (s === 0 ? [H0, 0] : [O, prevStep(s) * nh]);
  const cPrev = (s: number): [FloatStorage, number] =>
    s === 0 ? [C0!, 0] : [cAll!.storage as FloatStorage, prevStep(s) * nh];

  for (let s = 0; s < L; s++) {
    const t = time(s),
      [hp, hpOff] = hPrev(s);
    // h·W_hhᵀ + b_hh into this step's slice (k = 0 skips the product with an implicit zero h0).
    const proj = (lstm ? gates! : gru ? hProj! : out).storage as FloatStorage;
    kernels.gemm({
      transA: false,
      transB: true,
      m: n,
      n: G * hs,
      k: s === 0 && !h0 ? 0 : hs,
      a: hp,
      aOffset: hpOff,
      b: W,
      c: proj,
      cOffset: t * ng,
      bias: B,
    });
    if (lstm) {
      const [cp, cpOff] = cPrev(s);
      kernels.lstmCell(n, hs, X, t * ng, proj, t * ng, cp, cpOff, cAll!.storage as FloatStorage, t * nh, O, t * nh);
    } else if (gru) {
      kernels.gruCell(n, hs, X, t * ng, proj, t * ng, hp, hpOff, gates!.storage as FloatStorage, t * ng, O, t * nh);
    } else {
      kernels.rnnCell(n, hs, relu, X, t * ng, O, t * nh);
    }
  }
  const last = time(L - 1);
  const hN = empty([n, hs], dt);
  kernels.copyBlocks(O, last * nh, 0, hN.storage, 0, 0, nh, 1);
  let cN: Tensor | undefined;
  if (lstm) {
    cN = empty([n, hs], dt);
    kernels.copyBlocks(cAll!.storage, last * nh, 0, cN.storage, 0, 0, nh, 1);
  }

  const inputs = [xProj, wHh, ...(bHh ? [bHh] : []), ...(h0 ? [h0] : []), ...(lstm && c0 ? [c0] : [])];
  const name = lstm ? "LstmBackward" : gru ? "GruBackward" : relu ? "RnnReluBackward" : "RnnTanhBackward";
  recordMulti(lstm ? [out, hN, cN!] : [out, hN], inputs, name, ([gOut, gH, gC]) => {
    const dOut = gOut ? (gOut.storage as FloatStorage) : null;
    const dhRec = zeros();
    if (gH) kernels.copyBlocks(gH.storage, 0, 0, dhRec, 0, 0, nh, 1);
    const dc = lstm ? zeros() : null;
    if (dc && gC) kernels.copyBlocks(gC.storage, 0, 0, dc, 0, 0, nh, 1);
    // dA: the gradient of xProj (for the LSTM and RNN also that of the h·W_hhᵀ + b_hh term); the
    // GRU's differs in its n block (r ⊙ ·), so it gets its own dHp.
    const dA = empty([L, n, G * hs], dt),
      dAd = dA.storage as FloatStorage;
    const dHp = gru ? (kernels.alloc(dt, L * ng) as FloatArray) : dAd;
    const needDh0 = !!h0?.requiresGrad;
    for (let s = L - 1; s >= 0; s--) {
      const t = time(s),
        [hp, hpOff] = hPrev(s);
      if (lstm) {
        const [cp, cpOff] = cPrev(s);
        kernels.lstmCellBackward(
          n,
          hs,
          gates!.storage as FloatStorage,
          t * ng,
          cp,
          cpOff,
          cAll!.storage as FloatStorage,
          t * nh,
          dOut,
          t * nh,
          dhRec,
          dc!,
          dAd,
          t * ng,
        );
      } else if (gru) {
        kernels.gruCellBackward(
          n,
          hs,
          gates!.storage as FloatStorage,
          t * ng,
          hProj!.storage as FloatStorage,
          t * ng,
          hp,
          hpOff,
          dOut,
          t * nh,
          dhRec,
          dAd,
          t * ng,
          dHp,
          t * ng,
        );
      } else {
        kernels.rnnCellBackward(n, hs, relu, O, t * nh, dOut, t * nh, dhRec, dAd, t * ng);
      }
      // dh_{t−1} (+)= dProj_t · W_hh; the GRU's cell kernel already left dh ⊙ z there.
      if (s > 0 || needDh0) {
        kernels.gemm({
          transA: false,
          transB: false,
          m: n,
          n: hs,
          k: G * hs,
          a: dHp,
          aOffset: t * ng,
          b: W,
          c: dhRec,
          beta: gru ? 1 : 0,
        });
      }
    }
    let dW: Tensor | null = null,
      db: Tensor | null = null;
    if (wHh.requiresGrad) {
      // Σ_t dProj_tᵀ·h_{t−1}: the steps whose h_{t−1} is an output are one contiguous product over
      // (L−1)·N rows; the first step's (h0) is a second one, unless h0 was zero.
      const { grad, beta } = writesGradDirectly(wHh)
        ? wHh.gradTarget()
        : { grad: (dW = empty(wHh.shape, dt)), beta: 0 as const };
      const dw = { transA: true, transB: false, m: G * hs, n: hs, a: dHp, c: grad.storage as FloatStorage };
      kernels.gemm({ ...dw, k: (L - 1) * n, aOffset: reverse ? 0 : ng, b: O, bOffset: reverse ? nh : 0, beta });
      if (h0) kernels.gemm({ ...dw, k: n, aOffset: time(0) * ng, b: H0, beta: 1 });
    }
    if (bHh?.requiresGrad) {
      // reduce cannot add onto its output, so only an empty .grad takes the sum directly.
      const target = writesGradDirectly(bHh) && !bHh.peekGrad() ? bHh.gradTarget().grad : (db = empty(bHh.shape, dt));
      kernels.reduce("sum", dHp, 1, L * n, G * hs, target.storage);
    }
    const grads: (Tensor | null)[] = [xProj.requiresGrad ? dA : null, dW];
    if (bHh) grads.push(db);
    if (h0) grads.push(needDh0 ? new Tensor(dhRec, h0.shape) : null);
    if (lstm && c0) grads.push(c0.requiresGrad ? new Tensor(dc!, c0.shape) : null);
    return grads;
  });
  return lstm ? { output: out, hN, cN } : { output: out, hN };
}

export interface RecurrentOptions {
  mode: RecurrentMode;
  /** Stacked layers; `weights` holds numLayers·dirs entries, layer-major (l0, l0_reverse, l1, ...). */
  numLayers: number;
  bidirectional: boolean;
  /** Input and output are (N, L, ·) instead of (L, N, ·). */
  batchFirst: boolean;
  /** Dropout on every layer's output but the last, while training. */
  dropout: number;
  training: boolean;
  generator?: Generator;
  /** How errors name the caller, e.g. "LSTM(10→20)". */
  name?: string;
}

/**
 * A multi-layer, optionally bidirectional RNN / LSTM / GRU over a sequence: PyTorch's `nn.RNN`
 * family as a function of its weights. input: (L, N, D), (N, L, D) with batchFirst, or unbatched
 * (L, D); h0 / c0: (numLayers·dirs, N, H) (unbatched: (numLayers·dirs, H)) or null for zeros.
 */
export function recurrent(
  input: Tensor,
  weights: readonly RecurrentWeights[],
  h0: Tensor | null,
  c0: Tensor | null,
  opts: RecurrentOptions,
): RecurrentResult {
  const { mode, numLayers, bidirectional, batchFirst } = opts;
  const dirs = bidirectional ? 2 : 1,
    lstm = mode === "LSTM";
  const name = opts.name ?? mode;
  if (weights.length !== numLayers * dirs) {
    throw new Error(`${name}: expected ${numLayers * dirs} weight sets, got ${weights.length}`);
  }
  const inSize = weights[0].weightIh.shape[1],
    hs = weights[0].weightHh.shape[1];
  requireFloat(input, name);
  const layout = batchFirst ? `(N, L, ${inSize})` : `(L, N, ${inSize})`;
  if ((input.ndim !== 2 && input.ndim !== 3) || input.shape[input.ndim - 1] !== inSize) {
    const hint = batchFirst ? "" : " (time first; pass batchFirst: true for (N, L, ·))";
    throw new Error(
      `${name} got input ${fmt(input.shape)}: it expects ${layout}${hint} or an unbatched (L, ` + `${inSize})`,
    );
  }
  const unbatched = input.ndim === 2;
  let x = unbatched ? unsqueeze(input, 1) : batchFirst ? transpose(input, 0, 1) : input;
  const [L, n] = x.shape;
  if (L === 0) throw new Error(`${name} got input ${fmt(input.shape)}: the sequence is empty (length 0)`);
  const state = (s: Tensor | null, what: string): Tensor | null => {
    if (!s) return null;
    const want = unbatched ? [numLayers * dirs, hs] : [numLayers * dirs, n, hs];
    if (s.ndim !== want.length || s.shape.some((d, i) => d !== want[i])) {
      throw new Error(
        `${name}: ${what} has shape ${fmt(s.shape)} but this input needs ${fmt(want)} ` +
          `(numLayers·directions, ${unbatched ? "" : "batch, "}hiddenSize)`,
      );
    }
    return unbatched ? unsqueeze(s, 1) : s;
  };
  const h = state(h0, "h0"),
    c = lstm ? state(c0, "c0") : null;
  const hNs: Tensor[] = [],
    cNs: Tensor[] = [];
  for (let l = 0; l < numLayers; l++) {
    const outs: Tensor[] = [];
    for (let d = 0; d < dirs; d++) {
      const k = l * dirs + d,
        w = weights[k];
      const xProj = linear(x, w.weightIh, w.biasIh, name);
      const hk = h ? select(h, 0, k) : null,
        ck = c ? select(c, 0, k) : null;
      const r = recurrentLayer(mode, xProj, w.weightHh, w.biasHh, hk, ck, d === 1);
      outs.push(r.output);
      hNs.push(r.hN);
      if (r.cN) cNs.push(r.cN);
    }
    x = dirs === 2 ? cat(outs, 2) : outs[0];
    if (opts.dropout > 0 && opts.training && l < numLayers - 1) {
      x = dropoutOp(x, opts.dropout, true, opts.generator ?? defaultGenerator);
    }
  }
  const fix = (s: Tensor): Tensor => (unbatched ? s.squeeze(1) : s);
  const output = unbatched ? x.squeeze(1) : batchFirst ? transpose(x, 0, 1) : x;
  const hN = fix(stack(hNs, 0));
  return lstm ? { output, hN, cN: fix(stack(cNs, 0)) } : { output, hN };
}

/**
 * One step of a cell (nn.RNNCell / LSTMCell / GRUCell): input (N, D) or unbatched (D); h, c:
 * (N, H) / (H) or null for zeros. Returns the next h (and c for an LSTM).
 */
export function recurrentCell(
  mode: RecurrentMode,
  input: Tensor,
  w: RecurrentWeights,
  h: Tensor | null,
  c: Tensor | null,
  name: string = mode,
): { h: Tensor; c?: Tensor } {
  const inSize = w.weightIh.shape[1],
    hs = w.weightHh.shape[1];
  requireFloat(input, name);
  if ((input.ndim !== 1 && input.ndim !== 2) || input.shape[input.ndim - 1] !== inSize) {
    throw new Error(
      `${name} got input ${fmt(input.shape)}: it expects (N, ${inSize}) or an unbatched (${inSize}) — ` +
        "one time step; for a whole sequence use the layer (nn.RNN / nn.LSTM / nn.GRU)",
    );
  }
  const unbatched = input.ndim === 1;
  const x = unbatched ? unsqueeze(input, 0) : input;
  const n = x.shape[0];
  const state = (s: Tensor | null, what: string): Tensor | null => {
    if (!s) return null;
    const want = unbatched ? [hs] : [n, hs];
    if (s.ndim !== want.length || s.shape.some((d, i) => d !== want[i])) {
      throw new Error(`${name}: ${what} has shape ${fmt(s.shape)} but this input needs ${fmt(want)}`);
    }
    return unbatched ? unsqueeze(s, 0) : s;
  };
  const xProj = unsqueeze(linear(x, w.weightIh, w.biasIh, name), 0);
  const cx = mode === "LSTM" ? state(c, "cx") : null;
  const r = recurrentLayer(mode, xProj, w.weightHh, w.biasHh, state(h, "hx"), cx, false);
  const fix = (s: Tensor): Tensor => (unbatched ? s.squeeze(0) : s);
  return r.cN ? { h: fix(r.hN), c: fix(r.cN) } : { h: fix(r.hN) };
}
