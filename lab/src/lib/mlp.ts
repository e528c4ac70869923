/** The MLPs the demos train: built as one flat nn.Sequential so state-dict keys match PyTorch's. */
import { nn, noGrad, type Tensor } from "gradlab";

export const ACTIVATIONS = ["relu", "tanh", "sigmoid", "gelu", "leakyrelu"] as const;
export type Activation = (typeof ACTIVATIONS)[number];
export const INITS = ["default", "xavier", "he", "tiny", "huge"] as const;
export type Init = (typeof INITS)[number];

export interface MlpConfig {
  inputs: number;
  hidden: number[];
  outputs: number;
  activation: Activation;
  init: Init;
  dropout: number;
  batchnorm: boolean;
}

export function activationModule(a: Activation): nn.Module {
  switch (a) {
    case "relu": return new nn.ReLU();
    case "tanh": return new nn.Tanh();
    case "sigmoid": return new nn.Sigmoid();
    case "gelu": return new nn.GELU();
    case "leakyrelu": return new nn.LeakyReLU(0.01);
  }
}
const PY_ACT: Record<Activation, string> = { relu: "nn.ReLU()", tanh: "nn.Tanh()", sigmoid: "nn.Sigmoid()", gelu: "nn.GELU()", leakyrelu: "nn.LeakyReLU(0.01)" };

/** Applies an init scheme to a Linear layer (bias zeroed except for "default"). */
export function initLinear(l: nn.Linear, init: Init, act: Activation): void {
  if (init === "default") return;
  noGrad(() => {
    if (init === "xavier") nn.init.xavierUniform_(l.weight, { gain: act === "tanh" ? 5 / 3 : 1 });
    else if (init === "he") nn.init.kaimingNormal_(l.weight, { nonlinearity: act === "leakyrelu" ? "leaky_relu" : "relu" });
    else if (init === "tiny") nn.init.normal_(l.weight, 0, 0.01);
    else if (init === "huge") nn.init.normal_(l.weight, 0, 2);
    if (l.bias) nn.init.zeros_(l.bias);
  });
}

/** Linear → [BatchNorm1d] → act → [Dropout] per hidden layer, then a Linear head. */
export function buildMlp(c: MlpConfig): nn.Sequential {
  const layers: nn.Module[] = [];
  let d = c.inputs;
  for (const w of c.hidden) {
    const l = new nn.Linear(d, w);
    initLinear(l, c.init, c.activation);
    layers.push(l);
    if (c.batchnorm) layers.push(new nn.BatchNorm1d(w));
    layers.push(activationModule(c.activation));
    if (c.dropout > 0) layers.push(new nn.Dropout(c.dropout));
    d = w;
  }
  const head = new nn.Linear(d, c.outputs);
  initLinear(head, c.init === "he" ? "xavier" : c.init, c.activation);
  layers.push(head);
  return new nn.Sequential(...layers);
}

/** Index in the Sequential of the last hidden layer's output (after its activation). */
export function lastHiddenIndex(c: MlpConfig): number {
  const per = 2 + (c.batchnorm ? 1 : 0) + (c.dropout > 0 ? 1 : 0);
  return c.hidden.length * per - 1 - (c.dropout > 0 ? 1 : 0);
}

/** Runs the Sequential up to and including module `upto`. */
export function forwardUpTo(model: nn.Sequential, x: Tensor, upto: number): Tensor {
  let i = 0;
  for (const m of model) { x = m(x); if (i++ === upto) break; }
  return x;
}

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
  const opt = extra.optimizer === "sgd" ? `torch.optim.SGD(model.parameters(), lr=${extra.lr}, momentum=0.9)`
    : extra.optimizer === "adam" ? `torch.optim.Adam(model.parameters(), lr=${extra.lr})` : null;
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
    ...(opt ? ["", "# to keep training it as the lab did:", `optimizer = ${opt}`, "loss_fn = nn.CrossEntropyLoss()  # takes raw logits"] : []),
    "",
  ].join("\n");
}
