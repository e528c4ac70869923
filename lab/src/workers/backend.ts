/// <reference lib="webworker" />
/**
 * The compute backend a worker trains on, and how the page's indicator names it. gradlab picks
 * wasm (SIMD, threads when the page is cross-origin isolated) when the engine has it; the page's
 * switch can ask for the JS reference instead (a model is rebuilt after a switch, since its
 * tensors live in the backend's memory). WebGPU joins the list once the library's picker lands.
 */
import { getBackend, getNumThreads, listBackends, setBackend, wasmBackendInfo } from "gradlab";
import type { BackendName, BackendStatus } from "../protocol/common.ts";

export function backendStatus(): BackendStatus {
  const name = getBackend();
  let label = name;
  if (name === "wasm") {
    const info = wasmBackendInfo();
    const n = getNumThreads();
    label = `wasm${info?.simd === "relaxed" ? " (relaxed SIMD)" : ""}, ${n} thread${n === 1 ? "" : "s"}`;
  } else if (name === "js") label = "js (reference kernels, 1 thread)";
  return { name, label, available: listBackends().filter((b): b is BackendName => b === "wasm" || b === "js") };
}

/** Switches to `want` when the library has it; answers what actually runs. */
export function useBackend(want: BackendName): BackendStatus {
  if (getBackend() !== want && listBackends().includes(want)) setBackend(want);
  return backendStatus();
}
