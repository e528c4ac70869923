/// <reference lib="webworker" />
/** Worker for the 2-D classification pages: trains one Mlp2dRun at a time, in time slices. */
import type { Mlp2dTask } from "../protocol/mlp2d.ts";
import { readStateDict } from "../lib/model_io.ts";
import { setLr } from "./common.ts";
import { Mlp2dRun } from "./mlp2d_model.ts";
import { serve, Session } from "./runtime.ts";

serve<Mlp2dTask>((post) => {
  let run: Mlp2dRun | null = null;
  let session: Session | null = null;
  const report = async (r: Mlp2dRun) => {
    const p = await r.evaluate();
    post(p, [p.probs.buffer]);
  };

  async function train(r: Mlp2dRun, s: Session): Promise<void> {
    post(r.dataEvent());
    await report(r);
    const maxSteps = r.c.maxSteps ?? Infinity;
    // The loss curve is sampled by steps, not by time: every step for the first 100, then every
    // ⌊step/50⌋ steps (at most 25), so a run of n ≥ 50 steps has ≥ 50 points however fast it runs.
    const every = (step: number) => Math.min(25, Math.max(1, Math.floor(step / 50)));
    let lastSample = r.step,
      lastReport = 0;
    let curve = { step: [] as number[], train: [] as number[], test: [] as number[] };
    await s.run({
      finished: () => r.step >= maxSteps,
      step: async () => {
        r.trainStep();
        if (r.step - lastSample >= every(r.step)) {
          const l = await r.losses();
          curve.step.push(r.step);
          curve.train.push(l.trainLoss);
          curve.test.push(l.testLoss);
          lastSample = r.step;
        }
      },
      afterSlice: async () => {
        if (curve.step.length) {
          post({ type: "curve", ...curve });
          curve = { step: [], train: [], test: [] };
        }
        if (performance.now() - lastReport > 120 || r.step >= maxSteps) {
          await report(r);
          lastReport = performance.now();
        }
      },
      onFinish: () => post({ type: "done", step: r.step }),
    });
  }

  return {
    command(c) {
      switch (c.type) {
        case "start":
          session?.stop();
          run = new Mlp2dRun(c.config);
          session = new Session(c.autostart);
          return train(run, session);
        case "pause":
          if (session) session.running = false;
          return;
        case "resume":
          if (session) session.running = true;
          return;
        case "set":
          if (!run) return;
          if (c.lr !== undefined) {
            run.c.lr = c.lr;
            setLr(run.opt, c.lr);
          }
          if (c.batch !== undefined) run.c.batch = c.batch;
          if (c.evalMode !== undefined) run.c.evalMode = c.evalMode;
          return report(run);
        case "addPoint":
          if (!run) return;
          run.addPoint(c.point);
          post(run.dataEvent());
          return report(run);
      }
    },
    requests: { stateDict: () => (run ? readStateDict(run.model.stateDict()) : null) },
  };
});
