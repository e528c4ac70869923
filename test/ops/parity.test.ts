/** Every case of ../shared/fixtures/pytorch/cases.json (PyTorch's own numbers), on every backend. */
import { describe, expect, it } from "vitest";
import { backendsUnderTest, loadCases, useBackend } from "../helpers.js";
import { runParityCase } from "./parity_runners.js";

const cases = loadCases();
const backends = await backendsUnderTest();

/** "backend/case" for every case that ran to its end. */
const completed = new Set<string>();

describe.each(backends)("PyTorch parity on the %s backend", (backend) => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    useBackend(backend);
    runParityCase(c);
    completed.add(`${backend}/${c.name}`);
  });
});

// Runs after the cases above (vitest runs a file's tests in order): every case, on every backend.
it("covers every case in the fixture file on every backend", () => {
  expect(cases.length).toBeGreaterThanOrEqual(47);
  expect(new Set(cases.map((c) => c.name)).size, "case names are unique").toBe(cases.length);
  expect(backends).toEqual(expect.arrayContaining(["js", "wasm"]));
  const expected = backends.flatMap((b) => cases.map((c) => `${b}/${c.name}`));
  expect(
    expected.filter((k) => !completed.has(k)),
    "cases that did not run to completion",
  ).toEqual([]);
});
