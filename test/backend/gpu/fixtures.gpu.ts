// Every case of ../shared/fixtures/pytorch/cases.json and course_cases.json through the public
// ops on the webgpu backend, with the CPU suites' runners (test/ops/parity_runners.ts and
// test/ops/course/*); their value checks read asynchronously here and settle after each case.
import { beforeAll, describe, expect, it } from "vitest";
import { fallbackCounts, getBackend, resetFallbackCounts, setBackend } from "../../../src/index.js";
import { loadCases, settleReads } from "../../helpers.js";
import { courseRunners } from "../../ops/course/index.js";
import { loadCourseCases, runnerKey } from "../../ops/course/harness.js";
import { runParityCase } from "../../ops/parity_runners.js";

beforeAll(async () => {
  await setBackend("webgpu");
  resetFallbackCounts();
});

describe("PyTorch parity (cases.json) on webgpu", () => {
  it.each(loadCases().map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    expect(getBackend()).toBe("webgpu");
    runParityCase(c);
    await settleReads();
  });
});

describe("PyTorch parity (course_cases.json) on webgpu", () => {
  it.each(loadCourseCases().map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    courseRunners[runnerKey(c)](c);
    await settleReads();
  });
});

it("ran every kernel on webgpu (a device backend has no fallback)", () => {
  expect(fallbackCounts()).toEqual({});
});
