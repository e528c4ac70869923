/** Shared test helpers: fixture loading, closeness checks, and the list of backends every suite runs on. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { listBackends, setBackend, Tensor, type TypedArray, tensor } from "../src/index.js";

export interface FixtureTensor {
  shape: number[];
  dtype: "float32" | "int64";
  data: number[];
}
export interface Case {
  name: string;
  kind: "op" | "module" | "optim";
  op?: string;
  args: Record<string, unknown> | null;
  inputs: Record<string, FixtureTensor>;
  output?: FixtureTensor;
  upstream?: FixtureTensor;
  grads?: Record<string, FixtureTensor>;
  [k: string]: unknown;
}

const fixturePath = fileURLToPath(new URL("../../shared/fixtures/pytorch/cases.json", import.meta.url));
export function loadCases(): Case[] {
  return (JSON.parse(readFileSync(fixturePath, "utf8")) as { cases: Case[] }).cases;
}

/** A gradlab tensor from a fixture tensor (int64 labels become int32). */
export function fromFixture(t: FixtureTensor, requiresGrad = false): Tensor {
  return tensor(t.data, { shape: t.shape, dtype: t.dtype === "int64" ? "int32" : "float32", requiresGrad });
}

const pendingReads: Promise<void>[] = [];
/**
 * Runs `check` on the tensor's values: now on the host; on a device (WebGPU, where reads are
 * asynchronous) the read starts now — a snapshot of the values at this point of the run — and
 * `check` runs in `settleReads()`, which a test on a device awaits after its runner. So the same
 * synchronous runners check the CPU backends and WebGPU.
 */
export function withValues(t: Tensor, check: (values: TypedArray) => void): void {
  if (t.device === "cpu") {
    check(t.dataSync());
    return;
  }
  pendingReads.push(t.data().then(check));
}
/** Awaits the checks `withValues` deferred; throws the first that failed. */
export async function settleReads(): Promise<void> {
  const results = await Promise.allSettled(pendingReads.splice(0));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** |actual − expected| ≤ atol + rtol·|expected| elementwise, with a message naming the worst element. */
export function expectClose(
  actual: Tensor | ArrayLike<number>,
  expected: FixtureTensor | ArrayLike<number>,
  opts: { rtol?: number; atol?: number; what?: string } = {},
): void {
  const rtol = opts.rtol ?? 1e-5,
    atol = opts.atol ?? 1e-6;
  const e = "data" in (expected as FixtureTensor) ? (expected as FixtureTensor).data : (expected as ArrayLike<number>);
  if (actual instanceof Tensor && "shape" in (expected as FixtureTensor)) {
    expect([...actual.shape], `${opts.what ?? ""} shape`).toEqual((expected as FixtureTensor).shape);
  }
  if (actual instanceof Tensor) {
    withValues(actual, (a) => closeValues(a, e, rtol, atol, opts.what));
    return;
  }
  closeValues(actual, e, rtol, atol, opts.what);
}

function closeValues(
  a: ArrayLike<number>,
  e: ArrayLike<number>,
  rtol: number,
  atol: number,
  what: string | undefined,
): void {
  const opts = { what };
  expect(a.length, `${opts.what ?? ""} length`).toBe(e.length);
  let worst = -1,
    worstErr = 0;
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(a[i] - e[i]) - (atol + rtol * Math.abs(e[i]));
    if (!(err <= 0) && (worst < 0 || err > worstErr || Number.isNaN(err))) {
      worst = i;
      worstErr = err;
    }
  }
  if (worst >= 0)
    expect.fail(
      `${opts.what ?? "values"}: element ${worst} is ${a[worst]}, expected ${e[worst]} (rtol ${rtol}, atol ${atol})`,
    );
}

/** Set to test on the js backend alone where the wasm backend cannot load (its tests then do not run). */
export const WITHOUT_WASM = "GRADLAB_TEST_WITHOUT_WASM";

/**
 * Backends to run each suite on: every one registered after loading the wasm backend. A wasm backend that
 * fails to load fails the suite (its tests would otherwise silently not run) unless GRADLAB_TEST_WITHOUT_WASM
 * is set. `load` is replaceable for the test of this rule.
 */
export async function backendsUnderTest(
  load: () => Promise<{ initWasmBackend?: () => Promise<unknown> }> = () => import("../src/backend/wasm/index.js"),
): Promise<string[]> {
  const optedOut = !!process.env[WITHOUT_WASM];
  try {
    const wasm = await load();
    if (typeof wasm.initWasmBackend !== "function") throw new Error("the wasm module exports no initWasmBackend");
    await wasm.initWasmBackend();
  } catch (e) {
    if (!optedOut) {
      throw new Error(
        `the wasm backend failed to load (${(e as Error).message}), so its tests would not run; ` +
          `set ${WITHOUT_WASM}=1 to test the js backend alone`,
        { cause: e },
      );
    }
  }
  const names = listBackends();
  if (!optedOut && !names.includes("wasm")) throw new Error(`the wasm backend is not registered (${names.join(", ")})`);
  return names;
}

export function useBackend(name: string): void {
  setBackend(name);
}
