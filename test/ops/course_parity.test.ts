/**
 * Every case of ../shared/fixtures/pytorch/course_cases.json (PyTorch 2.13's own numbers) whose ops have
 * landed, on every backend. Runners live per family in test/ops/course/<family>.ts; a case whose runner
 * is missing must be listed in NOT_LANDED, so this file fails both when a landed op loses its case and
 * when a listed case gains a runner without leaving the list.
 */
import { describe, expect, it } from "vitest";
import { backendsUnderTest, useBackend } from "../helpers.js";
import { loadCourseCases, runnerKey } from "./course/harness.js";
import { courseRunners as runners } from "./course/index.js";

/** Cases whose ops have not landed yet, by runner key (none left: every case runs). */
const NOT_LANDED = new Set<string>([]);

const cases = loadCourseCases();
const backends = await backendsUnderTest();
const landed = cases.filter((c) => !NOT_LANDED.has(runnerKey(c)));

describe.each(backends)("PyTorch 2.13 parity (course cases) on the %s backend", (backend) => {
  it.each(landed.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    useBackend(backend);
    runners[runnerKey(c)](c);
  });
});

it("every landed case has a runner, and no case with a runner is still listed as not landed", () => {
  expect(cases.length).toBe(56);
  expect(landed.filter((c) => !runners[runnerKey(c)]).map((c) => c.name)).toEqual([]);
  expect([...NOT_LANDED].filter((k) => runners[k])).toEqual([]);
  expect([...NOT_LANDED].filter((k) => !cases.some((c) => runnerKey(c) === k))).toEqual([]);
});
