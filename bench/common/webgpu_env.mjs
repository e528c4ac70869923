// Where a bench script finds a WebGPU adapter in Node: a real GPU's when Dawn sees one; else the
// SwiftShader driver Debian's chromium ships, by re-running the script in a child whose environment
// points the Vulkan loader at it (the loader reads LD_LIBRARY_PATH/VK_ICD_FILENAMES once, at start).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runWithSwiftShader, swiftshaderEnv } from "../../dist/backend/webgpu/swiftshader.js";

/**
 * Returns when this process can use an adapter. Otherwise runs `scriptUrl` again on SwiftShader
 * (output inherited) and exits with its code. The probe runs in a throwaway process, so this one
 * loads Dawn at most once: a Dawn instance that found nothing keeps polling, which would slow the
 * SwiftShader run beside it.
 */
export async function onAdapterOrSwiftShader(scriptUrl, { quiet = false } = {}) {
  if (process.env.GRADLAB_SWIFTSHADER || !swiftshaderEnv()) return;
  const probe =
    "import { create } from 'webgpu'; const a = await create([]).requestAdapter(); process.exit(a ? 0 : 3);";
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", probe], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
  });
  if (r.status !== 3) return;
  if (!quiet) console.error("no GPU adapter in Node here; running on chromium's SwiftShader driver");
  const run = await runWithSwiftShader(fileURLToPath(scriptUrl), process.argv.slice(2), { inherit: true });
  if (run.code !== 0) console.error(`the SwiftShader run exited with ${run.code}`);
  process.exit(run.code ?? 1);
}
