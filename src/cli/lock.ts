/**
 * The run folder's lock: one `gradlab train` per folder at a time. Two runs writing the same
 * folder would each finish "successfully" while one silently overwrote the other.
 *
 * The lock is `train.lock`, a small JSON file `{ pid, host, started }` that appears complete or
 * not at all (written to a temporary file, then hard-linked into place, which fails if a lock
 * exists). A lock whose process is gone from this machine is stale and taken over; one from
 * another machine cannot be checked, so the message says how to remove it by hand.
 */
import { link, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { unlinkSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describeWriteError, writeSynced } from "../io/atomic_node.js";
import { CliError } from "./errors.js";
import { pidAlive } from "./files.js";

export const LOCK_FILE = "train.lock";

/** Who holds a lock. */
export interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

async function readLock(path: string): Promise<LockInfo | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return null;
  }
  try {
    const v = JSON.parse(text.length > 4096 ? "" : text) as LockInfo;
    if (Number.isSafeInteger(v.pid) && typeof v.host === "string" && typeof v.started === "string") return v;
  } catch {
    /* unreadable: treated as stale below */
  }
  return { pid: 0, host: hostname(), started: "?" };
}

/** A lock held by a process that still runs (or may: on another machine). */
const live = (l: LockInfo): boolean => l.host !== hostname() || pidAlive(l.pid);

function heldMessage(dir: string, l: LockInfo): string {
  if (l.host !== hostname()) {
    return (
      `${dir} is locked by a gradlab train on ${l.host} (pid ${l.pid}, started ${l.started}); ` +
      `if no run is active there, delete ${join(dir, LOCK_FILE)}`
    );
  }
  return (
    `${dir} is in use by another gradlab train (pid ${l.pid}, started ${l.started}); ` +
    "wait for it to finish, or train into another --out"
  );
}

/**
 * Puts the lock in place, failing with EEXIST if one is there. A hard link of a complete file is
 * atomic; file systems without hard links (FAT) get an exclusive create instead.
 */
async function placeLock(tmp: string, path: string, mine: LockInfo): Promise<void> {
  try {
    await link(tmp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    if (!["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"].includes(code)) throw e;
    await writeFile(path, JSON.stringify(mine) + "\n", { flag: "wx" });
  }
}

/** The live holder of `dir`'s lock, or null when the folder is free (no lock, or a stale one). */
export async function lockHolder(dir: string): Promise<LockInfo | null> {
  const l = await readLock(join(dir, LOCK_FILE));
  return l && live(l) ? l : null;
}

/**
 * Takes `dir`'s lock (the folder must exist), taking over a stale one.
 *
 * @returns A release function (also run if the process exits without calling it).
 * @throws CliError when another live run holds the lock.
 */
export async function acquireRunLock(dir: string): Promise<() => void> {
  const path = join(dir, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  const tmp = `${path}.tmp-${process.pid}`;
  await writeSynced(tmp, JSON.stringify(mine) + "\n", path);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await placeLock(tmp, path, mine);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 2) throw describeWriteError(path, e);
      }
      const held = await readLock(path);
      if (held && live(held)) throw new CliError(heldMessage(dir, held));
      // Stale: move it aside first, so that of two runs taking it over at once only one does,
      // and check that what was moved is the stale lock and not a newcomer's fresh one.
      const aside = `${path}.stale-${process.pid}`;
      try {
        await rename(path, aside);
      } catch {
        continue;
      }
      const moved = await readLock(aside);
      if (moved && live(moved)) {
        await link(aside, path).catch(() => undefined);
        await unlink(aside).catch(() => undefined);
        throw new CliError(heldMessage(dir, moved));
      }
      await unlink(aside).catch(() => undefined);
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off("exit", release);
    // Synchronous: it also runs from the "exit" event (a second Ctrl-C quits with process.exit).
    try {
      unlinkSync(path);
    } catch {
      /* already gone */
    }
  };
  process.on("exit", release);
  return release;
}
