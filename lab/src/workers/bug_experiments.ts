/**
 * The five classic-bug experiments of the training-bugs page, each a few hundred steps of a small
 * model. Values are read with `await t.data()` so the experiments run on every backend; a loss
 * curve is kept as tensors and read in one wait at the end.
 */
import { F, manualSeed, nn, noGrad, optim, randperm, tensor, type Tensor } from "gradlab";
import { gaussianBlobs } from "gradlab/data/synthetic.ts";
import { groupSplit, patientsDataset, randomSplitIndices } from "gradlab/data/splits.ts";
import { readStateDict } from "../lib/model_io.ts";
import type { BugId, BugRun } from "../protocol/bugs.ts";
import { accuracy, readAll } from "./common.ts";

const STEPS = 300;

function blobs10(seed: number) {
  const ds = gaussianBlobs({ n: 1000, centers: 10, std: 0.7, box: [-6, 6], seed });
  return { x: tensor(ds.x, { shape: [ds.n, 2] }), y: tensor(ds.y) };
}

const result = async (
  model: nn.Module,
  curve: number[],
  metrics: BugRun["metrics"],
  arch: string[],
): Promise<BugRun> => ({
  curve,
  metrics,
  sd: await readStateDict(model.stateDict()),
  arch,
});

/** The values of a list of one-element losses, read in one wait. */
const values = async (losses: Tensor[]): Promise<number[]> => (await readAll(losses)).map((a) => a[0]);

/** Softmax before CrossEntropyLoss, or a forgotten zero_grad(): full-batch plain SGD on 10 blobs. */
async function lossBug(bug: "softmax-ce" | "zero-grad", buggy: boolean, seed: number): Promise<BugRun> {
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
  const losses: Tensor[] = [];
  let maxStep = 0;
  // The size of each update needs the parameters before and after it: two reads a step.
  for (let s = 0; s < STEPS; s++) {
    if (!(bug === "zero-grad" && buggy)) opt.zeroGrad();
    const loss = F.crossEntropy(model(x), y);
    loss.backward();
    const before = (await readAll(model.parameters())).map((a) => Float32Array.from(a));
    opt.step();
    let sq = 0;
    (await readAll(model.parameters())).forEach((now, i) => {
      for (let j = 0; j < now.length; j++) sq += (now[j] - before[i][j]) ** 2;
    });
    maxStep = Math.max(maxStep, Math.sqrt(sq));
    losses.push(loss);
  }
  const curve = await values(losses);
  const acc = await accuracy(
    noGrad(() => model(x)),
    await y.data(),
  );
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
async function evalModeBug(buggy: boolean, seed: number): Promise<BugRun> {
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
    losses: Tensor[] = [];
  for (let s = 0; s < STEPS; s++) {
    model.train();
    const idx = randperm(n).subarray(0, 64);
    opt.zeroGrad();
    const loss = F.crossEntropy(model(x.indexSelect(0, idx)), y.indexSelect(0, idx));
    loss.backward();
    opt.step();
    losses.push(loss);
  }
  const curve = await values(losses);
  if (!buggy) model.eval();
  let ok = 0,
    err = "";
  const served = 400,
    B = 4;
  const preds: Tensor[] = [];
  noGrad(() => {
    try {
      model(x.narrow(0, 0, 1));
    } catch (e) {
      err = (e as Error).message;
    } // a single request
    for (let i = 0; i < served; i += B) preds.push(model(x.narrow(0, i, B)).argmax(1));
  });
  const [labels, ...predVals] = await readAll([y, ...preds]);
  predVals.forEach((pred, b) => {
    for (let k = 0; k < B; k++) if (pred[k] === labels[b * B + k]) ok++;
  });
  return result(model, curve, { loss: curve[curve.length - 1], acc: ok / served, error: err }, arch);
}

/** [N, 1] output against an [N] target: a hand-written MSE broadcasts to [N, N]. */
async function shapeBug(buggy: boolean): Promise<BugRun> {
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
  const losses: Tensor[] = [];
  for (let s = 0; s < STEPS; s++) {
    opt.zeroGrad();
    const out = model(x); // [n, 1]
    const loss = buggy ? out.sub(target).square().mean() : out.sub(target.unsqueeze(1)).square().mean();
    loss.backward();
    opt.step();
    losses.push(loss);
  }
  const curve = await values(losses);
  const pred = await noGrad(() => model(x)).data();
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
async function leakBug(buggy: boolean, seed: number): Promise<BugRun> {
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
  const losses: Tensor[] = [];
  for (let s = 0; s < STEPS; s++) {
    opt.zeroGrad();
    const loss = F.crossEntropy(model(xtr), ytr);
    loss.backward();
    opt.step();
    losses.push(loss);
  }
  const curve = await values(losses);
  // The labels are host arrays already: ds.y.
  const accOn = (idx: Int32Array) =>
    accuracy(
      noGrad(() => model(X.indexSelect(0, idx))),
      Int32Array.from(idx, (i) => ds.y[i]),
    );
  return result(
    model,
    curve,
    { loss: curve[curve.length - 1], valAcc: await accOn(vaIdx), newPatientAcc: await accOn(holdout.val) },
    arch,
  );
}

export function runBug(bug: BugId, buggy: boolean, seed: number): Promise<BugRun> {
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
