/**
 * PyTorch's numbers for the course's later building blocks (../shared/fixtures/pytorch/course_cases.json):
 * loading, scale-relative closeness, and the generic runner for `kind: "op"` cases. Each family of ops
 * has a file beside this one exporting runners by op (or module) name; course_parity.test.ts runs them all.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { type Tensor, tensor } from "../../../src/index.js";
import { type FixtureTensor, withValues } from "../../helpers.js";

export interface CourseCase {
  name: string;
  kind: "op" | "module" | "optim" | "util" | "model";
  op?: string;
  module?: string;
  args: Record<string, unknown> | null;
  inputs: Record<string, FixtureTensor>;
  output?: FixtureTensor;
  upstream?: FixtureTensor | Record<string, FixtureTensor>;
  grads?: Record<string, FixtureTensor>;
  note?: string;
  [k: string]: unknown;
}

/** Runs one case, asserting; throws (via expect) on any mismatch. */
export type CourseRunner = (c: CourseCase) => void;

const path = fileURLToPath(new URL("../../../../shared/fixtures/pytorch/course_cases.json", import.meta.url));
export function loadCourseCases(): CourseCase[] {
  return (JSON.parse(readFileSync(path, "utf8")) as { cases: CourseCase[] }).cases;
}

/** The key a case is run by: its op for op/util/model cases, its module class for module cases, else its name. */
export const runnerKey = (c: CourseCase): string => (c.kind === "module" ? c.module! : (c.op ?? c.name));

export function fromFixture(t: FixtureTensor, requiresGrad = false): Tensor {
  return tensor(t.data, { shape: t.shape, dtype: t.dtype === "int64" ? "int32" : "float32", requiresGrad });
}

/**
 * The fixture's tolerance: |actual − expected| ≤ rel · max|expected| (+ a tiny floor), element by
 * element, with the worst element named. Outputs use rel 1e-5, gradients 1e-4 (the README's).
 */
export function expectNear(actual: Tensor | null | undefined, expected: FixtureTensor, what: string, rel = 1e-5): void {
  expect(actual, `${what}: missing`).toBeTruthy();
  expect([...actual!.shape], `${what} shape`).toEqual(expected.shape);
  withValues(actual!, (a) => nearValues(a, expected.data, what, rel));
}

function nearValues(a: ArrayLike<number>, e: readonly number[], what: string, rel: number): void {
  let scale = 0;
  for (const v of e) scale = Math.max(scale, Math.abs(v));
  const tol = rel * Math.max(scale, 1e-3);
  let worst = -1,
    worstErr = 0;
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(a[i] - e[i]);
    if (!(err <= tol) && (worst < 0 || err > worstErr || Number.isNaN(err))) {
      worst = i;
      worstErr = err;
    }
  }
  if (worst >= 0)
    expect.fail(`${what}: element ${worst} is ${a[worst]}, expected ${e[worst]} (tolerance ${tol.toExponential(2)})`);
}

/**
 * An op case: inputs with a gradient in `grads` require grad; `fn` computes the output from the
 * inputs and PyTorch's keyword args; the output and every gradient (of sum(output · upstream)) must match.
 */
export function runOp(
  c: CourseCase,
  fn: (inputs: Record<string, Tensor>, args: Record<string, unknown>) => Tensor,
): void {
  const inputs = Object.fromEntries(
    Object.entries(c.inputs).map(([k, t]) => [k, fromFixture(t, t.dtype === "float32" && !!c.grads?.[k])]),
  );
  const out = fn(inputs, c.args ?? {});
  expectNear(out, c.output!, `${c.name} output`);
  if (c.upstream) {
    out.backward(fromFixture(c.upstream as FixtureTensor));
    for (const [k, g] of Object.entries(c.grads ?? {})) expectNear(inputs[k].grad, g, `${c.name} grad ${k}`, 1e-4);
  }
}
