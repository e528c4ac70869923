/**
 * Node-only file helpers for safetensors. Kept apart from `safetensors.ts` so
 * that browser bundles importing the codec never pull in `fs`.
 */
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "./atomic_node.js";
import type { NamedArraysLike } from "./named_array.js";
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
  tensors: NamedArraysLike,
  metadata?: SafetensorsMetadata,
): Promise<void> {
  // Encode first so that an invalid state dict never leaves a temp file behind.
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

