// Runs a script in a child Node whose environment points Dawn at SwiftShader (LD_LIBRARY_PATH
// must be set before Node starts) and returns the one JSON line it prints last.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runWithSwiftShader } from "../../src/backend/webgpu/swiftshader.js";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** The child prints Dawn's messages and then one JSON line. */
export function lastJson(stdout: string): Record<string, unknown> {
  const line = stdout
    .trim()
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("{"));
  if (!line) throw new Error(`no result from the child:\n${stdout}`);
  return JSON.parse(line) as Record<string, unknown>;
}

/** Runs `entry` (a .ts file) under tsx on SwiftShader; its last JSON line, with the exit code. */
export async function runGpuChild(
  entry: string,
  args: string[] = [],
): Promise<{ out: Record<string, unknown>; code: number | null; stderr: string }> {
  const r = await runWithSwiftShader(entry, args, { nodeArgs: ["--import", "tsx"], cwd: repoRoot });
  return { out: lastJson(r.stdout), code: r.code, stderr: r.stderr };
}

/** Runs an inline ES module under tsx where Vulkan finds no device, whatever the machine has. */
export function runWithoutAdapter(script: string): Record<string, unknown> {
  const env = { ...process.env, VK_ICD_FILENAMES: "/nonexistent.json", LD_LIBRARY_PATH: "" };
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: repoRoot,
    env,
    encoding: "utf8",
  });
  return lastJson(r.stdout);
}

/**
 * Runs test files of test/backend/gpu (its vitest config) in a child vitest on SwiftShader; the
 * names of the tests that passed and failed, and the failures' messages as one report.
 */
export async function runGpuVitest(file: string): Promise<{ passed: string[]; failed: string[]; report: string }> {
  const out = join(mkdtempSync(join(tmpdir(), "gradlab-gpu-")), "report.json");
  const vitest = join(repoRoot, "node_modules", "vitest", "vitest.mjs");
  const r = await runWithSwiftShader(
    vitest,
    ["run", "--config", "test/backend/gpu/vitest.config.ts", "--reporter=json", `--outputFile=${out}`, file],
    { cwd: repoRoot },
  );
  if (!existsSync(out)) throw new Error(`the child vitest wrote no report (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  const json = JSON.parse(readFileSync(out, "utf8")) as {
    testResults: {
      message?: string;
      assertionResults: { fullName: string; status: string; failureMessages: string[] }[];
    }[];
  };
  const all = json.testResults.flatMap((f) => f.assertionResults);
  const failed = all.filter((a) => a.status !== "passed");
  const fileErrors = json.testResults.map((f) => f.message).filter((m) => m);
  return {
    passed: all.filter((a) => a.status === "passed").map((a) => a.fullName),
    failed: [...failed.map((a) => a.fullName), ...fileErrors.map((m) => `file error: ${m}`)],
    report: [
      ...failed.map((a) => `${a.fullName}: ${a.failureMessages.join("\n").split("\n").slice(0, 3).join(" | ")}`),
      ...fileErrors,
    ].join("\n"),
  };
}
