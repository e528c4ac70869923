/**
 * File chores of the run folder: reading its small JSON files with caps, creating it with an
 * error that says why (a read-only file system made Node report ENOENT), and sweeping what a
 * killed process left behind.
 */
import { access, constants, mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { describeWriteError } from "../io/atomic_node.js";
import { jsonNestingBeyond } from "../io/json_depth.js";
import { FileReadError, readRegularTextFile } from "../io/read_node.js";
import { CliError } from "./errors.js";

/** Deepest nesting gradlab's own JSON files have (state.json: object → optimizer → groups → group → betas). */
const MAX_JSON_DEPTH = 16;

/**
 * Reads and parses a small JSON file: a regular file of at most `maxBytes`, nested at most 16
 * deep (deeper values overflow the stack when printed), valid JSON. Errors are one-line CliErrors.
 *
 * @param missing - The message when the file does not exist.
 */
export function readJsonFile(path: string, opts: { maxBytes: number; what: string; missing?: string }): unknown {
  return readJsonFileWithText(path, opts).value;
}

/** {@link readJsonFile}, also returning the text it parsed (e.g. to check a digest of it). */
export function readJsonFileWithText(
  path: string,
  opts: { maxBytes: number; what: string; missing?: string },
): { value: unknown; text: string } {
  let text: string;
  try {
    text = readRegularTextFile(path, { maxBytes: opts.maxBytes, what: opts.what });
  } catch (e) {
    if (e instanceof FileReadError && e.code === "ENOENT" && opts.missing) throw new CliError(opts.missing);
    if (e instanceof FileReadError) throw new CliError(e.message);
    throw e;
  }
  const deep = jsonNestingBeyond(text, MAX_JSON_DEPTH);
  if (deep) {
    throw new CliError(
      `${path} nests more than ${MAX_JSON_DEPTH} levels deep (at character ${deep.offset}); ` +
        "it is not a file gradlab wrote",
    );
  }
  try {
    return { value: JSON.parse(text), text };
  } catch (e) {
    throw new CliError(`${path} is not valid JSON (${(e as Error).message})`);
  }
}

/**
 * `mkdir -p dir`, with a failure said plainly: on a read-only file system Node reports ENOENT for
 * the first missing folder, so the nearest existing ancestor is asked whether it is writable.
 */
export async function makeRunFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    let anc = dirname(resolve(dir));
    for (;;) {
      try {
        await access(anc, constants.F_OK);
        break;
      } catch {
        /* keep climbing */
      }
      const up = dirname(anc);
      if (up === anc) break;
      anc = up;
    }
    try {
      await access(anc, constants.W_OK);
    } catch (w) {
      const code = (w as NodeJS.ErrnoException).code;
      if (code === "EROFS") {
        throw new CliError(
          `cannot create ${dir}: the file system holding ${anc} is read-only; ` + "choose an --out on a writable disk",
        );
      }
      if (code === "EACCES" || code === "EPERM") {
        throw new CliError(`cannot create ${dir}: no permission to write in ${anc}`);
      }
    }
    throw new CliError(describeWriteError(dir, e).message.replace(/^cannot write/, "cannot create"));
  }
}

/** Whether process `pid` exists on this machine (EPERM: it does, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** `name.tmp-<pid>`: what atomic writes leave when their process dies before the rename. */
const TEMP_NAME = /\.tmp-(\d+)$/;

/**
 * Removes the temporary files and folders (`*.tmp-<pid>`) of processes that no longer run, in
 * `dir` and the folders listed in `subdirs`: what a kill -9 or a second Ctrl-C leaves mid-save.
 *
 * @returns The paths removed.
 */
export async function removeLeftoverTemps(dir: string, subdirs: readonly string[] = []): Promise<string[]> {
  const removed: string[] = [];
  for (const d of [dir, ...subdirs.map((s) => join(dir, s))]) {
    let names: string[];
    try {
      names = await readdir(d);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = TEMP_NAME.exec(name);
      if (!m || pidAlive(Number(m[1]))) continue;
      await rm(join(d, name), { recursive: true, force: true });
      removed.push(join(d, name));
    }
  }
  return removed;
}
