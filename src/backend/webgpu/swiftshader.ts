/**
 * Node only: WebGPU through Dawn on a machine without a GPU, using the software Vulkan driver
 * (SwiftShader) and Vulkan loader that Debian's chromium package ships. Dawn loads libvulkan
 * when it looks for adapters, and the dynamic loader reads LD_LIBRARY_PATH only when a process
 * starts, so the environment must be set before Node starts: `runWithSwiftShader` re-executes a
 * script in a child process with it. Import this from Node code only (tests, benchmarks, CLI).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname } from "node:path";

export interface SwiftShaderPaths {
  /** The folder holding chromium's libvulkan.so.1 (for LD_LIBRARY_PATH). */
  libDir: string;
  /** chromium's vk_swiftshader_icd.json (for VK_ICD_FILENAMES). */
  icd: string;
}

const COMMON = ["/usr/lib/chromium", "/usr/lib64/chromium", "/usr/lib/chromium-browser"];

/** Finds the loader and the ICD: `dpkg -L chromium chromium-common`, then the usual folders. */
export function findSwiftShader(): SwiftShaderPaths | null {
  const files: string[] = [];
  const r = spawnSync("dpkg", ["-L", "chromium", "chromium-common"], { encoding: "utf8" });
  if (r.status !== null && r.stdout) files.push(...r.stdout.split("\n"));
  for (const d of COMMON) files.push(`${d}/vk_swiftshader_icd.json`, `${d}/libvulkan.so.1`);
  const icd = files.find((f) => f.endsWith("/vk_swiftshader_icd.json") && existsSync(f));
  if (!icd) return null;
  const loader =
    files.find((f) => f.endsWith("/libvulkan.so.1") && existsSync(f) && dirname(f) === dirname(icd)) ??
    files.find((f) => f.endsWith("/libvulkan.so.1") && existsSync(f));
  if (!loader) return null;
  return { libDir: dirname(loader), icd };
}

/** `process.env` plus what Dawn needs to find SwiftShader, or null when chromium's files are missing. */
export function swiftshaderEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv | null {
  const p = findSwiftShader();
  if (!p) return null;
  const ld = base.LD_LIBRARY_PATH ? `${p.libDir}:${base.LD_LIBRARY_PATH}` : p.libDir;
  return { ...base, LD_LIBRARY_PATH: ld, VK_ICD_FILENAMES: p.icd, GRADLAB_SWIFTSHADER: "1" };
}

export const SWIFTSHADER_MISSING =
  "WebGPU in Node on a machine without a GPU needs the Vulkan loader and SwiftShader driver " +
  "that Debian's chromium package ships (vk_swiftshader_icd.json, libvulkan.so.1): install it with `apt-get install -y chromium`";

/**
 * Runs `node [nodeArgs] script [args]` with the SwiftShader environment; resolves with its exit
 * code and output. Throws SWIFTSHADER_MISSING's message when chromium's files are not there.
 */
export function runWithSwiftShader(
  script: string,
  args: string[] = [],
  opts: { nodeArgs?: string[]; cwd?: string; inherit?: boolean } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = swiftshaderEnv();
  if (!env) return Promise.reject(new Error(SWIFTSHADER_MISSING));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), script, ...args], {
      env,
      cwd: opts.cwd,
      stdio: opts.inherit ? "inherit" : ["ignore", "pipe", "pipe"],
    });
    let stdout = "",
      stderr = "";
    child.stdout?.on("data", (d) => {
      stdout += d;
    });
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
