/**
 * Kernel registry: backends register the kernels they implement under a name; the active set is
 * the chosen backend's kernels over the reference ones. A kernel the backend lacks runs on "js"
 * and is counted in `fallbackCounts()` — so a test can prove a training step never left the fast path.
 */
import { jsKernels } from "./js/index.js";
import type { TypedArray } from "../tensor/dtype.js";
import type { DeviceStorage } from "../tensor/storage.js";
import { gemmsOneByOne, type KernelName, type Kernels } from "./kernels.js";

const backends = new Map<string, Partial<Kernels>>([["js", jsKernels]]);
const fallbacks = new Map<string, number>();
let activeName = "js";

/** The active kernels. A live binding: `setBackend` swaps it. */
export let K: Kernels = jsKernels;

/** Registers (or replaces) backend `name`; takes effect at the next `setBackend(name)`. */
export function registerBackend(name: string, kernels: Partial<Kernels>): void {
  backends.set(name, kernels);
}

/** Switches every subsequent op to backend `name` ("js" | "wasm"). */
export function setBackend(name: string): void {
  let impl = backends.get(name);
  if (!impl) {
    throw new Error(`setBackend: unknown backend "${name}" (registered: ${[...backends.keys()].join(", ")})`);
  }
  const merged = { ...jsKernels } as Record<KernelName, unknown>;
  // A backend with its own gemm but no gemms runs the products one by one on that gemm.
  if (impl.gemm && !impl.gemms) impl = { ...impl, gemms: gemmsOneByOne(impl.gemm) };
  for (const key of Object.keys(jsKernels) as KernelName[]) {
    const fast = impl[key];
    if (fast) merged[key] = fast;
    else if (name !== "js") {
      const slow = jsKernels[key] as (...a: unknown[]) => unknown;
      merged[key] = (...args: unknown[]) => { fallbacks.set(key, (fallbacks.get(key) ?? 0) + 1); return slow(...args); };
    }
  }
  K = merged as unknown as Kernels;
  activeName = name;
}

export const getBackend = (): string => activeName;

/** How a device backend reads its storage back to the host (registered with the backend). */
const readers = new Map<string, (s: DeviceStorage) => Promise<TypedArray>>();

/** Registers the host read of a device's storage (`await t.data()` on that device). */
export function registerDeviceReader(device: string, read: (s: DeviceStorage) => Promise<TypedArray>): void {
  readers.set(device, read);
}

/** Reads a device's storage back to a host array. */
export function readStorage(s: DeviceStorage): Promise<TypedArray> {
  const read = readers.get(s.device);
  if (!read) throw new Error(`no backend for device "${s.device}" is loaded`);
  return read(s);
}
export const listBackends = (): string[] => [...backends.keys()];

/** How often each kernel fell back to the JS reference since the last reset. */
export function fallbackCounts(): Record<string, number> { return Object.fromEntries(fallbacks); }
export function resetFallbackCounts(): void { fallbacks.clear(); }
