/**
 * Moving tensors between devices, like PyTorch's `x.to("cuda")`: `x.to("webgpu")` copies host
 * values to the GPU (synchronous: an upload is queued), `await x.toAsync("cpu")` reads them back
 * (asynchronous on WebGPU, so the synchronous `to("cpu")` of a GPU tensor says to await instead).
 * The WebGPU backend must be loaded (`await setBackend("webgpu")`, or `toAsync` loads it).
 *
 * @example
 * await setBackend("webgpu");
 * const x = cpuTensor.to("webgpu");          // [N, 784] on the GPU
 * const back = await x.toAsync("cpu");        // host values again
 */
import { getBackend, getDevice, kernels, kernelsOf, setBackend } from "../backend/registry.js";
import { isFloat, type TypedArray } from "../tensor/dtype.js";
import { fmt } from "../tensor/shape.js";
import { type Device, isHost, type Storage } from "../tensor/storage.js";
import { Tensor } from "../tensor/tensor.js";

export const DEVICES: readonly Device[] = ["cpu", "webgpu"];
export const isDevice = (d: unknown): d is Device => DEVICES.includes(d as Device);

/** "cuda" and "gpu" mean the GPU gradlab reaches (WebGPU), as a lecture's `.to('cuda')` expects. */
export function deviceName(d: string, op: string): Device {
  if (d === "cuda" || d === "gpu" || d.startsWith("cuda:")) return "webgpu";
  if (isDevice(d)) return d;
  throw new Error(`${op}: unknown device "${d}" — use "cpu" or "webgpu" ("cuda" means webgpu here)`);
}

/** The host values of a host tensor, as the CPU backends' storage (its own array when a CPU backend is active). */
function hostStorage(values: TypedArray): Storage {
  return getDevice() === "cpu" ? kernels.fromHost(values) : values;
}

function moved(x: Tensor, storage: Storage): Tensor {
  // A moved tensor is a new leaf that keeps requiresGrad (as a parameter moved by module.to is).
  return new Tensor(storage, x.shape, x.requiresGrad && isFloat(x.dtype));
}

/** Storage for `values` on `device` (whose backend is loaded). */
export function upload(values: TypedArray, device: Device, op: string, shape: readonly number[]): Storage {
  if (device === "cpu") return hostStorage(values);
  const deviceKernels = kernelsOf(device);
  if (!deviceKernels?.fromHost) {
    throw new Error(
      `${op}: the ${device} backend is not loaded — await setBackend("${device}") first ` +
        `(or await x.toAsync("${device}")) to move the tensor ${fmt(shape)} there`,
    );
  }
  return deviceKernels.fromHost(values as Float32Array);
}

/**
 * This tensor on `device` (itself when it is already there). Host → GPU is synchronous; GPU →
 * host is not (WebGPU reads are asynchronous): use `await x.toAsync("cpu")` for that.
 */
export function toDevice(x: Tensor, target: string): Tensor {
  const device = deviceName(target, "to");
  if (x.device === device) return x;
  if (!isHost(x.storage)) {
    throw new Error(
      `to("${device}"): the tensor ${fmt(x.shape)} is on ${x.device}, where reads are asynchronous — ` +
        `use await x.toAsync("${device}")`,
    );
  }
  return moved(x, upload(x.storage, device, `to("${device}")`, x.shape));
}

/** `to(device)` for every direction, loading the device's backend if needed (without switching to it). */
export async function toDeviceAsync(x: Tensor, target: string): Promise<Tensor> {
  const device = deviceName(target, "toAsync");
  if (x.device === device) return x;
  if (device !== "cpu" && !kernelsOf(device)) await loadWithoutSwitching(device);
  const values = isHost(x.storage) ? x.storage : await x.data();
  return moved(x, upload(values, device, `toAsync("${device}")`, x.shape));
}

/** Loads a device backend (setBackend loads it) and switches back to the backend that was active. */
export async function loadWithoutSwitching(device: Device): Promise<void> {
  const before = getBackend();
  await setBackend(device);
  await setBackend(before);
}
