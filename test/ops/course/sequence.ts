/** Course cases of the sequence building blocks: embedding, sequence cross-entropy, RNN/LSTM/GRU and their cells. */
import { F, nn, type Tensor } from "../../../src/index.js";
import type { FixtureTensor } from "../../helpers.js";
import { type CourseCase, type CourseRunner, expectNear, fromFixture, runOp } from "./harness.js";

type Outputs = Record<string, Tensor>;

/**
 * A module case: build the module from PyTorch's keyword args, load the fixture's state_dict
 * (strict: the keys must be exactly PyTorch's), run it, compare every output, then backpropagate
 * Σ sum(output · upstream[output]) and compare the gradients of the inputs and of every parameter.
 */
function runModule(
  c: CourseCase,
  build: (a: Record<string, unknown>) => nn.AnyModule,
  call: (m: nn.AnyModule, inputs: Record<string, Tensor>) => Outputs,
): void {
  const m = build(c.args ?? {});
  const sd = c.state_dict as Record<string, FixtureTensor>;
  m.loadStateDict(Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, fromFixture(t)])), { strict: true });
  const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, t]) => [k, fromFixture(t, !!c.grads?.[k])]));
  const outs = call(m, inputs);
  const expected = c.outputs as Record<string, FixtureTensor>;
  for (const [k, t] of Object.entries(expected)) expectNear(outs[k], t, `${c.name} output ${k}`);
  const upstream = c.upstream as Record<string, FixtureTensor>;
  let loss: Tensor | null = null;
  for (const [k, u] of Object.entries(upstream)) {
    const term = outs[k].mul(fromFixture(u)).sum();
    loss = loss ? loss.add(term) : term;
  }
  loss!.backward();
  const params = Object.fromEntries(m.namedParameters());
  for (const [k, g] of Object.entries(c.grads ?? {})) {
    expectNear((inputs[k] ?? params[k])?.grad, g, `${c.name} grad ${k}`, 1e-4);
  }
}

/** PyTorch's RNN keyword args, camelCased. */
function rnnOptions(a: Record<string, unknown>): nn.RNNOptions {
  return {
    numLayers: a.num_layers as number | undefined,
    bias: a.bias as boolean | undefined,
    batchFirst: a.batch_first as boolean | undefined,
    dropout: a.dropout as number | undefined,
    bidirectional: a.bidirectional as boolean | undefined,
    nonlinearity: a.nonlinearity as "tanh" | "relu" | undefined,
  };
}

export const sequenceRunners: Record<string, CourseRunner> = {
  embedding: (c) =>
    runOp(c, ({ input, weight }, { padding_idx }) =>
      F.embedding(input, weight, { paddingIdx: padding_idx as number | undefined }),
    ),
  cross_entropy: (c) =>
    runOp(c, ({ input, target }, { ignore_index }) => {
      const opts = { ignoreIndex: ignore_index as number | undefined };
      // (N, C, L) logits are the fixture's "sequence" case; (N, L, C) logits the language-model form, flattened.
      if (c.name.endsWith("flat_tokens")) return F.crossEntropy(input.view(-1, input.shape[2]), target.view(-1), opts);
      return F.crossEntropy(input, target, opts);
    }),
  RNN: (c) =>
    runModule(
      c,
      (a) => new nn.RNN(a.input_size as number, a.hidden_size as number, rnnOptions(a)),
      (m, { input }) => {
        const { output, hN } = (m as nn.RNN)(input);
        return { output, h_n: hN };
      },
    ),
  LSTM: (c) =>
    runModule(
      c,
      (a) => new nn.LSTM(a.input_size as number, a.hidden_size as number, rnnOptions(a)),
      (m, { input }) => {
        const { output, hN, cN } = (m as nn.LSTM)(input);
        return { output, h_n: hN, c_n: cN };
      },
    ),
  GRU: (c) =>
    runModule(
      c,
      (a) => new nn.GRU(a.input_size as number, a.hidden_size as number, rnnOptions(a)),
      (m, { input }) => {
        const { output, hN } = (m as nn.GRU)(input);
        return { output, h_n: hN };
      },
    ),
  RNNCell: (c) =>
    runModule(
      c,
      (a) => new nn.RNNCell(a.input_size as number, a.hidden_size as number),
      (m, { input, h_0 }) => ({ h_1: (m as nn.RNNCell)(input, h_0) }),
    ),
  GRUCell: (c) =>
    runModule(
      c,
      (a) => new nn.GRUCell(a.input_size as number, a.hidden_size as number),
      (m, { input, h_0 }) => ({ h_1: (m as nn.GRUCell)(input, h_0) }),
    ),
  LSTMCell: (c) =>
    runModule(
      c,
      (a) => new nn.LSTMCell(a.input_size as number, a.hidden_size as number),
      (m, { input, h_0, c_0 }) => {
        const [h1, c1] = (m as nn.LSTMCell)(input, [h_0, c_0]);
        return { h_1: h1, c_1: c1 };
      },
    ),
};
