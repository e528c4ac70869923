/// <reference lib="webworker" />
/// <reference types="@webgpu/types" />
/**
 * The compute backend a worker trains on, and how the page's indicator names it. The page asks
 * for `auto`, `wasm`, `js` or `webgpu`; `auto` takes WebGPU only when the browser gives an adapter
 * that is not a fallback one (a software adapter such as SwiftShader is slower than wasm), else
 * wasm. A request for `webgpu` that cannot be met runs on wasm and says why. A model is rebuilt
 * after a switch, since its tensors live in the backend's memory.
 */
import { getBackend, getNumThreads, listBackends, setBackend, wasmBackendInfo, webgpuContext } from "gradlab";
import type { BackendName, BackendStatus } from "../protocol/common.ts";

let requested: BackendName = "auto";
let note: string | null = null;

/** "google swiftshader" from an adapter's info fields (the one a device was or would be made from). */
function adapterName(a: { vendor: string; architecture: string; device: string; description: string }): string {
  return [a.vendor, a.architecture, a.device, a.description].filter((s) => s).join(" ") || "unknown adapter";
}

export function backendStatus(): BackendStatus {
  const name = getBackend();
  let label = name;
  let adapter: string | null = null,
    fallbackAdapter = false;
  if (name === "wasm") {
    const info = wasmBackendInfo();
    const n = getNumThreads();
    label = `wasm${info?.simd === "relaxed" ? " (relaxed SIMD)" : ""}, ${n} thread${n === 1 ? "" : "s"}`;
  } else if (name === "js") label = "js (reference kernels, 1 thread)";
  else if (name === "webgpu") {
    const a = webgpuContext()?.adapter;
    adapter = a ? adapterName(a) : null;
    fallbackAdapter = a?.isFallbackAdapter ?? false;
    label = `webgpu, ${adapter ?? "unknown adapter"}${fallbackAdapter ? " (fallback adapter)" : ""}`;
  }
  return { name, label, requested, note, adapter, fallbackAdapter };
}

/** What `navigator.gpu` offers this worker: an adapter (fallback or not), or why there is none. */
async function probeWebGpu(): Promise<{ adapter: string; fallback: boolean } | { why: string }> {
  const gpu = (self.navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { why: "this browser has no WebGPU (navigator.gpu is undefined)" };
  let a: GPUAdapter | null;
  try {
    a = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (e) {
    return { why: `requestAdapter() failed: ${(e as Error).message}` };
  }
  if (!a) return { why: "the browser gives no WebGPU adapter" };
  // isFallbackAdapter moved from GPUAdapter to GPUAdapterInfo; browsers have either.
  const info = (a as GPUAdapter & { info?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).info;
  const fallback =
    info?.isFallbackAdapter ?? (a as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  return { adapter: info ? adapterName(info) : "unknown adapter", fallback };
}

/**
 * Switches to what the page asks for (`auto` decided as above); answers what actually runs, with a
 * note in words when that differs from the request.
 */
export async function useBackend(want: BackendName): Promise<BackendStatus> {
  requested = want;
  note = null;
  let target: string = want;
  if (want === "auto") {
    if (getBackend() === "webgpu" && webgpuContext() && !webgpuContext()!.adapter.isFallbackAdapter) target = "webgpu";
    else {
      const p = await probeWebGpu();
      if ("why" in p) {
        target = "wasm";
        note = `auto: no WebGPU here (${p.why}), so wasm runs`;
      } else if (p.fallback) {
        target = "wasm";
        note = `auto: the WebGPU adapter (${p.adapter}) is a fallback adapter (software, slower than wasm), so wasm runs; choose webgpu to use it anyway`;
      } else target = "webgpu";
    }
  }
  if (target === "webgpu") {
    try {
      await setBackend("webgpu");
    } catch (e) {
      note = `WebGPU was requested but is unavailable (${(e as Error).message}); running on wasm instead`;
      target = "wasm";
    }
  }
  if (target !== "webgpu" && getBackend() !== target && listBackends().includes(target)) await setBackend(target);
  return backendStatus();
}
