/**
 * Course cases of the optimizers and schedulers: a Sequential(Linear, ReLU, ..., Linear) from PyTorch's
 * init takes the case's steps (zero_grad, cross_entropy, backward, step, then scheduler.step()); every
 * loss, every parameter after each step and the lr after each step must match.
 */
import { expect } from "vitest";
import { nn, optim } from "../../../src/index.js";
import { expectOptimizerTrajectory, fixtureMlp } from "../parity_runners.js";
import type { FixtureTensor } from "../../helpers.js";
import { type CourseCase, type CourseRunner, expectNear, fromFixture } from "./harness.js";

/** PyTorch's keyword arguments in gradlab's spelling: weight_decay → weightDecay, T_max → tMax. */
function camelArgs(args: Record<string, unknown>): Record<string, unknown> {
  const camel = (k: string): string =>
    k.replace(/_([a-zA-Z])/g, (_, ch: string) => ch.toUpperCase()).replace(/^[A-Z]/, (ch) => ch.toLowerCase());
  return Object.fromEntries(Object.entries(args).map(([k, v]) => [camel(k), v]));
}

type AnyOptimizer = optim.Optimizer<{ lr: number }>;
type SchedulerSpec = Record<string, unknown>;

/** A scheduler from the fixture's spec: `{ OneCycleLR: {...} }` or `{ SequentialLR: [{ LinearLR: {...} }, ...], milestones }`. */
function makeScheduler(opt: AnyOptimizer, spec: SchedulerSpec): optim.LRScheduler {
  const classes = optim as unknown as Record<string, new (o: AnyOptimizer, a: object) => optim.LRScheduler>;
  if (spec.SequentialLR) {
    const schedulers = (spec.SequentialLR as SchedulerSpec[]).map((sub) => makeScheduler(opt, sub));
    return new optim.SequentialLR(opt, { schedulers, milestones: spec.milestones as number[] });
  }
  const [name, args] = Object.entries(spec)[0] as [string, Record<string, unknown>];
  expect(classes[name], `optim.${name}`).toBeTypeOf("function");
  return new classes[name](opt, camelArgs(args));
}
type Ctor<T> = new (...args: never[]) => T;
const optimizerClass = (name: string): Ctor<AnyOptimizer> =>
  (optim as unknown as Record<string, Ctor<AnyOptimizer>>)[name];

function runOptimCase(c: CourseCase): void {
  const model = fixtureMlp(c);
  const Opt = optimizerClass(c.optimizer as string);
  expect(Opt, `optim.${c.optimizer as string}`).toBeTypeOf("function");
  const opt = new (Opt as unknown as new (p: nn.Parameter[], o: object) => AnyOptimizer)(
    model.parameters(),
    camelArgs(c.args ?? {}),
  );
  expectOptimizerTrajectory(c, model, opt, c.scheduler ? makeScheduler(opt, c.scheduler as SchedulerSpec) : null);
}

export const optimRunners: Record<string, CourseRunner> = Object.fromEntries(
  ["rmsprop", "rmsprop:momentum_centered", "adagrad", "adam:amsgrad_wd", "adamw:onecycle", "sgd:warmup_cosine"].map(
    (k) => [k, runOptimCase],
  ),
);

/** clip_grad_norm_: parameters holding the case's gradients; the total norm and the clipped gradients must match. */
optimRunners.clip_grad_norm_ = (c) => {
  const params = Object.keys(c.inputs).map((k) => {
    const p = new nn.Parameter(fromFixture(c.inputs[k]).zerosLike());
    p.grad = fromFixture(c.inputs[k]);
    return [k, p] as const;
  });
  const a = c.args as { max_norm: number; norm_type: number };
  const total = nn.utils.clipGradNorm_(
    params.map(([, p]) => p),
    a.max_norm,
    a.norm_type,
  );
  expectNear(total, c.output!, `${c.name} total norm`);
  for (const [k, p] of params)
    expectNear(p.grad, (c.clipped as Record<string, FixtureTensor>)[k], `${c.name} clipped ${k}`);
};
