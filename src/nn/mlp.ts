/**
 * The multilayer perceptron that `gradlab train` trains and the lab draws, built in one place so
 * both name their options alike (PyTorch's names: "kaiming", "silu", "leaky_relu").
 */
import { noGrad } from "../autograd/grad_mode.js";
import { Sequential } from "./container.js";
import { BatchNorm1d } from "./batchnorm.js";
import * as init from "./init.js";
import { Dropout, GELU, LeakyReLU, ReLU, Sigmoid, SiLU, Tanh } from "./layers.js";
import { Linear } from "./linear.js";
import type { Module } from "./module.js";

/** Activations an MLP can use, by `torch.nn.init`'s nonlinearity names. */
export const MLP_ACTIVATIONS = ["relu", "sigmoid", "tanh", "gelu", "silu", "leaky_relu"] as const;
export type MlpActivation = (typeof MLP_ACTIVATIONS)[number];
/** "default" keeps PyTorch's own Linear init; the others re-draw every Linear weight and zero its bias. */
export const MLP_INITS = ["default", "kaiming", "xavier"] as const;
export type MlpInit = (typeof MLP_INITS)[number];

/** LeakyReLU's slope for negative inputs (PyTorch's default). */
export const LEAKY_SLOPE = 0.01;

export interface MlpOptions {
  inputs: number;
  /** Widths of the hidden layers; empty for a linear classifier. */
  hidden: readonly number[];
  outputs: number;
  activation?: MlpActivation;
  /** Dropout after each hidden activation when > 0. */
  dropout?: number;
  /** BatchNorm1d between each hidden Linear and its activation. */
  batchnorm?: boolean;
  init?: MlpInit;
}

/** A fresh module for an activation name. */
export function activationModule(name: MlpActivation): Module {
  switch (name) {
    case "relu":
      return new ReLU();
    case "sigmoid":
      return new Sigmoid();
    case "tanh":
      return new Tanh();
    case "gelu":
      return new GELU();
    case "silu":
      return new SiLU();
    case "leaky_relu":
      return new LeakyReLU(LEAKY_SLOPE);
  }
}

/** Re-draws a Linear layer's weight for `scheme` (gain chosen for `activation`) and zeroes its bias. */
export function initLinear_(layer: Linear, scheme: MlpInit, activation: MlpActivation = "relu"): void {
  if (scheme === "default") return;
  noGrad(() => {
    if (scheme === "kaiming") init.kaimingNormal_(layer.weight, { nonlinearity: activation, a: LEAKY_SLOPE });
    else init.xavierUniform_(layer.weight, { gain: init.calculateGain(activation, LEAKY_SLOPE) });
    if (layer.bias) init.zeros_(layer.bias);
  });
}

/**
 * Linear → [BatchNorm1d] → activation → [Dropout] per hidden layer, then a Linear head, as one flat
 * `nn.Sequential` so state-dict keys are PyTorch's (`0.weight`, `0.bias`, `2.weight`, ...).
 * Draws every layer's default weights first and then re-initialises them in order, from the
 * global generator: seed it first.
 */
export function buildMlp(o: MlpOptions): Sequential {
  const activation = o.activation ?? "relu";
  const mods: Module[] = [];
  let width = o.inputs;
  for (const h of o.hidden) {
    mods.push(new Linear(width, h));
    if (o.batchnorm) mods.push(new BatchNorm1d(h));
    mods.push(activationModule(activation));
    if ((o.dropout ?? 0) > 0) mods.push(new Dropout(o.dropout));
    width = h;
  }
  mods.push(new Linear(width, o.outputs));
  const model = new Sequential(...mods);
  for (const m of mods) if (m instanceof Linear) initLinear_(m, o.init ?? "default", activation);
  return model;
}
