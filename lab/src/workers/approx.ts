/// <reference lib="webworker" />
/**
 * Worker for the universal-approximation page: one hidden layer of N ReLU units fitted to a 1-D
 * target (reporting each unit's piece), and the wide-versus-deep race on the sawtooth.
 */
import { F, manualSeed, nn, noGrad, optim, tensor, type Tensor } from "gradlab";
import { initLinear_ } from "gradlab/nn/mlp.ts";
import { plainStateDict } from "../lib/model_io.ts";
import { deepNarrowParams, gridX, sawtooth, wideUnitsForBudget } from "../lib/targets.ts";
import type { ApproxTask, FitConfig, RaceConfig } from "../protocol/approx.ts";
import { linearWeights, parameterCount } from "./common.ts";
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
        if (k === 0) {
          l.weight.dataSync().set([1, 1]);
          l.bias!.dataSync().set([0, -0.5]);
        }
        // Later layers read t = 2·h₁ − 4·h₂ of the layer before and bend it at 0 and ½ again.
        else if (k < layers) {
          l.weight.dataSync().set([2, -4, 2, -4]);
          l.bias!.dataSync().set([0, -0.5]);
        } else {
          l.weight.dataSync().set([2, -4]);
          l.bias!.dataSync().set([0]);
        }
      });
  });
  return net;
}

const mse = (net: nn.Module, x: Tensor, y: Tensor) => F.mseLoss(net(x), y);
const outputOf = (net: nn.Module, x: Tensor) => Float32Array.from(noGrad(() => net(x)).dataSync());

serve<ApproxTask>((post) => {
  let fitNet: nn.Sequential | null = null,
    deepNet: nn.Sequential | null = null,
    wideNet: nn.Sequential | null = null;
  let fitSession: Session | null = null,
    raceSession: Session | null = null;

  async function fit(c: FitConfig, s: Session, out: Poster<ApproxTask>): Promise<void> {
    manualSeed(c.seed);
    const net = mlp1d([c.units], false);
    fitNet = net;
    const n = c.target.length,
      xs = gridX(n);
    const x = tensor(xs, { shape: [n, 1] }),
      y = tensor(c.target, { shape: [n, 1] });
    const opt = new optim.Adam(net.parameters(), { lr: c.lr });
    let step = 0,
      loss = NaN,
      last = 0;
    const report = (done: boolean) => {
      const [l1, l2] = [net[0] as nn.Linear, net[2] as nn.Linear];
      const w = l1.weight.dataSync(),
        b = l1.bias!.dataSync(),
        v = l2.weight.dataSync();
      const pieces = new Float32Array(c.units * n),
        kinks = new Float32Array(c.units);
      for (let i = 0; i < c.units; i++) {
        kinks[i] = w[i] === 0 ? NaN : -b[i] / w[i];
        for (let j = 0; j < n; j++) pieces[i * n + j] = v[i] * Math.max(0, w[i] * xs[j] + b[i]);
      }
      const fitted = outputOf(net, x);
      out(
        {
          type: "fit",
          step,
          loss: noGrad(() => mse(net, x, y).item()),
          fit: fitted,
          pieces,
          bias: l2.bias!.dataSync()[0],
          kinks,
          layers: linearWeights(net),
          done,
        },
        [fitted.buffer, pieces.buffer, kinks.buffer],
      );
    };
    report(false);
    await s.run({
      finished: () => step >= c.steps,
      step: () => {
        opt.zeroGrad();
        const l = mse(net, x, y);
        l.backward();
        opt.step();
        step++;
        loss = l.item();
      },
      afterSlice: () => {
        if (performance.now() - last > 100) {
          report(false);
          last = performance.now();
        }
      },
      onFinish: () => {
        if (Number.isFinite(loss)) report(true);
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
    const handOut = outputOf(hand, x),
      handLoss = noGrad(() => mse(hand, x, y).item());
    const params = { deep: parameterCount(deep), wide: parameterCount(wide) };
    if (params.deep !== deepNarrowParams(c.layers)) throw new Error("the deep network's parameter count is not 6L + 1");
    const report = (done: boolean) =>
      out({
        type: "race",
        step,
        done,
        handLoss,
        hand: handOut,
        target,
        params,
        deepLoss: noGrad(() => mse(deep, x, y).item()),
        wideLoss: noGrad(() => mse(wide, x, y).item()),
        deep: outputOf(deep, x),
        wide: outputOf(wide, x),
      });
    report(false);
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
      afterSlice: () => {
        if (performance.now() - last > 150) {
          report(false);
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
        return net ? plainStateDict(net.stateDict()) : null;
      },
    },
  };
});
