/// <reference lib="webworker" />
/** Worker for the depth-tools page: trains one deep stack per combination of tools, one step each in turn. */
import { F, manualSeed, noGrad, randperm, tensor, type Tensor } from "gradlab";
import { spirals } from "gradlab/data/synthetic.ts";
import { DeepNet, l2norm } from "../lib/deepnet.ts";
import { readStateDict } from "../lib/model_io.ts";
import { toolsId, type DepthConfig, type DepthTask, type Tools } from "../protocol/depth.ts";
import { accuracyOf, makeOptimizer, readAll, type Optimizer } from "./common.ts";
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
async function fullNorms(v: Variant, X: Tensor, Y: Tensor): Promise<number[]> {
  v.net.train();
  v.opt.zeroGrad();
  F.crossEntropy(v.net(X), Y).backward();
  const norms = await v.net.gradNorms();
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
    variants = [];
    for (const t of c.variants) {
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
      v.normsAtStart = await fullNorms(v, X, Y);
      v.normsNow = v.normsAtStart;
      variants.push(v);
    }
    manualSeed(c.seed);
    // Every variant's predictions, read in one wait.
    const report = async () => {
      const preds = variants.map((v) =>
        noGrad(() => {
          v.net.eval();
          const p = v.net(X).argmax(1);
          v.net.train();
          return p;
        }),
      );
      const vals = await readAll(preds);
      post({
        type: "progress",
        variants: variants.map((v, i) => {
          return {
            id: v.id,
            step: v.step,
            accuracy: accuracyOf(vals[i], ds.y),
            normsAtStart: v.normsAtStart,
            normsNow: v.normsNow,
            divergedAt: v.divergedAt,
            loss: v.losses.length ? v.losses.reduce((a, b) => a + b, 0) / v.losses.length : NaN,
          };
        }),
      });
    };
    await report();
    let lastReport = performance.now();
    await s.run({
      finished: () => variants[0].step >= c.steps,
      step: async () => {
        const idx = randperm(ds.n).subarray(0, c.batch);
        const xb = X.indexSelect(0, idx),
          yb = Y.indexSelect(0, idx);
        // Every variant steps, then their losses and gradients are read together: one wait per step.
        const stepped: { v: Variant; loss: Tensor; grads: (Tensor | null)[] }[] = [];
        for (const v of variants) {
          v.step++;
          if (v.divergedAt !== null) continue;
          v.opt.zeroGrad();
          const loss = F.crossEntropy(v.net(xb), yb);
          loss.backward();
          stepped.push({ v, loss, grads: v.net.weightGrads() });
          v.opt.step();
        }
        const vals = await Promise.all(
          stepped.flatMap(({ loss, grads }) => [loss.data(), ...grads.map((g) => (g ? g.data() : null))]),
        );
        let k = 0;
        for (const { v, grads } of stepped) {
          const l = vals[k++]![0];
          v.normsNow = grads.map(() => l2norm(vals[k++]));
          if (!Number.isFinite(l)) v.divergedAt = v.step;
          v.losses.push(l);
        }
      },
      afterSlice: async () => {
        if (performance.now() - lastReport < 400 && variants[0].step < c.steps) return;
        await report();
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
        return v ? readStateDict(v.net.stateDict()) : null;
      },
    },
  };
});
