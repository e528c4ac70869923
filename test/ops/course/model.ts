/**
 * Course case of a whole model: one LeNet-5 training step (kind "model", op "lenet5"). models.lenet5(),
 * the fixture's Sequential, loads PyTorch's state_dict, takes zero_grad / cross_entropy /
 * backward / SGD-momentum step; the loss, every gradient and every parameter after the step must match.
 */
import { expect } from "vitest";
import { F, models, optim } from "../../../src/index.js";
import { type FixtureTensor, withValues } from "../../helpers.js";
import { type CourseCase, type CourseRunner, expectNear, fromFixture } from "./harness.js";

function lenet5Step(c: CourseCase): void {
  // models.lenet5() must be the note's Sequential: its keys and shapes load the fixture's state_dict.
  const model = models.lenet5();
  const sd = c.state_dict as Record<string, FixtureTensor>;
  model.loadStateDict(Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, fromFixture(t)])));
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  opt.zeroGrad();
  const loss = F.crossEntropy(model(fromFixture(c.inputs.x)), fromFixture(c.inputs.y));
  const want = c.loss as number;
  withValues(loss, ([v]) =>
    expect(Math.abs(v - want), `${c.name} loss ${v} vs ${want}`).toBeLessThanOrEqual(1e-5 * Math.abs(want)),
  );
  loss.backward();
  const params = Object.fromEntries(model.namedParameters());
  for (const [k, g] of Object.entries(c.grads!)) expectNear(params[k].grad, g, `${c.name} grad ${k}`, 1e-4);
  opt.step();
  const after = model.stateDict();
  for (const [k, t] of Object.entries(c.state_dict_after_step as Record<string, FixtureTensor>)) {
    expectNear(after[k], t, `${c.name} ${k} after the step`, 1e-4);
  }
}

export const modelRunners: Record<string, CourseRunner> = { lenet5: lenet5Step };
