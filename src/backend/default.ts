/**
 * Picks the default backend when gradlab is imported: the fastest available — WebAssembly SIMD
 * where the engine has it, the plain-TypeScript reference otherwise. `GRADLAB_BACKEND=js|wasm`
 * (environment, Node) overrides; `setBackend()` switches at any time.
 */
import { setBackend } from "./registry.js";
import { initWasmBackendSync } from "./wasm/index.js";

function requested(): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.GRADLAB_BACKEND;
}

export function useFastestBackend(): string {
  const want = requested();
  if (want && want !== "js" && want !== "wasm")
    throw new Error(`GRADLAB_BACKEND must be "js" or "wasm", got "${want}"`);
  if (want === "js") {
    setBackend("js");
    return "js";
  }
  try {
    initWasmBackendSync();
    setBackend("wasm");
    return "wasm";
  } catch (e) {
    if (want === "wasm") throw e;
    setBackend("js");
    return "js";
  }
}

useFastestBackend();
