/// <reference lib="webworker" />
/**
 * Worker for the universal-approximation page: one hidden layer of N ReLU units fitted to a 1-D
 * target (reporting each unit's piece), and the wide-versus-deep race on the sawtooth.
 */
import { F, manualSeed, nn, noGrad, optim, tensor, type Tensor } from "gradlab";
import { initLinear_ } from "gradlab/nn/mlp.ts";
import { readStateDict } from "../lib/model_io.ts";
import { deepNarrowParams, gridX, sawtooth, wideUnitsForBudget } from "../lib/targets.ts";
import type { ApproxTask, FitConfig, RaceConfig } from "../protocol/approx.ts";
import { linearWeights, parameterCount, readAll } from "./common.ts";
import { serve, Session, type Poster } from "./runtime.ts";

const RACE_POINTS = 256;

function mlp1d(hidden: number[], kaiming: boolean): nn.Sequential {
  const mods: nn.Module[] = [];
  let d = 1;
  for (const w of hidden) {
    mods.push(new nn.Linear(d, w), new nn.ReLU());
    d = w;
  }
  mods.push(new nn.Linear(d, 1));
  if (kaiming) for (const m of mods) if (m instanceof nn.Linear) initLinear_(m, "kaiming", "relu");
  return new nn.Sequential(...mods);
}

/** L layers of 2 ReLU units computing the tent map L times: the sawtooth exactly, with 6L + 1 weights. */
function handBuiltSawtooth(layers: number): nn.Sequential {
  const net = mlp1d(Array<number>(layers).fill(2), false);
  noGrad(() => {
    [...net.children()]
      .filter((m): m is nn.Linear => m instanceof nn.Linear)
      .forEach((l, k) => {
        // copy_ rather than writing the host array: the weights may live on the GPU.
        const set = (t: Tensor, v: number[]) => t.copy_(tensor(Float32Array.from(v), { shape: [...t.shape] }));
        if (k === 0) {
          set(l.weight, [1, 1]);
          set(l.bias!, [0, -0.5]);
        }
        // Later layers read t = 2·h₁ − 4·h₂ of the layer before and bend it at 0 and ½ again.
        else if (k < layers) {
          set(l.weight, [2, -4, 2, -4]);
          set(l.bias!, [0, -0.5]);
        } else {
          set(l.weight, [2, -4]);
          set(l.bias!, [0]);
        }
      });
  });
  return net;
}

const mse = (net: nn.Module, x: Tensor, y: Tensor) => F.mseLoss(net(x), y);

serve<ApproxTask>((post) => {
  let fitNet: nn.Sequential | null = null,
    deepNet: nn.Sequential | null = null,
    wideNet: nn.Sequential | null = null;
  let fitSession: Session | null = null,
    raceSession: Session | null = null;

  async function fit(c: FitConfig, s: Session, post: Poster<ApproxTask>): Promise<void> {
    manualSeed(c.seed);
    const net = mlp1d([c.units], false);
    fitNet = net;
    const n = c.target.length,
      xs = gridX(n);
    const x = tensor(xs, { shape: [n, 1] }),
      y = tensor(c.target, { shape: [n, 1] });
    const opt = new optim.Adam(net.parameters(), { lr: c.lr });
    let step = 0,
      loss: Tensor | null = null,
      last = 0;
    // Everything the page draws, read in one wait.
    const report = async (done: boolean) => {
      const [l1, l2] = [net[0] as nn.Linear, net[2] as nn.Linear];
      const { out, l } = noGrad(() => ({ out: net(x), l: mse(net, x, y) }));
      const [[w, b, v, c0, fittedVals, lv], layers] = await Promise.all([
        readAll([l1.weight, l1.bias!, l2.weight, l2.bias!, out, l]),
        linearWeights(net),
      ]);
      const pieces = new Float32Array(c.units * n),
        kinks = new Float32Array(c.units);
      for (let i = 0; i < c.units; i++) {
        kinks[i] = w[i] === 0 ? NaN : -b[i] / w[i];
        for (let j = 0; j < n; j++) pieces[i * n + j] = v[i] * Math.max(0, w[i] * xs[j] + b[i]);
      }
      const fitted = Float32Array.from(fittedVals);
      post(
        {
          type: "fit",
          step,
          loss: lv[0],
          fit: fitted,
          pieces,
          bias: c0[0],
          kinks,
          layers,
          done,
        },
        [fitted.buffer, pieces.buffer, kinks.buffer],
      );
    };
    await report(false);
    await s.run({
      finished: () => step >= c.steps,
      // No read here: the reports (every 100 ms) read the loss.
      step: () => {
        opt.zeroGrad();
        const l = mse(net, x, y);
        l.backward();
        opt.step();
        step++;
        loss = l;
      },
      afterSlice: async () => {
        if (performance.now() - last > 100) {
          await report(false);
          last = performance.now();
        }
      },
      onFinish: async () => {
        if (loss && Number.isFinite(await loss.itemAsync())) await report(true);
      },
    });
  }

  async function race(c: RaceConfig, s: Session, out: Poster<ApproxTask>): Promise<void> {
    const xs = gridX(RACE_POINTS, 0, 1),
      target = xs.map((v) => sawtooth(v, c.layers));
    const x = tensor(xs, { shape: [RACE_POINTS, 1] }),
      y = tensor(target, { shape: [RACE_POINTS, 1] });
    const hand = handBuiltSawtooth(c.layers);
    manualSeed(c.seed);
    const deep = mlp1d(Array<number>(c.layers).fill(2), true),
      wide = mlp1d([wideUnitsForBudget(c.layers)], true);
    deepNet = deep;
    wideNet = wide;
    const opts = [deep, wide].map((m) => new optim.Adam(m.parameters(), { lr: c.lr }));
    let step = 0,
      last = 0;
    const [handOut, [handLoss]] = await readAll(noGrad(() => [hand(x), mse(hand, x, y)]));
    const params = { deep: parameterCount(deep), wide: parameterCount(wide) };
    if (params.deep !== deepNarrowParams(c.layers)) throw new Error("the deep network's parameter count is not 6L + 1");
    // Both networks' losses and outputs, read in one wait.
    const report = async (done: boolean) => {
      const [dl, wl, dOut, wOut] = await readAll(noGrad(() => [mse(deep, x, y), mse(wide, x, y), deep(x), wide(x)]));
      out({
        type: "race",
        step,
        done,
        handLoss,
        hand: Float32Array.from(handOut),
        target,
        params,
        deepLoss: dl[0],
        wideLoss: wl[0],
        deep: Float32Array.from(dOut),
        wide: Float32Array.from(wOut),
      });
    };
    await report(false);
    await s.run({
      finished: () => step >= c.steps,
      step: () => {
        [deep, wide].forEach((m, k) => {
          opts[k].zeroGrad();
          mse(m, x, y).backward();
          opts[k].step();
        });
        step++;
      },
      afterSlice: async () => {
        if (performance.now() - last > 150) {
          await report(false);
          last = performance.now();
        }
      },
      onFinish: () => report(true),
    });
  }

  return {
    command(cmd) {
      switch (cmd.type) {
        case "fit":
          fitSession?.stop();
          fitSession = new Session(true);
          return fit(cmd.config, fitSession, post);
        case "race":
          raceSession?.stop();
          raceSession = new Session(true);
          return race(cmd.config, raceSession, post);
        case "stop":
          fitSession?.stop();
          raceSession?.stop();
          return;
      }
    },
    requests: {
      stateDict: ({ which }) => {
        const net = which === "fit" ? fitNet : which === "deep" ? deepNet : wideNet;
        return net ? readStateDict(net.stateDict()) : null;
      },
    },
  };
});
