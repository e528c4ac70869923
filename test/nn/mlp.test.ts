/** The shared MLP builder (src/nn/mlp.ts): the CLI's model and the lab's are the same modules and weights. */
import { describe, expect, it } from "vitest";
import { manualSeed, nn } from "../../src/index.js";
import { buildModel } from "../../src/cli/model.js";
import { buildMlp, MLP_ACTIVATIONS, MLP_INITS } from "../../src/nn/mlp.js";

const names = (m: nn.Sequential) => [...m.children()].map((c) => c.constructor.name);

describe("buildMlp", () => {
  it("lays out Linear, BatchNorm1d, activation, Dropout per hidden layer with PyTorch's keys", () => {
    const m = buildMlp({
      inputs: 4,
      hidden: [8, 6],
      outputs: 3,
      activation: "leaky_relu",
      dropout: 0.2,
      batchnorm: true,
    });
    expect(names(m)).toEqual([
      "Linear",
      "BatchNorm1d",
      "LeakyReLU",
      "Dropout",
      "Linear",
      "BatchNorm1d",
      "LeakyReLU",
      "Dropout",
      "Linear",
    ]);
    expect(Object.keys(m.stateDict())).toContain("8.weight");
    expect(names(buildMlp({ inputs: 4, hidden: [], outputs: 3 }))).toEqual(["Linear"]);
  });

  it("is the CLI's model, drawn in the CLI's order: all default weights first, then each Linear re-drawn", () => {
    for (const init of MLP_INITS) {
      for (const activation of ["relu", "silu", "tanh"] as const) {
        manualSeed(7);
        const cli = buildModel(
          { inputSize: 5, numClasses: 2, hidden: [7], activation, dropout: 0, batchnorm: false },
          init,
        );
        manualSeed(7);
        const byHand = [new nn.Linear(5, 7), new nn.Linear(7, 2)];
        for (const l of byHand) {
          if (init === "kaiming") nn.init.kaimingNormal_(l.weight, { nonlinearity: activation });
          if (init === "xavier") nn.init.xavierUniform_(l.weight, { gain: nn.init.calculateGain(activation) });
          if (init !== "default") nn.init.zeros_(l.bias!);
        }
        expect(names(cli)).toEqual([
          "Linear",
          activation === "relu" ? "ReLU" : activation === "silu" ? "SiLU" : "Tanh",
          "Linear",
        ]);
        const got = cli.stateDict();
        byHand.forEach((l, i) => {
          expect(Array.from(got[`${2 * i}.weight`].dataSync()), `${init}/${activation}/${i}`).toEqual(
            Array.from(l.weight.dataSync()),
          );
          expect(Array.from(got[`${2 * i}.bias`].dataSync())).toEqual(Array.from(l.bias!.dataSync()));
        });
      }
    }
  });

  it("kaiming draws N(0, gain²/fan_in) weights and zero biases; xavier stays within its bound", () => {
    manualSeed(1);
    const m = buildMlp({ inputs: 400, hidden: [300], outputs: 2, activation: "relu", init: "kaiming" });
    const w = (m[0] as nn.Linear).weight.dataSync();
    const variance = Array.from(w).reduce((s, v) => s + v * v, 0) / w.length;
    expect(variance).toBeCloseTo(2 / 400, 3);
    expect(Array.from((m[0] as nn.Linear).bias!.dataSync()).every((v) => v === 0)).toBe(true);
    const x = buildMlp({ inputs: 400, hidden: [300], outputs: 2, activation: "tanh", init: "xavier" });
    const bound = (5 / 3) * Math.sqrt(6 / 700);
    expect(Math.max(...Array.from((x[0] as nn.Linear).weight.dataSync(), Math.abs))).toBeLessThanOrEqual(bound);
    expect(MLP_ACTIVATIONS).toContain("silu");
  });
});
