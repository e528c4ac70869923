/**
 * Acquiring a WebGPU device: `navigator.gpu` in a browser (or any runtime that has it), the npm
 * package `webgpu` (Dawn) in Node. That package is an optional dependency and is imported only
 * here, only when asked for a device, so importing gradlab never requires it.
 */
/// <reference types="@webgpu/types" />

export interface GpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software or otherwise slow adapter (SwiftShader): correct, but its times mean nothing. */
  isFallbackAdapter: boolean;
  /** Where the device came from. */
  source: "navigator.gpu" | "webgpu (Dawn)";
}

export interface AcquiredDevice {
  device: GPUDevice;
  adapter: GpuAdapterSummary;
  /**
   * The GPU object the device came from. Keep it as long as the device: Dawn's instance lives in
   * it, and once it is garbage-collected the device's work hangs or crashes the process.
   */
  gpu: GPU;
}

export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
  /** Node only: flags for Dawn's `create()`, e.g. ["backend=vulkan"]. */
  dawnFlags?: string[];
}

const isNode = typeof process !== "undefined" && !!process.versions?.node;
/**
 * Every Dawn GPU object we created, held for the life of the process: a collected instance takes
 * its devices down with it (hangs, then crashes), and one that found no adapter crashes when
 * collected too. There is one per acquireDevice() call in Node.
 */
const dawnInstances: GPU[] = [];

/** The one line users see when there is no adapter, with what to try next. */
export function noAdapterMessage(where: "browser" | "node", detail = ""): string {
  const tail =
    where === "node"
      ? "in Node, gradlab uses the optional package `webgpu` (Dawn), which needs a Vulkan, Metal or D3D12 driver; on a " +
        "machine without a GPU, Debian's chromium package ships a software Vulkan driver (SwiftShader): start Node " +
        "with LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json " +
        "(swiftshaderEnv() finds them)"
      : "this browser exposes no WebGPU adapter (Chrome/Edge 113+, Safari 26+, Firefox 141+; Chromium on Linux needs " +
        "--enable-unsafe-webgpu); use the wasm backend instead";
  return `WebGPU: no adapter found${detail ? ` (${detail})` : ""} — ${tail}`;
}

async function nodeGpu(flags: string[]): Promise<GPU> {
  let mod: { create(flags: string[]): GPU; globals: Record<string, unknown> };
  // A computed specifier, so browser bundlers leave the Node-only package alone.
  const name = "webgpu";
  try {
    mod = await import(/* @vite-ignore */ name);
  } catch (e) {
    throw new Error(
      noAdapterMessage(
        "node",
        `the optional package \`webgpu\` is not installed or cannot load here: ${(e as Error).message.split("\n")[0]}`,
      ),
    );
  }
  // Dawn's classes (GPUBufferUsage, ...) become globals, as in a browser.
  for (const [k, v] of Object.entries(mod.globals))
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  return mod.create(flags);
}

function summarize(adapter: GPUAdapter, source: GpuAdapterSummary["source"]): GpuAdapterSummary {
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const a = adapter as unknown as { isFallbackAdapter?: boolean };
  const fallback =
    (info as unknown as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter ?? a.isFallbackAdapter ?? false;
  return {
    vendor: info?.vendor ?? "",
    architecture: info?.architecture ?? "",
    device: info?.device ?? "",
    description: info?.description ?? "",
    isFallbackAdapter: fallback,
    source,
  };
}

/** A device with the adapter's larger limits we use (storage buffers per stage, buffer sizes). */
export async function acquireDevice(opts: AcquireOptions = {}): Promise<AcquiredDevice> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  let gpu: GPU | undefined = nav?.gpu;
  let source: GpuAdapterSummary["source"] = "navigator.gpu";
  if (!gpu && isNode) {
    gpu = await nodeGpu(opts.dawnFlags ?? []);
    dawnInstances.push(gpu);
    source = "webgpu (Dawn)";
  }
  if (!gpu) throw new Error(noAdapterMessage("browser", "navigator.gpu is undefined"));
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? "high-performance" });
  if (!adapter)
    throw new Error(
      noAdapterMessage(source === "navigator.gpu" ? "browser" : "node", "requestAdapter() returned null"),
    );
  const lim = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBuffersPerShaderStage: Math.min(lim.maxStorageBuffersPerShaderStage, 10),
      maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
      maxBufferSize: lim.maxBufferSize,
    },
  });
  return { device, adapter: summarize(adapter, source), gpu };
}

/** "google swiftshader (fallback adapter)" — for logs and benchmark headers. */
export function describeAdapter(a: GpuAdapterSummary): string {
  const name = [a.vendor, a.architecture, a.device, a.description].filter((s) => s).join(" ") || "unknown adapter";
  return `${name}${a.isFallbackAdapter ? " (fallback adapter: software, times are not GPU times)" : ""} via ${a.source}`;
}
