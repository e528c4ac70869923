/** The five classic-bug experiments of the training-bugs page, each a few hundred steps of a small model. */
import { F, manualSeed, nn, noGrad, optim, randperm, tensor } from "gradlab";
import { gaussianBlobs } from "gradlab/data/synthetic.ts";
import { groupSplit, patientsDataset, randomSplitIndices } from "gradlab/data/splits.ts";
import { plainStateDict } from "../lib/model_io.ts";
import type { BugId, BugRun } from "../protocol/bugs.ts";
import { accuracy } from "./common.ts";

const STEPS = 300;

function blobs10(seed: number) {
  const ds = gaussianBlobs({ n: 1000, centers: 10, std: 0.7, box: [-6, 6], seed });
  return { x: tensor(ds.x, { shape: [ds.n, 2] }), y: tensor(ds.y) };
}

const result = (model: nn.Module, curve: number[], metrics: BugRun["metrics"], arch: string[]): BugRun => ({
  curve,
  metrics,
  sd: plainStateDict(model.stateDict()),
  arch,
});

/** Softmax before CrossEntropyLoss, or a forgotten zero_grad(): full-batch plain SGD on 10 blobs. */
function lossBug(bug: "softmax-ce" | "zero-grad", buggy: boolean, seed: number): BugRun {
  const { x, y } = blobs10(seed);
  const withSoftmax = bug === "softmax-ce" && buggy;
  const model = new nn.Sequential(
    new nn.Linear(2, 64),
    new nn.ReLU(),
    new nn.Linear(64, 10),
    ...(withSoftmax ? [new nn.Softmax(-1)] : []),
  );
  const arch = ["nn.Linear(2, 64)", "nn.ReLU()", "nn.Linear(64, 10)", ...(withSoftmax ? ["nn.Softmax(dim=-1)"] : [])];
  const opt = new optim.SGD(model.parameters(), { lr: bug === "zero-grad" ? 0.05 : 0.01 });
  const curve: number[] = [];
  let maxStep = 0;
  for (let s = 0; s < STEPS; s++) {
    if (!(bug === "zero-grad" && buggy)) opt.zeroGrad();
    const loss = F.crossEntropy(model(x), y);
    loss.backward();
    const before = model.parameters().map((p) => Float32Array.from(p.dataSync()));
    opt.step();
    let sq = 0;
    model.parameters().forEach((p, i) => {
      const now = p.dataSync();
      for (let j = 0; j < now.length; j++) sq += (now[j] - before[i][j]) ** 2;
    });
    maxStep = Math.max(maxStep, Math.sqrt(sq));
    curve.push(loss.item());
  }
  const acc = noGrad(() => accuracy(model(x), y.dataSync()));
  // the mean of the last 20 steps: the level the loss settles at, not one noisy step
  const smooth = curve.slice(-20).reduce((a, b) => a + b, 0) / 20;
  return result(
    model,
    curve,
    { loss: curve[curve.length - 1], smooth, minLoss: Math.min(...curve), acc, maxStep },
    arch,
  );
}

/** model.eval() forgotten: BatchNorm + Dropout served in batches of 4 in train mode. */
function evalModeBug(buggy: boolean, seed: number): BugRun {
  const { x, y } = blobs10(seed);
  const model = new nn.Sequential(
    new nn.Linear(2, 64),
    new nn.BatchNorm1d(64),
    new nn.ReLU(),
    new nn.Dropout(0.3),
    new nn.Linear(64, 10),
  );
  const arch = ["nn.Linear(2, 64)", "nn.BatchNorm1d(64)", "nn.ReLU()", "nn.Dropout(0.3)", "nn.Linear(64, 10)"];
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const n = y.shape[0],
    curve: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    model.train();
    const idx = randperm(n).subarray(0, 64);
    opt.zeroGrad();
    const loss = F.crossEntropy(model(x.indexSelect(0, idx)), y.indexSelect(0, idx));
    loss.backward();
    opt.step();
    curve.push(loss.item());
  }
  if (!buggy) model.eval();
  let ok = 0,
    err = "";
  const served = 400,
    B = 4;
  noGrad(() => {
    try {
      model(x.narrow(0, 0, 1));
    } catch (e) {
      err = (e as Error).message;
    } // a single request
    for (let i = 0; i < served; i += B) {
      const pred = model(x.narrow(0, i, B)).argmax(1).dataSync();
      for (let k = 0; k < B; k++) if (pred[k] === y.dataSync()[i + k]) ok++;
    }
  });
  return result(model, curve, { loss: curve[curve.length - 1], acc: ok / served, error: err }, arch);
}

/** [N, 1] output against an [N] target: a hand-written MSE broadcasts to [N, N]. */
function shapeBug(buggy: boolean): BugRun {
  const n = 256;
  const xs = Float32Array.from({ length: n }, (_, i) => -2 + (4 * i) / (n - 1));
  const ys = xs.map((v) => Math.sin(2 * v));
  const x = tensor(xs, { shape: [n, 1] }),
    target = tensor(ys, { shape: [n] });
  const model = new nn.Sequential(new nn.Linear(1, 64), new nn.Tanh(), new nn.Linear(64, 1));
  const arch = ["nn.Linear(1, 64)", "nn.Tanh()", "nn.Linear(64, 1)"];
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  // What gradlab's own F.mseLoss says about the target this code passes: the buggy code passes
  // the [N] target, the correct code target.unsqueeze(1).
  let mseLossSays = "";
  try {
    noGrad(() => F.mseLoss(model(x), buggy ? target : target.unsqueeze(1)));
  } catch (e) {
    mseLossSays = (e as Error).message;
  }
  const curve: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    opt.zeroGrad();
    const out = model(x); // [n, 1]
    const loss = buggy ? out.sub(target).square().mean() : out.sub(target.unsqueeze(1)).square().mean();
    loss.backward();
    opt.step();
    curve.push(loss.item());
  }
  const pred = noGrad(() => model(x)).dataSync();
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let ssr = 0,
    sst = 0;
  for (let i = 0; i < n; i++) {
    ssr += (pred[i] - ys[i]) ** 2;
    sst += (ys[i] - my) ** 2;
  }
  return result(
    model,
    curve,
    { loss: curve[curve.length - 1], r2: 1 - ssr / sst, error: mseLossSays || "no error: the shapes match" },
    arch,
  );
}

/** Validation accuracy on a random split vs a group split, and the truth on new patients. */
function leakBug(buggy: boolean, seed: number): BugRun {
  const ds = patientsDataset({ patients: 60, perPatient: 20, signal: 1.5, seed });
  // "New patients": 30% of the patients, held out by group before anything else.
  const holdout = groupSplit(ds.groups, [0.7, 0.3], seed);
  const pool = holdout.train;
  let trIdx: Int32Array, vaIdx: Int32Array;
  if (buggy) {
    const [a, b] = randomSplitIndices(pool.length, [0.8, 0.2], seed);
    trIdx = a.map((i) => pool[i]);
    vaIdx = b.map((i) => pool[i]);
  } else {
    const gs = groupSplit(
      Array.from(pool, (i) => ds.groups[i]),
      [0.8, 0.2],
      seed,
    );
    trIdx = gs.train.map((i) => pool[i]);
    vaIdx = gs.val.map((i) => pool[i]);
  }
  const X = tensor(ds.x, { shape: [ds.n, ds.d] }),
    Y = tensor(ds.y);
  const model = new nn.Sequential(new nn.Linear(ds.d, 64), new nn.ReLU(), new nn.Linear(64, 2));
  const arch = [`nn.Linear(${ds.d}, 64)`, "nn.ReLU()", "nn.Linear(64, 2)"];
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const xtr = X.indexSelect(0, trIdx),
    ytr = Y.indexSelect(0, trIdx);
  const curve: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    opt.zeroGrad();
    const loss = F.crossEntropy(model(xtr), ytr);
    loss.backward();
    opt.step();
    curve.push(loss.item());
  }
  const accOn = (idx: Int32Array) => noGrad(() => accuracy(model(X.indexSelect(0, idx)), Y.indexSelect(0, idx).dataSync()));
  return result(
    model,
    curve,
    { loss: curve[curve.length - 1], valAcc: accOn(vaIdx), newPatientAcc: accOn(holdout.val) },
    arch,
  );
}

export function runBug(bug: BugId, buggy: boolean, seed: number): BugRun {
  manualSeed(seed);
  switch (bug) {
    case "softmax-ce":
    case "zero-grad":
      return lossBug(bug, buggy, seed);
    case "eval-mode":
      return evalModeBug(buggy, seed);
    case "shape":
      return shapeBug(buggy);
    case "leak":
      return leakBug(buggy, seed);
  }
}
