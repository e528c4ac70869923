/// <reference lib="webworker" />
/** Worker for the depth-tools page: trains one deep stack per combination of tools, one step each in turn. */
import { F, manualSeed, noGrad, randperm, tensor, type Tensor } from "gradlab";
import { spirals } from "gradlab/data/synthetic.ts";
import { DeepNet } from "../lib/deepnet.ts";
import { plainStateDict } from "../lib/model_io.ts";
import { toolsId, type DepthConfig, type DepthTask, type Tools } from "../protocol/depth.ts";
import { accuracy, makeOptimizer, type Optimizer } from "./common.ts";
import { serve, Session } from "./runtime.ts";

interface Variant {
  id: string;
  net: DeepNet;
  opt: Optimizer;
  step: number;
  losses: number[];
  normsAtStart: number[];
  /** The gradient norms of the latest training step (its batch). */
  normsNow: number[];
  divergedAt: number | null;
}

function deepNetFor(c: DepthConfig, t: Tools): DeepNet {
  manualSeed(c.seed);
  return new DeepNet({
    inputs: 2,
    width: c.width,
    depth: c.depth,
    outputs: 2,
    activation: "relu",
    init: t.kaiming ? "kaiming" : "default",
    residual: t.residual,
    norm: t.norm,
  });
}

/** Per-layer gradient norms on the whole data set (train mode, as a step would see them), gradients cleared after. */
function fullNorms(v: Variant, X: Tensor, Y: Tensor): number[] {
  v.net.train();
  v.opt.zeroGrad();
  F.crossEntropy(v.net(X), Y).backward();
  const norms = v.net.gradNorms();
  v.opt.zeroGrad();
  return norms;
}

serve<DepthTask>((post) => {
  let variants: Variant[] = [];
  let session: Session | null = null;

  async function train(c: DepthConfig, s: Session): Promise<void> {
    const ds = spirals({ n: 400, noise: 0.04, seed: c.seed });
    const X = tensor(ds.x, { shape: [ds.n, 2] }),
      Y = tensor(ds.y);
    variants = c.variants.map((t) => {
      const net = deepNetFor(c, t);
      const v: Variant = {
        id: toolsId(t),
        net,
        opt: makeOptimizer(c.optimizer, net.parameters(), c.lr),
        step: 0,
        losses: [],
        normsAtStart: [],
        normsNow: [],
        divergedAt: null,
      };
      v.normsAtStart = fullNorms(v, X, Y);
      v.normsNow = v.normsAtStart;
      return v;
    });
    manualSeed(c.seed);
    const report = () =>
      post({
        type: "progress",
        variants: variants.map((v) => {
          const acc = noGrad(() => {
            v.net.eval();
            const a = accuracy(v.net(X), ds.y);
            v.net.train();
            return a;
          });
          return {
            id: v.id,
            step: v.step,
            accuracy: acc,
            normsAtStart: v.normsAtStart,
            normsNow: v.normsNow,
            divergedAt: v.divergedAt,
            loss: v.losses.length ? v.losses.reduce((a, b) => a + b, 0) / v.losses.length : NaN,
          };
        }),
      });
    report();
    let lastReport = performance.now();
    await s.run({
      finished: () => variants[0].step >= c.steps,
      step: () => {
        const idx = randperm(ds.n).subarray(0, c.batch);
        const xb = X.indexSelect(0, idx),
          yb = Y.indexSelect(0, idx);
        for (const v of variants) {
          v.step++;
          if (v.divergedAt !== null) continue;
          v.opt.zeroGrad();
          const loss = F.crossEntropy(v.net(xb), yb);
          loss.backward();
          v.normsNow = v.net.gradNorms();
          v.opt.step();
          const l = loss.item();
          if (!Number.isFinite(l)) v.divergedAt = v.step;
          v.losses.push(l);
        }
      },
      afterSlice: () => {
        if (performance.now() - lastReport < 400 && variants[0].step < c.steps) return;
        report();
        for (const v of variants) v.losses = [];
        lastReport = performance.now();
      },
      onFinish: () => post({ type: "done", step: variants[0].step }),
    });
  }

  return {
    command(cmd) {
      switch (cmd.type) {
        case "start":
          session?.stop();
          session = new Session(true);
          return train(cmd.config, session);
        case "pause":
          if (session) session.running = false;
          return;
        case "resume":
          if (session) session.running = true;
          return;
      }
    },
    requests: {
      stateDict: ({ id }) => {
        const v = variants.find((x) => x.id === id);
        return v ? plainStateDict(v.net.stateDict()) : null;
      },
    },
  };
});
