/**
 * Node-only file helpers for safetensors. Kept apart from `safetensors.ts` so
 * that browser bundles importing the codec never pull in `fs`.
 */
import { open, readFile, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import type { StateDictLike } from "./named_array.js";
import {
  type DecodedSafetensors,
  decodeSafetensors,
  encodeSafetensors,
  type SafetensorsMetadata,
} from "./safetensors.js";

/**
 * Reads and validates a safetensors file. Errors name the file.
 *
 * @param path - File to read.
 * @throws {@link SafetensorsError} for a malformed file; fs errors as thrown by Node.
 */
export async function readSafetensorsFile(path: string): Promise<DecodedSafetensors> {
  const bytes = await readFile(path);
  return decodeSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { source: path });
}

/**
 * Writes tensors to `path` atomically: readers see either the old file or the
 * complete new one, never a torn write, even if the process dies midway.
 *
 * The bytes go to `path + ".tmp-<pid>"`, are fsynced, and the temporary file
 * is renamed over `path` (atomic on POSIX within one file system).
 *
 * @param path - Destination file.
 * @param tensors - Named arrays to store.
 * @param metadata - Optional `__metadata__` strings.
 */
export async function writeSafetensorsFile(
  path: string,
  tensors: StateDictLike,
  metadata?: SafetensorsMetadata,
): Promise<void> {
  // Encode first so that an invalid state dict never leaves a temp file behind.
  const bytes = encodeSafetensors(tensors, metadata);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fh = await open(tmp, "w");
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dirname(path));
}

/** Makes the rename itself durable; some platforms cannot fsync a directory, which is fine to ignore. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const fh = await open(dir, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Windows and some file systems refuse; the data itself is already synced.
  }
}
