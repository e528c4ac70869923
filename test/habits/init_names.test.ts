/** nn.init takes PyTorch's nonlinearity names in any case or camelCase, and refuses anything else by listing them. */
import { describe, expect, it } from "vitest";
import { manualSeed, nn, zeros } from "../../src/index.js";

const VALID = new RegExp(
  "valid: linear, identity, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, " +
    "conv_transpose3d, sigmoid, tanh, relu, leaky_relu, selu, gelu, silu",
);

describe("nn.init nonlinearity names", () => {
  it("calculateGain accepts PyTorch's spellings in any case and camelCase aliases", () => {
    for (const name of ["relu", "ReLU", "RELU"]) expect(nn.init.calculateGain(name)).toBe(Math.SQRT2);
    for (const name of ["leaky_relu", "leakyRelu", "LeakyReLU", "Leaky_ReLU"]) {
      expect(nn.init.calculateGain(name, 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 12);
    }
    expect(nn.init.calculateGain("Tanh")).toBe(5 / 3);
    expect(nn.init.calculateGain("SELU")).toBe(3 / 4);
    for (const name of ["linear", "Conv2d", "conv_transpose3d", "convTranspose1d", "sigmoid"]) {
      expect(nn.init.calculateGain(name)).toBe(1);
    }
  });

  it("calculateGain throws with the list of valid names for anything else", () => {
    expect(() => nn.init.calculateGain("relu6")).toThrow(VALID);
    expect(() => nn.init.calculateGain("relu6")).toThrow(/calculateGain: unknown nonlinearity "relu6"/);
    expect(() => nn.init.calculateGain(undefined as never)).toThrow(/unknown nonlinearity undefined/);
    expect(() => nn.init.calculateGain("leaky_relu", "0.2" as never)).toThrow(/negative slope .* not a valid number/);
  });

  it('kaiming fills with the same values for "ReLU" as for "relu" (it used to fill NaN)', () => {
    const fill = (nonlinearity: string, normal: boolean) => {
      manualSeed(3);
      const w = zeros([64, 32]);
      if (normal) nn.init.kaimingNormal_(w, { nonlinearity });
      else nn.init.kaimingUniform_(w, { nonlinearity, mode: "fan_out" });
      return Array.from(w.dataSync());
    };
    for (const normal of [true, false]) {
      const ref = fill("relu", normal);
      expect(ref.every(Number.isFinite)).toBe(true);
      expect(ref.some((v) => v !== 0)).toBe(true);
      expect(fill("ReLU", normal)).toEqual(ref);
    }
    const leaky = (nonlinearity: string) => {
      manualSeed(1);
      return Array.from(nn.init.kaimingNormal_(zeros([8, 8]), { nonlinearity, a: 0.1 }).dataSync());
    };
    expect(leaky("leakyRelu")).toEqual(leaky("leaky_relu"));
  });

  it("every kaiming and xavier function refuses an unknown name, mode or option", () => {
    const w = zeros([4, 4]);
    const { kaimingNormal_, kaimingUniform_, xavierNormal_, xavierUniform_, normal_ } = nn.init;
    expect(() => kaimingNormal_(w, { nonlinearity: "swish" })).toThrow(/kaimingNormal_: unknown nonlinearity "swish"/);
    expect(() => kaimingUniform_(w, { nonlinearity: "swish" })).toThrow(/kaimingUniform_: unknown nonlinearity/);
    expect(() => kaimingUniform_(w, { nonlinearity: "swish" })).toThrow(VALID);
    expect(() => kaimingNormal_(w, { mode: "fan_avg" as never })).toThrow(
      /mode a string \("fan_avg"\) is not supported — use "fan_in" or "fan_out"/,
    );
    expect(() => kaimingNormal_(w, { non_linearity: "relu" } as never)).toThrow(/unknown option "non_linearity"/);
    expect(() => kaimingNormal_(w, "relu" as never)).toThrow(/expected an options object, got a string \("relu"\)/);
    expect(() => xavierUniform_(w, 2 as never)).toThrow(/xavierUniform_: expected an options object, got a number/);
    expect(() => xavierNormal_(w, { nonlinearity: "tanh" } as never)).toThrow(
      /xavierNormal_: unknown option "nonlinearity" \(valid: gain, generator\)/,
    );
    expect(() => normal_(w, { std: 0.02 } as never)).toThrow(/normal_: mean must be a number, got a plain object/);
  });
});
