/**
 * Node-only file helpers for safetensors. Kept apart from `safetensors.ts` so
 * that browser bundles importing the codec never pull in `fs`.
 */
import { writeFileAtomic } from "./atomic_node.js";
import type { NamedArraysLike } from "./named_array.js";
import { formatBytes, RegularFile } from "./read_node.js";
import {
  type DecodedSafetensors,
  decodeSafetensorsData,
  decodeSafetensorsHeader,
  encodeSafetensors,
  type SafetensorsHeader,
  safetensorsHeaderLength,
  SafetensorsError,
  type SafetensorsMetadata,
} from "./safetensors.js";

/** Options for {@link readSafetensorsFile}. */
export interface ReadSafetensorsOptions {
  /** Refuse files whose tensors take more bytes than this (checked from the header, before reading them). */
  maxDataBytes?: number;
  /**
   * Called with the validated header — names, dtypes, shapes, metadata — before any tensor data
   * is read; throw to refuse the file (e.g. shapes that do not fit a model) without allocating it.
   */
  inspect?(header: SafetensorsHeader): void;
}

/**
 * Reads and validates a safetensors file, header first: the 8-byte prefix, then the header, then
 * (once the header is valid, `inspect` agrees and the size is within `maxDataBytes`) the data.
 * Errors name the file. Only regular files are read.
 *
 * @param path - File to read.
 * @throws {@link SafetensorsError} for a malformed file; {@link FileReadError} for one that cannot be read
 *   (missing, a directory, a FIFO or device).
 */
export async function readSafetensorsFile(
  path: string,
  opts: ReadSafetensorsOptions = {},
): Promise<DecodedSafetensors> {
  const f = RegularFile.open(path);
  try {
    const source = { source: path };
    const prefix = f.read(0, Math.min(8, f.size));
    const headerLen = safetensorsHeaderLength(prefix, f.size, source);
    const head = new Uint8Array(8 + headerLen);
    head.set(prefix);
    head.set(f.read(8, headerLen), 8);
    const header = decodeSafetensorsHeader(head, f.size, source);
    opts.inspect?.(header);
    if (opts.maxDataBytes !== undefined && header.dataBytes > opts.maxDataBytes) {
      throw new SafetensorsError(
        `${path}: its tensors take ${formatBytes(header.dataBytes)}, ` +
          `more than the ${formatBytes(opts.maxDataBytes)} allowed here.`,
      );
    }
    return decodeSafetensorsData(header, f.read(header.dataStart, header.dataBytes));
  } finally {
    f.close();
  }
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
