/** Course cases of the normalization ops and the BatchNorm2d module case. */
import { expect } from "vitest";
import { F, nn } from "../../../src/index.js";
import { type FixtureTensor, withValues } from "../../helpers.js";
import { type CourseCase, type CourseRunner, expectNear, fromFixture, runOp } from "./harness.js";

type Args = Record<string, unknown>;

/** Train mode on x_train (output, gradients), a second batch (running statistics), then eval mode on x_eval. */
function batchNorm2dCase(c: CourseCase): void {
  const a = c.args as { num_features: number; momentum: number; eps: number };
  const bn = new nn.BatchNorm2d(a.num_features, { momentum: a.momentum, eps: a.eps });
  const sd = c.state_dict as Record<string, FixtureTensor>;
  bn.loadStateDict(Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, fromFixture(t)])));
  const outs = c.outputs as Record<string, FixtureTensor>,
    up = c.upstream as Record<string, FixtureTensor>;
  const x = fromFixture(c.inputs.x_train, true);
  const out = bn(x);
  expectNear(out, outs.output, `${c.name} train output`);
  out.backward(fromFixture(up.output));
  expectNear(x.grad, c.grads!.x_train, `${c.name} grad x`, 1e-4);
  expectNear(bn.weight!.grad, c.grads!.weight, `${c.name} grad weight`, 1e-4);
  expectNear(bn.bias!.grad, c.grads!.bias, `${c.name} grad bias`, 1e-4);
  bn(fromFixture(c.inputs.x_train2));
  expectNear(bn.running_mean, c.running_mean as FixtureTensor, `${c.name} running_mean`);
  expectNear(bn.running_var, c.running_var as FixtureTensor, `${c.name} running_var`);
  withValues(bn.num_batches_tracked!, ([n]) => expect(n).toBe(c.num_batches_tracked));
  bn.eval();
  expectNear(bn(fromFixture(c.inputs.x_eval)), c.eval_output as FixtureTensor, `${c.name} eval output`);
}

export const normRunners: Record<string, CourseRunner> = {
  layer_norm: (c) =>
    runOp(c, ({ input, weight, bias }, a: Args) =>
      F.layerNorm(input, a.normalized_shape as number[], weight, bias, a.eps as number),
    ),
  group_norm: (c) =>
    runOp(c, ({ input, weight, bias }, a: Args) =>
      F.groupNorm(input, a.num_groups as number, weight, bias, a.eps as number),
    ),
  BatchNorm2d: batchNorm2dCase,
};
