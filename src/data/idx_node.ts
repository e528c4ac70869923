/**
 * Node-only IDX helpers: read/write IDX files from disk, gunzipping `.gz` files transparently.
 * The pure parser lives in `idx.ts` (browser-safe); this file adds `fs` and `zlib`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { encodeIdx, IdxError, parseIdx, type IdxArray, type IdxDType } from "./idx.js";

/** Synchronous gunzip for `parseIdx({ gunzip })`, backed by `zlib.gunzipSync`. */
export function nodeGunzip(bytes: Uint8Array): Uint8Array {
  // A small .gz can claim gigabytes; no IDX file gradlab reads is anywhere near 1 GiB.
  return gunzipSync(bytes, { maxOutputLength: 2 ** 30 });
}

/**
 * Reads and parses an IDX file (gzip detected by content, not by extension).
 *
 * @param path file path; error messages name it.
 * @returns `{ shape, dtype, data }` as {@link parseIdx}.
 * @throws IdxError if the file is missing/unreadable or malformed.
 */
export function readIdxFile(path: string, opts: { trailing?: "error" | "ignore" } = {}): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "it does not exist" : (e as Error).message;
    throw new IdxError(path, `cannot read IDX file ${path}: ${why}.`);
  }
  return parseIdx(bytes, path, { gunzip: nodeGunzip, trailing: opts.trailing });
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
