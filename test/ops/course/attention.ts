/** Course cases of attention: scaled_dot_product_attention and nn.MultiheadAttention. */
import { expect } from "vitest";
import { arange, F, nn, ones, type Tensor, triu } from "../../../src/index.js";
import type { FixtureTensor } from "../../helpers.js";
import { type CourseCase, type CourseRunner, expectNear, fromFixture, runOp } from "./harness.js";

/**
 * A module case: load the state_dict, run `call` on the inputs, compare every output and, after
 * backward of sum(out · upstream[out]), every input and parameter gradient.
 */
export function runModuleCase(
  c: CourseCase,
  module: nn.Module<unknown>,
  call: (inputs: Record<string, Tensor>) => Record<string, Tensor>,
): void {
  module.loadStateDict(
    Object.fromEntries(
      Object.entries(c.state_dict as Record<string, FixtureTensor>).map(([k, t]) => [k, fromFixture(t)]),
    ),
  );
  const inputs = Object.fromEntries(
    Object.entries(c.inputs).map(([k, t]) => [k, fromFixture(t, t.dtype === "float32" && !!c.grads?.[k])]),
  );
  const outs = call(inputs);
  const expected = c.outputs as Record<string, FixtureTensor>;
  const upstream = c.upstream as Record<string, FixtureTensor>;
  let loss: Tensor | null = null;
  for (const [k, want] of Object.entries(expected)) {
    expectNear(outs[k], want, `${c.name} ${k}`);
    const term = outs[k].mul(fromFixture(upstream[k])).sum();
    loss = loss ? loss.add(term) : term;
  }
  loss!.backward();
  const params = module.stateDict();
  for (const [k, g] of Object.entries(c.grads ?? {})) {
    const t = k in inputs ? inputs[k] : [...module.namedParameters()].find(([n]) => n === k)?.[1];
    expectNear(t?.grad, g, `${c.name} grad ${k}`, 1e-4);
    if (!(k in inputs)) expect(params[k], k).toBeDefined();
  }
}

export const attentionRunners: Record<string, CourseRunner> = {
  scaled_dot_product_attention: (c) =>
    runOp(c, ({ query, key, value }, { is_causal }) =>
      F.scaledDotProductAttention(query, key, value, { isCausal: is_causal as boolean | undefined }),
    ),
  TransformerEncoderLayer: (c) => {
    const a = c.args as {
      d_model: number;
      nhead: number;
      dim_feedforward: number;
      dropout: number;
      batch_first: boolean;
      norm_first: boolean;
      activation: "gelu" | "relu";
    };
    const layer = new nn.TransformerEncoderLayer(a.d_model, a.nhead, {
      dimFeedforward: a.dim_feedforward,
      dropout: a.dropout,
      batchFirst: a.batch_first,
      normFirst: a.norm_first,
      activation: a.activation,
    });
    runModuleCase(c, layer, ({ src }) => {
      // The note: src_mask = triu(ones(L, L, bool), diagonal=1), is_causal=True — one GPT block.
      const L = src.shape[1];
      return { output: layer(src, { srcMask: triu(ones([L, L]), 1).int(), isCausal: true }) };
    });
  },
  MultiheadAttention: (c) => {
    const a = c.args as { embed_dim: number; num_heads: number; batch_first: boolean };
    const mha = new nn.MultiheadAttention(a.embed_dim, a.num_heads, { batchFirst: a.batch_first });
    runModuleCase(c, mha, ({ query, key, value }): Record<string, Tensor> => {
      if (!key) {
        // The fixture's note: self-attention, attn_mask = triu(ones(L, L, bool), diagonal=1) (True = masked), need_weights=False.
        const L = query.shape[1];
        const upper = arange(L).unsqueeze(0).gt(arange(L).unsqueeze(1)).int(); // triu(ones(L, L), 1) as int32
        const [output] = mha(query, query, query, { attnMask: upper, needWeights: false });
        return { output };
      }
      const [output, attn_weights] = mha(query, key, value);
      return { output, attn_weights: attn_weights! };
    });
  },
};
