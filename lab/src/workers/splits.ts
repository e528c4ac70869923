/// <reference lib="webworker" />
/** Worker for the honest-splits page: the data, the three splits, 1-NN or a logistic regression on each. */
import { F, manualSeed, nn, noGrad, optim, tensor, type Tensor } from "gradlab";
import { groupSplit, patientsDataset, randomSplitIndices, splitLeakage, timeSplit } from "gradlab/data/splits.ts";
import { readStateDict } from "../lib/model_io.ts";
import {
  SPLIT_KINDS,
  type SplitKind,
  type SplitsConfig,
  type SplitsResult,
  type SplitsTask,
} from "../protocol/splits.ts";
import { readAll } from "./common.ts";
import { serve } from "./runtime.ts";

/** 1-nearest-neighbour: the index (into `tr`) of each test row's nearest training row, ‖a − b‖² = ‖a‖² − 2a·b + ‖b‖². */
function nn1(X: Tensor, tr: Int32Array, te: Int32Array): Tensor {
  return noGrad(() => {
    const A = X.indexSelect(0, te),
      B = X.indexSelect(0, tr);
    const d = A.square().sum(1, true).sub(A.matmul(B.t()).mul(2)).add(B.square().sum(1).unsqueeze(0));
    return d.argmin(1);
  });
}

function trainLogreg(X: Tensor, y: Int32Array, tr: Int32Array): nn.Linear {
  manualSeed(0);
  const model = new nn.Linear(X.shape[1], 2);
  const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
  const xt = X.indexSelect(0, tr),
    yt = tensor(Int32Array.from(tr, (i) => y[i]));
  for (let s = 0; s < 200; s++) {
    opt.zeroGrad();
    F.crossEntropy(model(xt), yt).backward();
    opt.step();
  }
  return model;
}

function prepare(c: SplitsConfig) {
  const ds = patientsDataset({
    patients: c.patients,
    perPatient: c.per,
    signature: c.signature,
    signal: c.signal,
    seed: c.seed,
  });
  const [a, b] = randomSplitIndices(ds.n, [0.8, 0.2], c.seed);
  const sp: Record<SplitKind, { train: Int32Array; val: Int32Array }> = {
    random: { train: a, val: b },
    group: groupSplit(ds.groups, [0.8, 0.2], c.seed),
    time: timeSplit(ds.times, [0.8, 0.2]),
  };
  return { ds, X: tensor(ds.x, { shape: [ds.n, ds.d] }), sp };
}

serve<SplitsTask>(() => ({
  requests: {
    // The three splits' predictions are computed first and read in one wait.
    async evaluate(c): Promise<SplitsResult> {
      const { ds, X, sp } = prepare(c);
      const splits = {} as SplitsResult["splits"];
      const outs = SPLIT_KINDS.map((k) => {
        const { train, val } = sp[k];
        if (c.model === "1nn") return nn1(X, train, val);
        const model = trainLogreg(X, ds.y, train);
        return noGrad(() => model(X.indexSelect(0, val)).argmax(1));
      });
      const vals = await readAll(outs);
      for (const [n, k] of SPLIT_KINDS.entries()) {
        const { train, val } = sp[k];
        // 1-NN answers the nearest training row; its label is the prediction.
        const pred = c.model === "1nn" ? Int32Array.from(vals[n], (j) => ds.y[train[j]]) : Int32Array.from(vals[n]);
        let ok = 0;
        pred.forEach((p, i) => {
          if (p === ds.y[val[i]]) ok++;
        });
        splits[k] = { accuracy: ok / val.length, leak: splitLeakage(ds.groups, sp[k]), test: val };
      }
      return { n: ds.n, patients: ds.patients, features: ds.d, groups: Int32Array.from(ds.groups), splits };
    },
    logreg(c) {
      const { ds, X, sp } = prepare(c);
      return readStateDict(trainLogreg(X, ds.y, sp[c.kind].train).stateDict());
    },
  },
}));
