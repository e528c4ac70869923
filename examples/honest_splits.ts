/** Honest splits: a random split leaks patients into validation and inflates accuracy; a group split does not. */
import { data, F, manualSeed, nn, noGrad, optim, tensor } from "gradlab";

const ds = data.patientsDataset({ patients: 40, perPatient: 10, seed: 0 });
const X = tensor(ds.x, { shape: [ds.n, ds.d] }),
  Y = tensor(ds.y, { shape: [ds.n], dtype: "int32" });

function valAccuracy(split: { train: Int32Array; val: Int32Array }): number {
  manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(ds.d, 64), new nn.ReLU(), new nn.Linear(64, 2));
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const xt = X.indexSelect(0, split.train),
    yt = Y.indexSelect(0, split.train);
  for (let i = 0; i < 300; i++) {
    const loss = F.crossEntropy(model(xt), yt);
    opt.zeroGrad();
    loss.backward();
    opt.step();
  }
  return noGrad(() => model(X.indexSelect(0, split.val)).argmax(1).eq(Y.indexSelect(0, split.val)).mean().item());
}
const [tr, va] = data.randomSplitIndices(ds.n, [0.8, 0.2], 0);
const random = { train: tr, val: va };
const group = data.groupSplit(ds.groups, [0.8, 0.2], 0);
const time = data.timeSplit(ds.times, [0.8, 0.2]);
for (const [name, s] of [
  ["random", random],
  ["group (by patient)", group],
  ["time", time],
] as const) {
  const leaked = data.splitLeakage(ds.groups, s);
  console.log(`${name.padEnd(19)} split: val accuracy ${valAccuracy(s).toFixed(3)}, patients on both sides: ${leaked}`);
}
