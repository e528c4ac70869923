/**
 * The MLPs the lab trains: gradlab's own builder (src/nn/mlp.ts, the one `gradlab train` uses,
 * with the same option names), plus two deliberately bad inits the gradient pages need, and the
 * equivalent PyTorch code.
 */
import { nn, noGrad, type Tensor } from "gradlab";
import { buildMlp, LEAKY_SLOPE, MLP_ACTIVATIONS, MLP_INITS, type MlpActivation, type MlpInit } from "gradlab/nn/mlp.ts";

export const ACTIVATIONS = MLP_ACTIVATIONS;
export type Activation = MlpActivation;
/** The library's inits, then two the lab adds to show what a badly scaled start does. */
export const INITS = [...MLP_INITS, "tiny", "huge"] as const;
export type Init = (typeof INITS)[number];
export const INIT_LABELS: Record<Init, string> = {
  default: "default (PyTorch)",
  kaiming: "Kaiming / He",
  xavier: "Xavier / Glorot",
  tiny: "tiny N(0, 0.01²)",
  huge: "huge N(0, 2²)",
};
/** Names the lab used before it shared the library's builder; old links still work. */
export const OLD_INIT_NAMES: Record<string, Init> = { he: "kaiming" };
export const OLD_ACTIVATION_NAMES: Record<string, Activation> = { leakyrelu: "leaky_relu" };

export interface MlpConfig {
  inputs: number;
  hidden: number[];
  outputs: number;
  activation: Activation;
  init: Init;
  dropout: number;
  batchnorm: boolean;
}

const isLibraryInit = (i: Init): i is MlpInit => (MLP_INITS as readonly string[]).includes(i);

/** Re-draws a Linear layer with one of the lab's bad scales. */
function badInit(l: nn.Linear, init: "tiny" | "huge"): void {
  noGrad(() => {
    nn.init.normal_(l.weight, 0, init === "tiny" ? 0.01 : 2);
    if (l.bias) nn.init.zeros_(l.bias);
  });
}

/** Applies `init` to one Linear layer (for hand-built networks such as the deep residual stacks). */
export function initLayer(l: nn.Linear, init: Init, activation: Activation): void {
  if (init === "tiny" || init === "huge") badInit(l, init);
  else if (init !== "default") {
    noGrad(() => {
      if (init === "kaiming") nn.init.kaimingNormal_(l.weight, { nonlinearity: activation, a: LEAKY_SLOPE });
      else nn.init.xavierUniform_(l.weight, { gain: nn.init.calculateGain(activation, LEAKY_SLOPE) });
      if (l.bias) nn.init.zeros_(l.bias);
    });
  }
}

export function buildLabMlp(c: MlpConfig): nn.Sequential {
  const model = buildMlp({ ...c, init: isLibraryInit(c.init) ? c.init : "default" });
  if (c.init === "tiny" || c.init === "huge")
    for (const m of model.children()) if (m instanceof nn.Linear) badInit(m, c.init);
  return model;
}

/** Index in the Sequential of each hidden layer's pre-activation (Linear, or BatchNorm after it). */
export function preActivationIndices(c: MlpConfig): number[] {
  const per = 2 + (c.batchnorm ? 1 : 0) + (c.dropout > 0 ? 1 : 0);
  return c.hidden.map((_, i) => i * per + (c.batchnorm ? 1 : 0));
}

/** Index of the last hidden layer's output (after its activation). */
export function lastHiddenIndex(c: MlpConfig): number {
  const pre = preActivationIndices(c);
  return pre[pre.length - 1] + 1;
}

/** Runs the Sequential and returns the output of every module (index i = after module i). */
export function forwardAll(model: nn.Sequential, x: Tensor): Tensor[] {
  const outs: Tensor[] = [];
  for (const m of model) {
    x = m(x);
    outs.push(x);
  }
  return outs;
}

const PY_ACT: Record<Activation, string> = {
  relu: "nn.ReLU()",
  tanh: "nn.Tanh()",
  sigmoid: "nn.Sigmoid()",
  gelu: "nn.GELU()",
  silu: "nn.SiLU()",
  leaky_relu: "nn.LeakyReLU(0.01)",
};

export function mlpPytorch(c: MlpConfig, file: string, extra: { optimizer?: string; lr?: number } = {}): string {
  const lines: string[] = [];
  let d = c.inputs;
  for (const w of c.hidden) {
    lines.push(`    nn.Linear(${d}, ${w}),`);
    if (c.batchnorm) lines.push(`    nn.BatchNorm1d(${w}),`);
    lines.push(`    ${PY_ACT[c.activation]},`);
    if (c.dropout > 0) lines.push(`    nn.Dropout(${c.dropout}),`);
    d = w;
  }
  lines.push(`    nn.Linear(${d}, ${c.outputs}),`);
  const opt =
    extra.optimizer === "sgd"
      ? `torch.optim.SGD(model.parameters(), lr=${extra.lr}, momentum=0.9)`
      : extra.optimizer === "adam"
        ? `torch.optim.Adam(model.parameters(), lr=${extra.lr})`
        : null;
  return [
    "import torch",
    "from torch import nn",
    "from safetensors.torch import load_file",
    "",
    "model = nn.Sequential(",
    ...lines,
    ")",
    `model.load_state_dict(load_file("${file}"))`,
    "model.eval()  # Dropout off, BatchNorm uses running statistics",
    ...(opt
      ? [
          "",
          "# to keep training it as the lab did:",
          `optimizer = ${opt}`,
          "loss_fn = nn.CrossEntropyLoss()  # takes raw logits",
        ]
      : []),
    "",
  ].join("\n");
}
