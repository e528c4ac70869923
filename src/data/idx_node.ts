/**
 * Node-only IDX helpers: read/write IDX files from disk, gunzipping `.gz` files transparently.
 * The pure parser lives in `idx.ts` (browser-safe); this file adds `fs` and `zlib`.
 */
import { writeFileSync } from "node:fs";
import { basename } from "node:path";
import { constants as zlibConstants, gunzipSync, gzipSync } from "node:zlib";
import { FileReadError, formatBytes, RegularFile } from "../io/read_node.js";
import {
  checkIdxDataSize,
  encodeIdx,
  IdxError,
  isGzip,
  parseIdx,
  parseIdxHeader,
  type IdxArray,
  type IdxDType,
} from "./idx.js";

/**
 * Largest IDX file read by default, compressed or not (MNIST's biggest is 47 MB; EMNIST's
 * about 700 MB): a file claiming more is refused from its header, before any allocation.
 */
export const MAX_IDX_BYTES = 2 ** 30;

/** Synchronous gunzip for `parseIdx({ gunzip })`, backed by `zlib.gunzipSync`. */
export function nodeGunzip(bytes: Uint8Array): Uint8Array {
  // A small .gz can claim gigabytes; no IDX file gradlab reads is anywhere near 1 GiB.
  return gunzipSync(bytes, { maxOutputLength: MAX_IDX_BYTES });
}

/** Compressed bytes inflated to find the header of a gzipped file (≤ ~2 MB of output at deflate's best ratio). */
const GZIP_HEAD_PROBE = 2048;

export interface ReadIdxOptions {
  trailing?: "error" | "ignore";
  /** Refuse files (and decompressed contents) larger than this. Default {@link MAX_IDX_BYTES}. */
  maxBytes?: number;
}

/**
 * Reads and parses an IDX file (gzip detected by content, not by extension), header first: the
 * size its header declares is checked against the file (and `maxBytes`) before the data is read
 * or inflated. Only regular files are read.
 *
 * @param path file path; error messages name it.
 * @returns `{ shape, dtype, data }` as {@link parseIdx}.
 * @throws IdxError if the file is missing, unreadable, not a regular file, too large or malformed.
 */
export function readIdxFile(path: string, opts: ReadIdxOptions = {}): IdxArray {
  const trailing = opts.trailing ?? "error";
  const max = opts.maxBytes ?? MAX_IDX_BYTES;
  let f: RegularFile;
  try {
    f = RegularFile.open(path);
  } catch (e) {
    const msg = (e as Error).message;
    // "cannot read X: it does not exist" reads better as "cannot read IDX file X: ...".
    const plain = e instanceof FileReadError && msg.startsWith("cannot read ");
    throw new IdxError(path, plain ? `cannot read IDX file ${msg.slice(12)}.` : `${msg}.`);
  }
  try {
    const tooBig = (what: string, n: number) =>
      new IdxError(path, `${path} ${what} ${formatBytes(n)}; IDX files larger than ${formatBytes(max)} are refused.`);
    const first = f.read(0, Math.min(4, f.size));
    if (isGzip(first)) {
      if (f.size > max) throw tooBig("is a gzip file of", f.size);
      const gz = f.read(0, f.size);
      // The header from a prefix of the stream (Z_SYNC_FLUSH: a cut stream is not an error here),
      // so a bomb is refused from what it declares rather than inflated up to the cap.
      let head: Uint8Array | null = null;
      try {
        head = gunzipSync(gz.subarray(0, GZIP_HEAD_PROBE), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      } catch {
        /* corrupt: parseIdx below says so */
      }
      let limit = max;
      if (head && head.length >= 4 && head.length >= 4 + 4 * head[3]) {
        const h = parseIdxHeader(head, path);
        const declared = h.headerLen + h.dataBytes;
        if (declared > max) throw tooBig("declares (once decompressed)", declared);
        // One byte more than declared is enough to tell trailing bytes from none.
        if (trailing === "error") limit = declared + 1;
      }
      return parseIdx(gz, path, { gunzip: (b) => gunzipCapped(b, limit, path, trailing), trailing });
    }
    const h = parseIdxHeader(f.read(0, Math.min(f.size, 4 + 4 * (first[3] ?? 0))), path);
    checkIdxDataSize(h, f.size - h.headerLen, path, trailing);
    if (h.headerLen + h.dataBytes > max) throw tooBig("declares", h.headerLen + h.dataBytes);
    return parseIdx(f.read(0, h.headerLen + h.dataBytes), path, { trailing });
  } finally {
    f.close();
  }
}

/** gunzipSync with an output cap; output past the cap means trailing bytes (when `limit` is declared + 1). */
function gunzipCapped(b: Uint8Array, limit: number, path: string, trailing: "error" | "ignore"): Uint8Array {
  try {
    return gunzipSync(b, { maxOutputLength: limit });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new IdxError(
        path,
        trailing === "error"
          ? `${path} decompresses to more bytes than its header describes (unexpected trailing data); ` +
              'pass trailing: "ignore" to accept them.'
          : `${path} decompresses to more than ${formatBytes(limit)}; IDX files larger than that are refused.`,
      );
    }
    throw e;
  }
}

/**
 * Writes an array as an IDX file; gzip-compressed when `opts.gzip` is true (default: when the
 * path ends in `.gz`).
 */
export function writeIdxFile(
  path: string,
  arr: { shape: readonly number[]; dtype: IdxDType; data: ArrayLike<number> },
  opts: { gzip?: boolean } = {},
): void {
  const raw = encodeIdx(arr);
  const gz = opts.gzip ?? basename(path).endsWith(".gz");
  writeFileSync(path, gz ? gzipSync(raw) : raw);
}
