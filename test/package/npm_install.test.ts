/**
 * Installing needs nothing but the npm registry and prints no warning of ours: onnxruntime-node's
 * postinstall (a GPU download from outside npm) is denied by package.json's allowScripts, not by an
 * .npmrc key npm does not know (it warned `Unknown project config "onnxruntime-node-install"`).
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");
const run = promisify(execFile);
// Neither the package's own environment switch nor anything the `npm test` running us exported.
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !k.toLowerCase().startsWith("npm_") && !k.startsWith("ONNXRUNTIME_NODE_INSTALL"),
  ),
);

it("npm runs onnxruntime-node's install step as npm ci does, without its download and without a warning", async () => {
  // `npm rebuild` runs a package's install scripts under the same policy as `npm ci`. Without the denial
  // the script looks up the GPU libraries' host and fails (exit 1) on a machine that reaches only npm.
  const r = await run("npm", ["rebuild", "onnxruntime-node", "--foreground-scripts"], { cwd: ROOT, env });
  expect(r.stdout + r.stderr).not.toMatch(/script\/install|Unknown .*config|warn/i);
  expect(r.stdout).toContain("rebuilt dependencies successfully");
});
