/**
 * Kernel registry: backends register the kernels they implement under a name; the active set is
 * the chosen backend's kernels over the reference ones. A kernel the backend lacks runs on "js"
 * and is counted in `fallbackCounts()` — so a test can prove a training step never left the fast path.
 */
import { jsKernels } from "./js/index.js";
import type { TypedArray } from "../tensor/dtype.js";
import type { Device, DeviceStorage } from "../tensor/storage.js";
import { gemmsOneByOne } from "./js/gemm.js";
import type { KernelName, Kernels } from "./kernels.js";

const backends = new Map<string, Partial<Kernels>>([["js", jsKernels]]);
const fallbacks = new Map<string, number>();
let activeName = "js";

/** The active kernels. A live binding: `setBackend` swaps it. */
export let kernels: Kernels = jsKernels;

/** Registers (or replaces) backend `name`; takes effect at the next `setBackend(name)`. */
export function registerBackend(name: string, kernels: Partial<Kernels>): void {
  backends.set(name, kernels);
}

/**
 * Backends that load asynchronously on first use (webgpu: a device must be requested), by name.
 * The loader registers the backend (kernels, device reader); `setBackend` then switches to it.
 */
const loaders = new Map<string, () => Promise<void>>();
/** The device whose storage each backend's kernels take ("cpu" unless registered otherwise). */
const backendDevices = new Map<string, Device>();

/** Registers how backend `name` is loaded the first time `setBackend(name)` asks for it. */
export function registerBackendLoader(name: string, load: () => Promise<void>): void {
  loaders.set(name, load);
}

/**
 * Switches every subsequent op to backend `name` ("js" | "wasm" | "webgpu"), like choosing the
 * device in PyTorch. A loaded backend switches at once (the returned promise is already settled,
 * so `setBackend("wasm")` needs no await); "webgpu" requests a GPU device the first time, so
 * `await setBackend("webgpu")` — it rejects with one line saying why when no adapter exists.
 */
export function setBackend(name: string): Promise<void> {
  if (!backends.has(name) && loaders.has(name)) return loaders.get(name)!().then(() => activate(name));
  activate(name);
  return Promise.resolve();
}

function activate(name: string): void {
  let impl = backends.get(name);
  if (!impl) {
    const known = [...new Set([...backends.keys(), ...loaders.keys()])];
    throw new Error(`setBackend: unknown backend "${name}" (registered: ${known.join(", ")})`);
  }
  const device = backendDevices.get(name) ?? "cpu";
  const merged = { ...jsKernels } as Record<KernelName, unknown>;
  // A backend with its own gemm but no gemms runs the products one by one on that gemm.
  if (impl.gemm && !impl.gemms) impl = { ...impl, gemms: gemmsOneByOne(impl.gemm) };
  for (const key of Object.keys(jsKernels) as KernelName[]) {
    const fast = impl[key];
    if (fast) merged[key] = fast;
    else if (device !== "cpu") {
      // The reference cannot take a device's storage: say so rather than fail inside it.
      merged[key] = () => {
        throw new Error(`kernel ${key} has no ${name} implementation — setBackend("wasm") for this op`);
      };
    } else if (name !== "js") {
      const slow = jsKernels[key] as (...a: unknown[]) => unknown;
      merged[key] = (...args: unknown[]) => {
        fallbacks.set(key, (fallbacks.get(key) ?? 0) + 1);
        return slow(...args);
      };
    }
  }
  kernels = merged as unknown as Kernels;
  activeName = name;
  activeDevice = device;
}

let activeDevice: Device = "cpu";
/** The device the active backend's tensors live on: "cpu" (js, wasm) or "webgpu". */
export const getDevice = (): Device => activeDevice;

/** Marks backend `name` as one whose kernels take `device`'s storage (webgpu). */
export function setBackendDevice(name: string, device: Device): void {
  backendDevices.set(name, device);
}

export const getBackend = (): string => activeName;

/** The kernels backend `name` registered (undefined until it is loaded). */
export const kernelsOf = (name: string): Partial<Kernels> | undefined => backends.get(name);

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
/** The loaded backends (a loader-only backend such as "webgpu" appears once `setBackend` loaded it). */
export const listBackends = (): string[] => [...backends.keys()];

/** How often each kernel fell back to the JS reference since the last reset. */
export function fallbackCounts(): Record<string, number> {
  return Object.fromEntries(fallbacks);
}
export function resetFallbackCounts(): void {
  fallbacks.clear();
}
