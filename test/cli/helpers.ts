// Shared helpers for the CLI tests: run `gradlab` in-process (fast) or as a child process (signals, exit codes).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { main } from "../../src/cli/main.js";

export const ROOT = resolve(__dirname, "../..");
export const tmp = (name: string) => mkdtempSync(join(tmpdir(), `gradlab-${name}-`));

export interface Run {
  code: number;
  out: string[];
  err: string[];
}

/** Runs the CLI in this process with captured output. */
export async function cli(...argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), isTTY: false });
  return { code, out, err };
}

/** What a child process run of the CLI gives: also its raw output and the signal that ended it, if any. */
export type ChildRun = Run & { stdout: string; stderr: string; signal: NodeJS.Signals | null };

/**
 * Runs the CLI from source in a child process (with `env` added to this one's); `onLine` sees
 * stdout lines as they come.
 */
export function cliChild(
  argv: string[],
  onLine?: (line: string, child: ReturnType<typeof spawn>) => void,
  env: Record<string, string> = {},
): Promise<ChildRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...argv], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    let pending = "";
    child.stdout.on("data", (b: Buffer) => {
      stdout += b;
      pending += b;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const l of lines) onLine?.(l, child);
    });
    child.stderr.on("data", (b: Buffer) => {
      stderr += b;
    });
    child.on("error", fail);
    const lines = (s: string) => s.split("\n").filter(Boolean);
    child.on("close", (code, signal) =>
      done({ code: code ?? -1, signal, out: lines(stdout), err: lines(stderr), stdout, stderr }),
    );
  });
}

/** One line, no stack trace, starting with "gradlab:". */
export function expectOneLine(err: string[]): string {
  if (err.length !== 1) throw new Error(`expected exactly one error line, got:\n${err.join("\n")}`);
  if (!err[0].startsWith("gradlab: ")) throw new Error(`error line should start with "gradlab: ": ${err[0]}`);
  if (/\n\s+at /.test(err[0])) throw new Error("stack trace in output");
  return err[0];
}

/** The newest committed checkpoint folder of a run folder (`checkpoints/<seq>`), or throws when there is none. */
export function checkpointDir(runDir: string): string {
  const seqs = readdirSync(join(runDir, "checkpoints"))
    .filter((n) => /^\d+$/.test(n))
    .sort();
  if (!seqs.length) throw new Error(`${runDir} has no committed checkpoint`);
  return join(runDir, "checkpoints", seqs[seqs.length - 1]);
}
