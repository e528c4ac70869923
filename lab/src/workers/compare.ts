/// <reference lib="webworker" />
/**
 * Worker for the opening question: trains every contender in turn, one step each, so all get the
 * same steps and batches; each one's clock runs only during its own steps (feature extraction
 * included).
 */
import { F, Generator, manualSeed, noGrad, tensor, type nn, type Tensor } from "gradlab";
import { CONTENDERS, type Contender } from "../lib/contenders.ts";
import { readStateDict } from "../lib/model_io.ts";
import type { CompareConfig, CompareTask, ContenderResult } from "../protocol/compare.ts";
import { makeOptimizer, parameterCount, readAll, type Optimizer } from "./common.ts";
import { labelsOf, loadMnist, range, type Mnist } from "./mnist_data.ts";
import { serve, Session } from "./runtime.ts";

const PROBE = 1000; // test images scored during training

interface Run {
  c: Contender;
  model: nn.Module;
  opt: Optimizer;
  step: number;
  ms: number;
  losses: number[];
  acc: number | null;
}

/** The predicted class of images start..end, in chunks of 1000, all read in one wait. */
async function predict(r: Run, x: Uint8Array, start: number, end: number): Promise<Int32Array> {
  r.model.eval();
  const chunks: Tensor[] = [];
  noGrad(() => {
    for (let s = start; s < end; s += 1000)
      chunks.push(r.model(r.c.input(x, range(s, Math.min(end, s + 1000)))).argmax(1));
  });
  r.model.train();
  const out = new Int32Array(end - start);
  (await readAll(chunks)).forEach((p, k) => out.set(p as ArrayLike<number>, k * 1000));
  return out;
}

serve<CompareTask>((post) => {
  let runs: Run[] = [];
  let session: Session | null = null;
  let data: Promise<Mnist> | null = null;

  async function train(c: CompareConfig, s: Session): Promise<void> {
    post({ type: "status", text: "loading MNIST…" });
    data ??= loadMnist(c.base);
    const d = await data;
    if (s.stopped) return;
    runs = CONTENDERS.map((ct) => {
      manualSeed(c.seed);
      const model = ct.build();
      return {
        c: ct,
        model,
        opt: makeOptimizer("adam", model.parameters(), c.lr),
        step: 0,
        ms: 0,
        losses: [],
        acc: null,
      };
    });
    post({ type: "models", params: Object.fromEntries(runs.map((r) => [r.c.id, parameterCount(r.model)])) });
    post({ type: "status", text: "training" });
    const batches = new Generator(c.seed + 1);
    let lastEval = 0;
    const scoreProbe = async () => {
      for (const r of runs) {
        const pred = await predict(r, d.testX, 0, PROBE);
        r.acc = pred.reduce((ok, p, i) => ok + (p === d.testY[i] ? 1 : 0), 0) / PROBE;
      }
    };
    const report = () =>
      post({
        type: "progress",
        models: runs.map((r) => ({
          id: r.c.id,
          step: r.step,
          seconds: r.ms / 1000,
          testAcc: r.acc,
          loss: r.losses.length ? r.losses.reduce((a, b) => a + b, 0) / r.losses.length : NaN,
        })),
      });
    await scoreProbe();
    report();
    await s.run({
      sliceMs: 60,
      finished: () => runs[0].step >= c.steps,
      step: async () => {
        // One batch, the same for every contender. Each contender's loss is awaited inside its own
        // timing, so on WebGPU its seconds include its GPU work (one wait per contender).
        const idx = Int32Array.from({ length: c.batch }, () => batches.int(0, d.trainY.length));
        const y = tensor(labelsOf(d.trainY, idx));
        for (const r of runs) {
          const t0 = performance.now();
          r.opt.zeroGrad();
          const loss = F.crossEntropy(r.model(r.c.input(d.trainX, idx)), y);
          loss.backward();
          r.opt.step();
          r.losses.push(await loss.itemAsync());
          r.step++;
          r.ms += performance.now() - t0;
        }
      },
      afterSlice: async () => {
        if (runs[0].step - lastEval >= c.evalEvery) {
          await scoreProbe();
          lastEval = runs[0].step;
        }
        report();
        for (const r of runs) r.losses = [];
      },
      onFinish: async () => {
        await scoreProbe();
        report();
        const n = d.testY.length;
        const preds: Int32Array[] = [];
        for (const r of runs) preds.push(await predict(r, d.testX, 0, n));
        const results: ContenderResult[] = runs.map((r, k) => {
          const confusion = new Array<number>(100).fill(0);
          const mistakes: ContenderResult["mistakes"] = [];
          let ok = 0,
            onlyHere = 0;
          for (let i = 0; i < n; i++) {
            const p = preds[k][i],
              yi = d.testY[i];
            confusion[yi * 10 + p]++;
            if (p === yi) {
              ok++;
              continue;
            }
            if (preds.every((q, j) => j === k || q[i] === yi)) onlyHere++;
            if (mistakes.length < 12)
              mistakes.push({ i, label: yi, pred: p, img: d.testX.slice(i * 784, (i + 1) * 784) });
          }
          return { id: r.c.id, step: r.step, seconds: r.ms / 1000, testAcc: ok / n, confusion, onlyHere, mistakes };
        });
        post({ type: "done", models: results });
      },
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
        const r = runs.find((x) => x.c.id === id);
        return r ? readStateDict(r.model.stateDict()) : null;
      },
    },
  };
});
