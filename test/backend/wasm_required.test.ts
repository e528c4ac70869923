/** The suites run every backend: a wasm backend that fails to load fails them, unless that is asked for by name. */
import { afterEach, expect, it } from "vitest";
import { backendsUnderTest, WITHOUT_WASM } from "../helpers.js";

const saved = process.env[WITHOUT_WASM];
afterEach(() => {
  if (saved === undefined) delete process.env[WITHOUT_WASM];
  else process.env[WITHOUT_WASM] = saved;
});
const broken = () => Promise.reject(new Error("CompileError: no SIMD"));

it("a wasm backend that cannot load fails the suite, naming the opt-out", async () => {
  delete process.env[WITHOUT_WASM];
  await expect(backendsUnderTest(broken)).rejects.toThrow(
    /wasm backend failed to load \(CompileError: no SIMD\), so its tests would not run; set GRADLAB_TEST_WITHOUT_WASM/,
  );
});

it("GRADLAB_TEST_WITHOUT_WASM=1 runs the suites on what did load", async () => {
  process.env[WITHOUT_WASM] = "1";
  expect(await backendsUnderTest(broken)).toContain("js");
});

it("normally both backends are under test", async () => {
  delete process.env[WITHOUT_WASM];
  expect(await backendsUnderTest()).toEqual(expect.arrayContaining(["js", "wasm"]));
});
