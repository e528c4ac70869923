/**
 * The WebGPU backend as users reach it: `await setBackend("webgpu")` requests a device (through
 * `navigator.gpu` in a browser, the optional npm package `webgpu` (Dawn) in Node), registers the
 * WGSL kernels as backend "webgpu" and the device's read-back for `await t.data()`, once.
 *
 * @example
 * await setBackend("webgpu");
 * const loss = model.forward(x).sum();
 * console.log(await loss.itemAsync());     // reads on WebGPU are asynchronous
 */
import type { Kernels } from "../kernels.js";
import { registerBackend, registerBackendLoader, registerDeviceReader, setBackendDevice } from "../registry.js";
import { GpuContext, type ContextOptions } from "./context.js";
import { webgpuKernels } from "./index.js";
import type { GpuStorage } from "./storage.js";

let loading: Promise<GpuContext> | null = null;
let current: GpuContext | null = null;

/**
 * Loads the WebGPU backend (idempotent): one device, its kernels registered as "webgpu". Rejects
 * with one line when there is no adapter. `setBackend("webgpu")` calls this; call it yourself to
 * pass options (e.g. `{ powerPreference: "low-power" }`) before switching.
 */
export function initWebGpuBackend(opts: ContextOptions = {}): Promise<GpuContext> {
  loading ??= GpuContext.create(opts).then(
    (ctx) => {
      registerBackend("webgpu", webgpuKernels(ctx) as unknown as Partial<Kernels>);
      setBackendDevice("webgpu", "webgpu");
      registerDeviceReader("webgpu", (s) => ctx.read(s as unknown as GpuStorage));
      current = ctx;
      return ctx;
    },
    (e: unknown) => {
      loading = null; // a later call may find an adapter (e.g. after the user enabled WebGPU)
      throw e;
    },
  );
  return loading;
}

/** The WebGPU context once the backend is loaded (adapter, buffer-pool stats, counters), else null. */
export function webgpuContext(): GpuContext | null {
  return current;
}

registerBackendLoader("webgpu", async () => {
  await initWebGpuBackend();
});
