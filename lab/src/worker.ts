/// <reference lib="webworker" />
/**
 * The training worker: every model the lab trains is trained here, so the page never freezes.
 * Protocol (all messages are plain objects):
 *   main → worker: {type:"start", task, config} | {type:"set", patch} | {type:"pause"} | {type:"resume"}
 *                  | {type:"addPoint", x, y, label} | {type:"request", id, what, ...}
 *   worker → main: {type:"data"|"progress"|"done"|"error"|"log", ...} | {type:"reply", id, value}
 */
import { F, manualSeed, nn, noGrad, optim, randperm, softmax, Tensor, tensor } from "gradlab";
import { circles, gaussianBlobs, moons, spirals, xor, xorCloud, type Dataset2D } from "gradlab/data/synthetic.ts";
import { groupSplit, patientsDataset, randomSplitIndices } from "gradlab/data/splits.ts";
import { parseIdx } from "gradlab/data/idx.ts";
import { buildMlp, forwardUpTo, lastHiddenIndex, type MlpConfig } from "./lib/mlp.ts";
import { plainStateDict, type PlainStateDict } from "./lib/model_io.ts";

const post = (msg: unknown, transfer: Transferable[] = []) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(msg, transfer);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Opt = optim.SGD | optim.Adam;
function makeOptimizer(kind: string, params: nn.Parameter[], lr: number): Opt {
  return kind === "sgd" ? new optim.SGD(params, { lr, momentum: 0.9 }) : new optim.Adam(params, { lr });
}
function setLr(opt: Opt, lr: number): void { for (const g of opt.paramGroups) g.lr = lr; }

function accuracy(logits: Tensor, y: Int32Array): number {
  const pred = logits.argmax(1).data;
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return y.length ? ok / y.length : NaN;
}

/** Top-2 principal components of rows (n, d) by power iteration; returns (n, 2) projections. */
function pca2(a: Float32Array, n: number, d: number): Float32Array {
  if (d <= 2) {
    const out = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) { out[2 * i] = a[i * d]; out[2 * i + 1] = d > 1 ? a[i * d + 1] : 0; }
    return out;
  }
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += a[i * d + j] / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) {
    const xj = a[i * d + j] - mean[j];
    for (let k = j; k < d; k++) cov[j * d + k] += xj * (a[i * d + k] - mean[k]);
  }
  for (let j = 0; j < d; j++) for (let k = 0; k < j; k++) cov[j * d + k] = cov[k * d + j];
  const comps: Float64Array[] = [];
  for (let c = 0; c < 2; c++) {
    let v = new Float64Array(d).map((_, i) => Math.sin(i + 1 + c));
    for (let it = 0; it < 60; it++) {
      const w = new Float64Array(d);
      for (let j = 0; j < d; j++) { let s = 0; for (let k = 0; k < d; k++) s += cov[j * d + k] * v[k]; w[j] = s; }
      for (const p of comps) { let dot = 0; for (let j = 0; j < d; j++) dot += w[j] * p[j]; for (let j = 0; j < d; j++) w[j] -= dot * p[j]; }
      const norm = Math.hypot(...w) || 1;
      v = w.map((x) => x / norm);
    }
    comps.push(v);
  }
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) for (let c = 0; c < 2; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (a[i * d + j] - mean[j]) * comps[c][j];
    out[2 * i + c] = s;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 2-D classification (spirals, xor, moons, ...)

export interface Mlp2dConfig {
  dataset: "spirals" | "moons" | "circles" | "xor" | "xorcloud" | "blobs";
  n: number; noise: number; turns: number; classes: number; seed: number;
  mlp: MlpConfig; optimizer: "sgd" | "adam"; lr: number; batch: number;
  grid: number; testFrac: number; evalMode: "eval" | "train"; maxSteps?: number;
  extra?: { x: number; y: number; label: number }[];
}

function makeDataset(c: Mlp2dConfig): Dataset2D {
  const o = { n: c.n, noise: c.noise, seed: c.seed };
  switch (c.dataset) {
    case "spirals": return spirals({ ...o, turns: c.turns, classes: c.classes });
    case "moons": return moons(o);
    case "circles": return circles(o);
    case "xor": return xor();
    case "xorcloud": return xorCloud(o);
    case "blobs": return gaussianBlobs({ n: c.n, centers: c.classes, std: 0.6 + 4 * c.noise, box: [-4, 4], seed: c.seed });
  }
}

class Mlp2d {
  model: nn.Sequential;
  opt: Opt;
  xTr: number[] = []; yTr: number[] = []; xTe: number[] = []; yTe: number[] = [];
  step = 0; epoch = 0;
  private order: Int32Array = new Int32Array(0); private pos = 0;
  view = { x0: -1.5, x1: 1.5, y0: -1.5, y1: 1.5 };
  classes: number;

  constructor(public c: Mlp2dConfig) {
    manualSeed(c.seed);
    const ds = makeDataset(c);
    this.classes = Math.max(ds.numClasses, c.mlp.outputs);
    if (c.dataset === "xor") {
      this.xTr = [...ds.x]; this.yTr = [...ds.y]; this.xTe = [...ds.x]; this.yTe = [...ds.y];
    } else {
      const nTest = Math.round(ds.n * c.testFrac);
      const [tr, te] = randomSplitIndices(ds.n, [ds.n - nTest, nTest], c.seed + 1);
      for (const i of tr) { this.xTr.push(ds.x[2 * i], ds.x[2 * i + 1]); this.yTr.push(ds.y[i]); }
      for (const i of te) { this.xTe.push(ds.x[2 * i], ds.x[2 * i + 1]); this.yTe.push(ds.y[i]); }
    }
    for (const p of c.extra ?? []) { this.xTr.push(p.x, p.y); this.yTr.push(p.label); }
    let lo = Infinity, hi = -Infinity;
    for (const v of [...ds.x]) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const pad = 0.15 * (hi - lo || 1);
    this.view = { x0: lo - pad, x1: hi + pad, y0: lo - pad, y1: hi + pad };
    manualSeed(c.seed);
    this.model = buildMlp(c.mlp);
    this.opt = makeOptimizer(c.optimizer, this.model.parameters(), c.lr);
  }

  dataMsg() {
    return { type: "data", xTrain: this.xTr, yTrain: this.yTr, xTest: this.xTe, yTest: this.yTe, view: this.view, classes: this.classes };
  }

  addPoint(x: number, y: number, label: number): void { this.xTr.push(x, y); this.yTr.push(label); this.order = new Int32Array(0); }

  trainStep(): number {
    const n = this.yTr.length;
    let bs = Math.min(this.c.batch, n);
    if (this.c.mlp.batchnorm && bs < 2) bs = Math.min(2, n);
    if (this.pos + bs > this.order.length) { this.order = randperm(n); this.pos = 0; if (this.step > 0) this.epoch++; }
    const idx = this.order.subarray(this.pos, this.pos + bs); this.pos += bs;
    const xb = new Float32Array(bs * 2), yb = new Int32Array(bs);
    idx.forEach((i, k) => { xb[2 * k] = this.xTr[2 * i]; xb[2 * k + 1] = this.xTr[2 * i + 1]; yb[k] = this.yTr[i]; });
    this.model.train();
    this.opt.zeroGrad();
    const loss = F.crossEntropy(this.model(tensor(xb, { shape: [bs, 2] })), tensor(yb));
    loss.backward();
    this.opt.step();
    this.step++;
    return loss.item();
  }

  /** Train and test loss only (no grid, no hidden view): cheap enough to sample every few steps. */
  losses(): { trainLoss: number; testLoss: number } {
    const m = this.model;
    m.train(this.c.evalMode === "train");
    const ev = (xs: number[], ys: number[]) => (ys.length
      ? F.crossEntropy(m(tensor(Float32Array.from(xs), { shape: [ys.length, 2] })), tensor(Int32Array.from(ys))).item() : NaN);
    const r = noGrad(() => ({ trainLoss: ev(this.xTr, this.yTr), testLoss: ev(this.xTe, this.yTe) }));
    m.train();
    return r;
  }

  evaluate() {
    const m = this.model;
    m.train(this.c.evalMode === "train");
    return noGrad(() => {
      const ev = (xs: number[], ys: number[]) => {
        if (!ys.length) return { loss: NaN, acc: NaN };
        const logits = m(tensor(Float32Array.from(xs), { shape: [ys.length, 2] }));
        const y = Int32Array.from(ys);
        return { loss: F.crossEntropy(logits, tensor(y)).item(), acc: accuracy(logits, y) };
      };
      const tr = ev(this.xTr, this.yTr), te = ev(this.xTe, this.yTe);
      const g = this.c.grid, v = this.view;
      const pts = new Float32Array(g * g * 2);
      for (let r = 0; r < g; r++) for (let q = 0; q < g; q++) {
        pts[(r * g + q) * 2] = v.x0 + ((q + 0.5) / g) * (v.x1 - v.x0);
        pts[(r * g + q) * 2 + 1] = v.y1 - ((r + 0.5) / g) * (v.y1 - v.y0);
      }
      const probs = softmax(m(tensor(pts, { shape: [g * g, 2] })), -1).data as Float32Array;
      let hidden: Float32Array | null = null, hiddenKind = "none";
      if (this.c.mlp.hidden.length) {
        const hIdx = lastHiddenIndex(this.c.mlp);
        const hT = forwardUpTo(m, tensor(Float32Array.from(this.xTr), { shape: [this.yTr.length, 2] }), hIdx);
        const d = hT.shape[1];
        hidden = pca2(hT.data as Float32Array, this.yTr.length, d);
        hiddenKind = d <= 2 ? "raw" : "pca";
      }
      m.train();
      return { trainLoss: tr.loss, trainAcc: tr.acc, testLoss: te.loss, testAcc: te.acc, probs, hidden, hiddenKind };
    });
  }
}

// ---------------------------------------------------------------------------------------------
// MNIST

interface MnistConfig { base: string; steps: number; batch: number; lr: number; optimizer: "sgd" | "adam"; evalEvery: number; testSubset: number; seed: number }
const MEAN = 0.1307, STD = 0.3081;

class Mnist {
  model: nn.Sequential;
  opt: Opt;
  step = 0;
  constructor(public c: MnistConfig, public trX: Uint8Array, public trY: Uint8Array, public teX: Uint8Array, public teY: Uint8Array) {
    manualSeed(c.seed);
    this.model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.ReLU(), new nn.Linear(256, 10));
    this.opt = makeOptimizer(c.optimizer, this.model.parameters(), c.lr);
  }
  static batchOf(x: Uint8Array, idx: ArrayLike<number>): Tensor {
    const out = new Float32Array(idx.length * 784);
    for (let k = 0; k < idx.length; k++) {
      const off = idx[k] * 784;
      for (let j = 0; j < 784; j++) out[k * 784 + j] = (x[off + j] / 255 - MEAN) / STD;
    }
    return tensor(out, { shape: [idx.length, 784] });
  }
  trainStep(): number {
    const n = this.trY.length, bs = this.c.batch;
    const idx = new Int32Array(bs);
    for (let k = 0; k < bs; k++) idx[k] = Math.floor(Math.random() * n);
    const y = new Int32Array(bs);
    idx.forEach((i, k) => { y[k] = this.trY[i]; });
    this.model.train();
    this.opt.zeroGrad();
    const loss = F.crossEntropy(this.model(Mnist.batchOf(this.trX, idx)), tensor(y));
    loss.backward();
    this.opt.step();
    this.step++;
    return loss.item();
  }
  /** Accuracy on the first `count` test images; also returns predictions. */
  test(count: number): { acc: number; pred: Int32Array; conf: Float32Array } {
    this.model.eval();
    const pred = new Int32Array(count), conf = new Float32Array(count);
    let ok = 0;
    noGrad(() => {
      for (let s = 0; s < count; s += 1000) {
        const e = Math.min(count, s + 1000);
        const idx = Int32Array.from({ length: e - s }, (_, k) => s + k);
        const p = softmax(this.model(Mnist.batchOf(this.teX, idx)), -1);
        const am = p.argmax(1).data;
        for (let k = 0; k < e - s; k++) {
          pred[s + k] = am[k]; conf[s + k] = p.data[k * 10 + am[k]];
          if (am[k] === this.teY[s + k]) ok++;
        }
      }
    });
    this.model.train();
    return { acc: ok / count, pred, conf };
  }
  predict(pixels: Float32Array): number[] {
    this.model.eval();
    const x = tensor(pixels.map((v) => (v - MEAN) / STD), { shape: [1, 784] });
    const p = noGrad(() => softmax(this.model(x), -1));
    this.model.train();
    return [...p.data];
  }
}

async function fetchIdx(base: string, name: string): Promise<Uint8Array> {
  const res = await fetch(new URL(name, base));
  if (!res.ok) throw new Error(`could not load ${name}: HTTP ${res.status}`);
  return parseIdx(new Uint8Array(await res.arrayBuffer()), name).data as Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Training bugs: each bug is its own small experiment, run clean and buggy.

type BugId = "softmax-ce" | "zero-grad" | "eval-mode" | "shape" | "leak";

function blobs10(seed: number) {
  const ds = gaussianBlobs({ n: 1000, centers: 10, std: 0.7, box: [-6, 6], seed });
  return { x: tensor(ds.x, { shape: [ds.n, 2] }), y: tensor(ds.y) };
}

/** One run of a bug experiment: its loss curve, its readouts, and the trained model (weights + PyTorch layers). */
interface BugRun { curve: number[]; metrics: Record<string, number | string>; sd: PlainStateDict; arch: string[] }

function runBug(bug: BugId, buggy: boolean, seed: number): BugRun {
  manualSeed(seed);
  const curve: number[] = [];
  if (bug === "softmax-ce" || bug === "zero-grad") {
    const { x, y } = blobs10(seed);
    const withSoftmax = bug === "softmax-ce" && buggy;
    const model = new nn.Sequential(new nn.Linear(2, 64), new nn.ReLU(), new nn.Linear(64, 10), ...(withSoftmax ? [new nn.Softmax(-1)] : []));
    const arch = ["nn.Linear(2, 64)", "nn.ReLU()", "nn.Linear(64, 10)", ...(withSoftmax ? ["nn.Softmax(dim=-1)"] : [])];
    const opt = new optim.SGD(model.parameters(), { lr: bug === "zero-grad" ? 0.05 : 0.01 });
    let maxStep = 0;
    for (let s = 0; s < 300; s++) {
      if (!(bug === "zero-grad" && buggy)) opt.zeroGrad();
      const loss = F.crossEntropy(model(x), y);
      loss.backward();
      const before = model.parameters().map((p) => Float32Array.from(p.data));
      opt.step();
      let sq = 0;
      model.parameters().forEach((p, i) => { for (let j = 0; j < p.data.length; j++) sq += (p.data[j] - before[i][j]) ** 2; });
      maxStep = Math.max(maxStep, Math.sqrt(sq));
      curve.push(loss.item());
    }
    const acc = noGrad(() => accuracy(model(x), y.data as Int32Array));
    // mean of the last 20 steps: the level the loss settles at, not one noisy step
    const smooth = curve.slice(-20).reduce((a, b) => a + b, 0) / 20;
    return { curve, metrics: { loss: curve[curve.length - 1], smooth, minLoss: Math.min(...curve), acc, maxStep }, sd: plainStateDict(model.stateDict()), arch };
  }
  if (bug === "eval-mode") {
    const { x, y } = blobs10(seed);
    const model = new nn.Sequential(new nn.Linear(2, 64), new nn.BatchNorm1d(64), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(64, 10));
    const arch = ["nn.Linear(2, 64)", "nn.BatchNorm1d(64)", "nn.ReLU()", "nn.Dropout(0.3)", "nn.Linear(64, 10)"];
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const n = y.shape[0];
    for (let s = 0; s < 300; s++) {
      model.train();
      const idx = randperm(n).subarray(0, 64);
      opt.zeroGrad();
      const loss = F.crossEntropy(model(x.indexSelect(0, idx)), y.indexSelect(0, idx));
      loss.backward();
      opt.step();
      curve.push(loss.item());
    }
    // Deployment: small batches of 4 requests. The bug: model.eval() was never called.
    if (!buggy) model.eval();
    let ok = 0, err = "";
    const m = 400, B = 4;
    noGrad(() => {
      try { model(x.narrow(0, 0, 1)); } catch (e) { err = (e as Error).message; } // a single request
      for (let i = 0; i < m; i += B) {
        const pred = model(x.narrow(0, i, B)).argmax(1).data;
        for (let k = 0; k < B; k++) if (pred[k] === y.data[i + k]) ok++;
      }
    });
    return { curve, metrics: { loss: curve[curve.length - 1], acc: ok / m, error: err }, sd: plainStateDict(model.stateDict()), arch };
  }
  if (bug === "shape") {
    const n = 256;
    const xs = Float32Array.from({ length: n }, (_, i) => -2 + (4 * i) / (n - 1));
    const ys = xs.map((v) => Math.sin(2 * v));
    const x = tensor(xs, { shape: [n, 1] }), target = tensor(ys, { shape: [n] });
    const model = new nn.Sequential(new nn.Linear(1, 64), new nn.Tanh(), new nn.Linear(64, 1));
    const arch = ["nn.Linear(1, 64)", "nn.Tanh()", "nn.Linear(64, 1)"];
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    let gradlabError = "";
    try { F.mseLoss(model(x), target); } catch (e) { gradlabError = (e as Error).message; }
    for (let s = 0; s < 300; s++) {
      opt.zeroGrad();
      const out = model(x); // [n, 1]
      // The bug: out [n,1] − target [n] broadcasts to [n,n]; the fix is target.unsqueeze(1).
      const loss = buggy ? out.sub(target).square().mean() : out.sub(target.unsqueeze(1)).square().mean();
      loss.backward();
      opt.step();
      curve.push(loss.item());
    }
    const pred = noGrad(() => model(x)).data;
    const my = ys.reduce((a, b) => a + b, 0) / n;
    let ssr = 0, sst = 0;
    for (let i = 0; i < n; i++) { ssr += (pred[i] - ys[i]) ** 2; sst += (ys[i] - my) ** 2; }
    return { curve, metrics: { loss: curve[curve.length - 1], r2: 1 - ssr / sst, error: gradlabError }, sd: plainStateDict(model.stateDict()), arch };
  }
  // leak: validation accuracy on a random split vs a group split, and the truth on new patients.
  const ds = patientsDataset({ patients: 60, perPatient: 20, signal: 1.5, seed });
  // "New patients": a quarter of the patients, held out by group before anything else.
  const holdout = groupSplit(ds.groups, [0.7, 0.3], seed);
  const pool = holdout.train;
  let trIdx: Int32Array, vaIdx: Int32Array;
  if (buggy) {
    const [a, b] = randomSplitIndices(pool.length, [0.8, 0.2], seed);
    trIdx = a.map((i) => pool[i]); vaIdx = b.map((i) => pool[i]);
  } else {
    const gs = groupSplit(Array.from(pool, (i) => ds.groups[i]), [0.8, 0.2], seed);
    trIdx = gs.train.map((i) => pool[i]); vaIdx = gs.val.map((i) => pool[i]);
  }
  const X = tensor(ds.x, { shape: [ds.n, ds.d] }), Y = tensor(ds.y);
  const model = new nn.Sequential(new nn.Linear(ds.d, 64), new nn.ReLU(), new nn.Linear(64, 2));
  const arch = [`nn.Linear(${ds.d}, 64)`, "nn.ReLU()", "nn.Linear(64, 2)"];
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const xtr = X.indexSelect(0, trIdx), ytr = Y.indexSelect(0, trIdx);
  for (let s = 0; s < 300; s++) {
    opt.zeroGrad();
    const loss = F.crossEntropy(model(xtr), ytr);
    loss.backward(); opt.step();
    curve.push(loss.item());
  }
  const accOn = (idx: Int32Array) => noGrad(() => accuracy(model(X.indexSelect(0, idx)), Y.indexSelect(0, idx).data as Int32Array));
  return { curve, metrics: { loss: curve[curve.length - 1], valAcc: accOn(vaIdx), newPatientAcc: accOn(holdout.val) }, sd: plainStateDict(model.stateDict()), arch };
}

// ---------------------------------------------------------------------------------------------

let task: Mlp2d | Mnist | null = null;
let running = false;
let generation = 0;
let maxSteps = Infinity;

async function loop2d(t: Mlp2d, gen: number): Promise<void> {
  post(t.dataMsg());
  let last = 0;
  const report = () => { const e = t.evaluate(); post({ type: "progress", step: t.step, epoch: t.epoch, ...e }, [e.probs.buffer]); };
  report();
  // The loss curve is sampled by steps, not by time: every step for the first 100, then every
  // ⌊step/50⌋ steps (at most 25), so a run of n ≥ 50 steps has ≥ 50 points however fast it runs.
  const every = (s: number) => Math.min(25, Math.max(1, Math.floor(s / 50)));
  let lastSample = t.step;
  let curve = { step: [] as number[], train: [] as number[], test: [] as number[] };
  while (gen === generation) {
    if (!running || t.step >= maxSteps) { await sleep(50); continue; }
    const t0 = performance.now();
    let loss = NaN;
    while (performance.now() - t0 < 25 && t.step < maxSteps) {
      loss = t.trainStep();
      if (t.step - lastSample >= every(t.step)) {
        const l = t.losses();
        curve.step.push(t.step); curve.train.push(l.trainLoss); curve.test.push(l.testLoss);
        lastSample = t.step;
      }
    }
    post({ type: "loss", step: t.step, loss });
    if (curve.step.length) { post({ type: "curve", ...curve }); curve = { step: [], train: [], test: [] }; }
    if (performance.now() - last > 120 || t.step >= maxSteps) { report(); last = performance.now(); }
    if (t.step >= maxSteps) { running = false; post({ type: "done", step: t.step }); }
    await sleep(0);
  }
}

async function loopMnist(c: MnistConfig, gen: number): Promise<void> {
  post({ type: "log", text: "loading MNIST…" });
  const [trX, trY, teX, teY] = await Promise.all([
    fetchIdx(c.base, "train-images-idx3-ubyte"), fetchIdx(c.base, "train-labels-idx1-ubyte"),
    fetchIdx(c.base, "t10k-images-idx3-ubyte"), fetchIdx(c.base, "t10k-labels-idx1-ubyte"),
  ]);
  if (gen !== generation) return;
  const t = new Mnist(c, trX, trY, teX, teY);
  task = t;
  maxSteps = c.steps;
  post({ type: "data", train: trY.length, test: teY.length });
  let losses: number[] = [];
  const t0 = performance.now();
  let lastEval = 0;
  while (gen === generation) {
    if (!running || t.step >= maxSteps) { await sleep(50); continue; }
    const s0 = performance.now();
    while (performance.now() - s0 < 40 && t.step < maxSteps) losses.push(t.trainStep());
    const avg = losses.reduce((a, b) => a + b, 0) / losses.length;
    losses = [];
    const msg: Record<string, unknown> = { type: "loss", step: t.step, loss: avg, seconds: (performance.now() - t0) / 1000 };
    if (t.step - lastEval >= c.evalEvery || t.step >= maxSteps) {
      msg.testAcc = t.test(c.testSubset).acc;
      lastEval = t.step;
    }
    post(msg);
    if (t.step >= maxSteps) {
      running = false;
      const full = t.test(teY.length);
      const show: number[] = [], wrong: number[] = [];
      for (let i = 0; i < teY.length && (show.length < 24 || wrong.length < 24); i++) {
        if (show.length < 24) show.push(i);
        if (full.pred[i] !== teY[i] && wrong.length < 24) wrong.push(i);
      }
      const item = (i: number) => ({ i, label: teY[i], pred: full.pred[i], conf: full.conf[i], img: teX.slice(i * 784, (i + 1) * 784) });
      post({ type: "done", step: t.step, testAcc: full.acc, seconds: (performance.now() - t0) / 1000, gallery: show.map(item), mistakes: wrong.map(item) });
    }
    await sleep(0);
  }
}

self.onmessage = async (ev: MessageEvent) => {
  const m = ev.data;
  try {
    switch (m.type) {
      case "start": {
        const gen = ++generation;
        running = m.autostart ?? true;
        maxSteps = m.config.maxSteps ?? Infinity;
        if (m.task === "mlp2d") { const t = new Mlp2d(m.config); task = t; await loop2d(t, gen); }
        else if (m.task === "mnist") { task = null; await loopMnist(m.config, gen); }
        break;
      }
      case "pause": running = false; break;
      case "resume": running = true; if (task instanceof Mnist && task.step >= maxSteps) maxSteps = task.step + task.c.steps; break;
      case "set": {
        if (!task) break;
        if (m.patch.lr !== undefined) { task.c.lr = m.patch.lr; setLr(task.opt, m.patch.lr); }
        if (task instanceof Mlp2d) {
          if (m.patch.evalMode) task.c.evalMode = m.patch.evalMode;
          if (m.patch.batch) task.c.batch = m.patch.batch;
          const e = task.evaluate();
          post({ type: "progress", step: task.step, epoch: task.epoch, ...e }, [e.probs.buffer]);
        }
        break;
      }
      case "addPoint":
        if (task instanceof Mlp2d) { task.addPoint(m.x, m.y, m.label); post(task.dataMsg()); const e = task.evaluate(); post({ type: "progress", step: task.step, epoch: task.epoch, ...e }); }
        break;
      case "request": {
        let value: unknown = null;
        if (m.what === "stateDict" && task) value = plainStateDict(task.model.stateDict());
        else if (m.what === "predict" && task instanceof Mnist) value = task.predict(m.pixels);
        else if (m.what === "bug") value = runBug(m.bug, m.buggy, m.seed ?? 0);
        post({ type: "reply", id: m.id, value });
        break;
      }
    }
  } catch (e) {
    post({ type: "error", message: (e as Error).message, id: m.id });
  }
};
