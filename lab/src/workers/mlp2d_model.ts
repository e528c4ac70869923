/** The 2-D classification run behind the spirals and XOR pages: data, model, one step, evaluation. */
import { F, manualSeed, nn, noGrad, randperm, softmax, tensor, type Tensor } from "gradlab";
import { circles, gaussianBlobs, moons, spirals, xor, xorCloud, type Dataset2D } from "gradlab/data/synthetic.ts";
import { randomSplitIndices } from "gradlab/data/splits.ts";
import { buildLabMlp, forwardAll, lastHiddenIndex, preActivationIndices } from "../lib/mlp.ts";
import { pca2 } from "../lib/pca.ts";
import { gridPoints, type View } from "../lib/plot.ts";
import type { Mlp2dConfig, Mlp2dProgress, Mlp2dTask, Point } from "../protocol/mlp2d.ts";
import type { EventOf } from "../protocol/wire.ts";
import { accuracyOf, linearWeights, makeOptimizer, readAll, type Optimizer } from "./common.ts";

function makeDataset(c: Mlp2dConfig): Dataset2D {
  const o = { n: c.n, noise: c.noise, seed: c.seed };
  switch (c.dataset) {
    case "spirals":
      return spirals({ ...o, turns: c.turns, classes: c.classes });
    case "moons":
      return moons(o);
    case "circles":
      return circles(o);
    case "xor":
      return xor();
    case "xorcloud":
      return xorCloud(o);
    case "blobs":
      return gaussianBlobs({ n: c.n, centers: c.classes, std: 0.6 + 4 * c.noise, box: [-4, 4], seed: c.seed });
  }
}

export class Mlp2dRun {
  readonly model: nn.Sequential;
  readonly opt: Optimizer;
  readonly classes: number;
  readonly view: View;
  xTr: number[] = [];
  yTr: number[] = [];
  xTe: number[] = [];
  yTe: number[] = [];
  step = 0;
  epoch = 0;
  private order: Int32Array = new Int32Array(0);
  private pos = 0;

  constructor(readonly c: Mlp2dConfig) {
    manualSeed(c.seed);
    const ds = makeDataset(c);
    this.classes = Math.max(ds.numClasses, c.mlp.outputs);
    if (c.dataset === "xor") {
      this.xTr = [...ds.x];
      this.yTr = [...ds.y];
      this.xTe = [...ds.x];
      this.yTe = [...ds.y];
    } else {
      const nTest = Math.round(ds.n * c.testFrac);
      const [tr, te] = randomSplitIndices(ds.n, [ds.n - nTest, nTest], c.seed + 1);
      for (const i of tr) {
        this.xTr.push(ds.x[2 * i], ds.x[2 * i + 1]);
        this.yTr.push(ds.y[i]);
      }
      for (const i of te) {
        this.xTe.push(ds.x[2 * i], ds.x[2 * i + 1]);
        this.yTe.push(ds.y[i]);
      }
    }
    for (const p of c.extra ?? []) {
      this.xTr.push(p.x, p.y);
      this.yTr.push(p.label);
    }
    let lo = Infinity,
      hi = -Infinity;
    for (const v of ds.x) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const pad = 0.15 * (hi - lo || 1);
    this.view = { x0: lo - pad, x1: hi + pad, y0: lo - pad, y1: hi + pad };
    manualSeed(c.seed);
    this.model = buildLabMlp(c.mlp);
    this.opt = makeOptimizer(c.optimizer, this.model.parameters(), c.lr);
  }

  dataEvent(): EventOf<Mlp2dTask, "data"> {
    return {
      type: "data",
      xTrain: this.xTr,
      yTrain: this.yTr,
      xTest: this.xTe,
      yTest: this.yTe,
      view: this.view,
      classes: this.classes,
    };
  }

  addPoint(p: Point): void {
    this.xTr.push(p.x, p.y);
    this.yTr.push(p.label);
    this.order = new Int32Array(0);
  }

  /** One optimizer step. The loss is not read here: the curve samples it (`losses()`) every few steps. */
  trainStep(): void {
    const n = this.yTr.length;
    let bs = Math.min(this.c.batch, n);
    if (this.c.mlp.batchnorm && bs < 2) bs = Math.min(2, n); // BatchNorm needs two samples to normalise
    if (this.pos + bs > this.order.length) {
      this.order = randperm(n);
      this.pos = 0;
      if (this.step > 0) this.epoch++;
    }
    const idx = this.order.subarray(this.pos, this.pos + bs);
    this.pos += bs;
    const xb = new Float32Array(bs * 2),
      yb = new Int32Array(bs);
    idx.forEach((i, k) => {
      xb[2 * k] = this.xTr[2 * i];
      xb[2 * k + 1] = this.xTr[2 * i + 1];
      yb[k] = this.yTr[i];
    });
    this.model.train();
    this.opt.zeroGrad();
    const loss = F.crossEntropy(this.model(tensor(xb, { shape: [bs, 2] })), tensor(yb));
    loss.backward();
    this.opt.step();
    this.step++;
  }

  private lossOn(xs: number[], ys: number[]): Tensor | null {
    if (!ys.length) return null;
    return F.crossEntropy(
      this.model(tensor(Float32Array.from(xs), { shape: [ys.length, 2] })),
      tensor(Int32Array.from(ys)),
    );
  }

  /** Train and test loss only: cheap enough to sample every few steps for the loss curve (one read). */
  async losses(): Promise<{ trainLoss: number; testLoss: number }> {
    this.model.train(this.c.evalMode === "train");
    const ls = noGrad(() => [this.lossOn(this.xTr, this.yTr), this.lossOn(this.xTe, this.yTe)]);
    this.model.train();
    const [tr, te] = await Promise.all(ls.map((l) => (l ? l.itemAsync() : NaN)));
    return { trainLoss: tr, testLoss: te };
  }

  /** Everything the page draws, computed first and then read back in one wait. */
  async evaluate(): Promise<Mlp2dProgress> {
    const m = this.model;
    m.train(this.c.evalMode === "train");
    const r = noGrad(() => {
      const score = (xs: number[], ys: number[]) => {
        if (!ys.length) return null;
        const logits = m(tensor(Float32Array.from(xs), { shape: [ys.length, 2] }));
        return [F.crossEntropy(logits, tensor(Int32Array.from(ys))), logits.argmax(1)];
      };
      const tr = score(this.xTr, this.yTr),
        te = score(this.xTe, this.yTe);
      const g = this.c.grid;
      const probs = softmax(m(tensor(gridPoints(this.view, g), { shape: [g * g, 2] })), -1);
      let last: Tensor | null = null;
      let pre: Tensor[] = [];
      if (this.c.mlp.hidden.length) {
        const n = this.yTr.length;
        const outs = forwardAll(m, tensor(Float32Array.from(this.xTr), { shape: [n, 2] }));
        last = outs[lastHiddenIndex(this.c.mlp)];
        if (this.c.mlp.activation === "relu") pre = preActivationIndices(this.c.mlp).map((i) => outs[i]);
      }
      return { tr, te, probs, last, pre };
    });
    m.train();
    const wanted = [...(r.tr ?? []), ...(r.te ?? []), r.probs, ...(r.last ? [r.last] : []), ...r.pre];
    const [vals, layers] = await Promise.all([readAll(wanted), linearWeights(m)]);
    let k = 0;
    const next = () => vals[k++];
    const score = (s: Tensor[] | null, ys: number[]) =>
      s ? { loss: next()[0], acc: accuracyOf(next(), ys) } : { loss: NaN, acc: NaN };
    const tr = score(r.tr, this.yTr),
      te = score(r.te, this.yTe);
    const probs = next() as Float32Array;
    let hidden: Float32Array | null = null,
      hiddenKind: Mlp2dProgress["hiddenKind"] = "none";
    let units: Mlp2dProgress["units"] = null;
    if (r.last) {
      const n = this.yTr.length,
        d = r.last.shape[1];
      hidden = pca2(next(), n, d).points;
      hiddenKind = d <= 2 ? "raw" : "pca";
      if (r.pre.length) {
        const states = r.pre.map((t) => unitStates(next(), n, t.shape[1]));
        units = { dead: states.map((u) => u.dead), linear: states.map((u) => u.linear) };
      }
    }
    return {
      type: "progress",
      step: this.step,
      epoch: this.epoch,
      trainLoss: tr.loss,
      trainAcc: tr.acc,
      testLoss: te.loss,
      testAcc: te.acc,
      probs,
      hidden,
      hiddenKind,
      units,
      layers,
    };
  }
}

/**
 * Of the columns of an n × d pre-activation: how many are ≤ 0 on every row (dead: their ReLU
 * passes nothing and no gradient) and how many are > 0 on every row (linear on this data).
 */
function unitStates(pre: ArrayLike<number>, n: number, d: number): { dead: number; linear: number } {
  let dead = 0,
    linear = 0;
  for (let j = 0; j < d; j++) {
    let on = 0;
    for (let i = 0; i < n; i++) if (pre[i * d + j] > 0) on++;
    if (on === 0) dead++;
    else if (on === n) linear++;
  }
  return { dead, linear };
}
