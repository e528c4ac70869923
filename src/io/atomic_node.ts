/**
 * Atomic file writes (Node): readers see the old file or the complete new one, never a torn
 * write, even if the process dies midway. Bytes go to `path.tmp-<pid>`, are fsynced, renamed over
 * `path` (atomic on POSIX within one file system), and the directory is fsynced so the rename
 * itself survives a power loss.
 */
import { open, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";

type Contents = Uint8Array | string;

/**
 * A write that failed, said plainly and naming the file meant (not its temporary name): Node's own
 * "ENOSPC: no space left on device, write" names neither. `code` is Node's errno code.
 */
export class FileWriteError extends Error {
  override name = "FileWriteError";
  constructor(
    message: string,
    readonly path: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Why a write to `path` failed, for people; the errno code stays on the error. */
export function describeWriteError(path: string, e: unknown): FileWriteError {
  if (e instanceof FileWriteError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ENOSPC: "no space left on the device",
    EDQUOT: "the disk quota is used up",
    EROFS: "the file system is read-only",
    EACCES: "permission denied",
    EPERM: "permission denied",
    EISDIR: "it is a directory",
    ENOENT: "its folder does not exist",
    ENOTDIR: "a folder on its path is a file",
    EFBIG: "the file is larger than this file system or process allows",
  };
  const text = code && why[code] ? `${why[code]} (${code})` : (e as Error).message;
  return new FileWriteError(`cannot write ${path}: ${text}`, path, code);
}

/** Writes `data` to a new file `tmp` and fsyncs it; errors name `path`, the file the caller means. */
export async function writeSynced(tmp: string, data: Contents, path = tmp): Promise<void> {
  try {
    const fh = await open(tmp, "w");
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw describeWriteError(path, e);
  }
}

async function writeTemp(path: string, data: Contents): Promise<string> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeSynced(tmp, data, path);
  return tmp;
}

/** Rename runs under way: a set renamed halfway would pair new files with old ones. */
const inFlight = new Set<Promise<void>>();

/**
 * Resolves once every set of renames under way has finished (at once when none is): what a
 * process that must quit now (a second Ctrl-C) waits for, so a checkpoint is never half new.
 */
export function renamesSettled(): Promise<void> {
  return Promise.allSettled([...inFlight]).then(() => undefined);
}

/** Whether a set of renames is under way. */
export const renamesInFlight = (): boolean => inFlight.size > 0;

/** Writes one file atomically. */
export async function writeFileAtomic(path: string, data: Contents): Promise<void> {
  await writeFilesAtomic([[path, data]]);
}

/**
 * Writes several files that belong together: every temporary file is written and synced first,
 * then all are renamed back to back, in order — so a kill can only fall between renames, not
 * between writes. Put the file whose presence marks the set complete last.
 */
export async function writeFilesAtomic(files: readonly (readonly [string, Contents])[]): Promise<void> {
  const temps: [string, string][] = [];
  try {
    for (const [path, data] of files) temps.push([await writeTemp(path, data), path]);
    const renames = (async () => {
      for (const [tmp, path] of temps)
        await rename(tmp, path).catch((e) => {
          throw describeWriteError(path, e);
        });
    })();
    inFlight.add(renames);
    try {
      await renames;
    } finally {
      inFlight.delete(renames);
    }
  } catch (e) {
    await Promise.all(temps.map(([tmp]) => unlink(tmp).catch(() => undefined)));
    throw e;
  }
  for (const dir of new Set(files.map(([p]) => dirname(p)))) await syncDirectory(dir);
}

/** Some platforms cannot fsync a directory, which is fine to ignore: the data itself is synced. */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const fh = await open(dir, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* Windows and some file systems refuse */
  }
}
