/**
 * A torchinfo-style model summary: each leaf layer's output shape and parameter count, from one
 * forward pass on a zero input (no graph is built).
 */
import { noGrad } from "../autograd/grad_mode.js";
import { zeros } from "../ops/creation.js";
import { fmt } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";

export interface SummaryRow {
  name: string;
  type: string;
  outputShape: number[];
  params: number;
}
export interface Summary {
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
  toString(): string;
}

/** Runs `model` on zeros of `inputShape` (e.g. [1, 784]) and tabulates its layers. */
export function summary(model: Module, inputShape: readonly number[]): Summary {
  const rows: SummaryRow[] = [];
  const patched: Module[] = [];
  for (const [name, m] of model.namedModules()) {
    if ([...m.namedChildren()].length > 0) continue;
    const original = m.forward;
    patched.push(m);
    m.forward = function (this: Module, ...args: unknown[]): unknown {
      const out = original.apply(this, args as []);
      // Modules with several outputs (MultiheadAttention's [output, weights], nn.LSTM's { output, hN, cN })
      // are listed by their first tensor.
      const first =
        out instanceof Tensor ? out : Object.values(out as object).find((v): v is Tensor => v instanceof Tensor);
      const params = [...m.namedParameters()].reduce((n, [, p]) => n + p.numel(), 0);
      rows.push({ name, type: m.constructor.name, outputShape: first ? [...first.shape] : [], params });
      return out;
    };
  }
  const wasTraining = model.training;
  try {
    model.eval();
    noGrad(() => model(zeros(inputShape)));
  } finally {
    for (const m of patched) delete (m as Partial<Module>).forward;
    model.train(wasTraining);
  }
  const all = model.parameters();
  const totalParams = all.reduce((n, p) => n + p.numel(), 0);
  const trainableParams = all.filter((p) => p.requiresGrad).reduce((n, p) => n + p.numel(), 0);
  return {
    rows,
    totalParams,
    trainableParams,
    // console.log(nn.summary(...)) prints the table, like torchinfo.
    [Symbol.for("nodejs.util.inspect.custom")]() {
      return this.toString();
    },
    toString() {
      const head = ["Layer (type)", "Output Shape", "Param #"];
      const body = rows.map((r) => [
        `${r.name || "(root)"} (${r.type})`,
        fmt(r.outputShape),
        r.params.toLocaleString("en-US"),
      ]);
      const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
      const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("   ");
      const rule = "=".repeat(line(head).length);
      return [
        rule,
        line(head),
        rule,
        ...body.map(line),
        rule,
        `Total params: ${totalParams.toLocaleString("en-US")}`,
        `Trainable params: ${trainableParams.toLocaleString("en-US")}`,
        `Non-trainable params: ${(totalParams - trainableParams).toLocaleString("en-US")}`,
        rule,
      ].join("\n");
    },
  };
}
