/**
 * IDX file format (the format MNIST, Fashion-MNIST, EMNIST, KMNIST ship in).
 *
 * Layout (all multi-byte numbers big-endian):
 *
 * ```
 * offset 0   u8  0x00
 * offset 1   u8  0x00
 * offset 2   u8  dtype   0x08 ubyte | 0x09 sbyte | 0x0B i16 | 0x0C i32 | 0x0D f32 | 0x0E f64
 * offset 3   u8  ndims
 * offset 4   u32 size[0] ... u32 size[ndims-1]
 * then       prod(size) elements of dtype, row-major (last dimension fastest)
 * ```
 *
 * This module is pure and browser-safe: no `fs`, no `zlib`. Gzip input (first bytes `1f 8b`) is
 * handled by {@link parseIdx} when you pass a synchronous `gunzip` (Node: `zlib.gunzipSync`, or
 * use `readIdxFile` from `idx_node.ts`), or by {@link parseIdxAsync}, which uses the web-standard
 * `DecompressionStream("gzip")` (browsers, Node >= 18).
 *
 * Trailing bytes after the data the header describes are an error by default (they usually mean
 * a wrong or corrupted file); pass `trailing: "ignore"` to accept them.
 */

/** Element type of an IDX file, named after the IDX spec. */
export type IdxDType = "ubyte" | "sbyte" | "short" | "int" | "float" | "double";

/** The typed array an IDX dtype decodes into. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file: `data.length === shape.reduce((a, b) => a * b, 1)`, row-major. */
export interface IdxArray {
  shape: number[];
  dtype: IdxDType;
  data: IdxData;
}

/** Every malformed-file problem is reported as an `IdxError` whose message names the file. */
export class IdxError extends Error {
  /** The file (or caller-supplied name) the error is about. */
  readonly file: string;
  constructor(file: string, message: string) {
    super(message);
    this.name = "IdxError";
    this.file = file;
  }
}

interface DTypeInfo {
  code: number;
  dtype: IdxDType;
  bytes: number;
  label: string;
}

const DTYPES: readonly DTypeInfo[] = [
  { code: 0x08, dtype: "ubyte", bytes: 1, label: "unsigned byte" },
  { code: 0x09, dtype: "sbyte", bytes: 1, label: "signed byte" },
  { code: 0x0b, dtype: "short", bytes: 2, label: "int16" },
  { code: 0x0c, dtype: "int", bytes: 4, label: "int32" },
  { code: 0x0d, dtype: "float", bytes: 4, label: "float32" },
  { code: 0x0e, dtype: "double", bytes: 8, label: "float64" },
];
const BY_CODE = new Map(DTYPES.map((d) => [d.code, d]));
const BY_NAME = new Map(DTYPES.map((d) => [d.dtype, d]));

/** The IDX type byte for a dtype (e.g. `"ubyte"` → `0x08`). */
export function idxDTypeCode(dtype: IdxDType): number {
  const info = BY_NAME.get(dtype);
  if (!info) throw new TypeError(`unknown IDX dtype "${String(dtype)}"`);
  return info.code;
}

/** Bytes per element of an IDX dtype. */
export function idxDTypeSize(dtype: IdxDType): number {
  return BY_NAME.get(dtype)!.bytes;
}

/** True when `bytes` starts with the gzip magic `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export interface ParseIdxOptions {
  /**
   * Synchronous gunzip used when the input starts with `1f 8b` (Node: `zlib.gunzipSync`).
   * Without it, gzip input is an error that points at `parseIdxAsync` / `readIdxFile`.
   */
  gunzip?: (bytes: Uint8Array) => Uint8Array;
  /** What to do with bytes after the data the header describes. Default `"error"`. */
  trailing?: "error" | "ignore";
}

const hex = (bytes: Uint8Array, n: number): string =>
  Array.from(bytes.subarray(0, n), (b) => b.toString(16).padStart(2, "0")).join(" ");

const toU8 = (b: Uint8Array | ArrayBuffer): Uint8Array => (b instanceof Uint8Array ? b : new Uint8Array(b));

/**
 * Parses an IDX file.
 *
 * @param bytes the whole file; may be gzip-compressed if `opts.gunzip` is given.
 * @param name  used in error messages (typically the file name). Default `"IDX data"`.
 * @returns `{ shape, dtype, data }` where `shape` has `ndims` entries (e.g. `[60000, 28, 28]`)
 *   and `data` is a fresh typed array (never aliasing `bytes`) of `prod(shape)` elements,
 *   converted from big-endian to host order.
 * @throws IdxError for wrong magic, unknown dtype byte, truncated header/data, trailing bytes
 *   (unless `trailing: "ignore"`), or gzip input that cannot be decompressed.
 */
export function parseIdx(bytes: Uint8Array | ArrayBuffer, name = "IDX data", opts: ParseIdxOptions = {}): IdxArray {
  let b = toU8(bytes);
  if (isGzip(b)) {
    if (!opts.gunzip) {
      throw new IdxError(
        name,
        `${name} is gzip-compressed (starts with 1f 8b); decompress it first, pass { gunzip } to parseIdx, or use parseIdxAsync / readIdxFile.`,
      );
    }
    b = gunzipOrThrow(b, name, opts.gunzip);
  }
  return decode(b, name, opts.trailing ?? "error");
}

/**
 * Like {@link parseIdx}, but decompresses gzip input with the web-standard
 * `DecompressionStream("gzip")`, so it works in browsers without any Node module.
 * Shapes and errors are the same as {@link parseIdx}.
 */
export async function parseIdxAsync(
  bytes: Uint8Array | ArrayBuffer,
  name = "IDX data",
  opts: { trailing?: "error" | "ignore" } = {},
): Promise<IdxArray> {
  let b = toU8(bytes);
  if (isGzip(b)) {
    try {
      b = await gunzipStream(b);
    } catch (e) {
      throw new IdxError(
        name,
        `${name} looks gzip-compressed (starts with 1f 8b) but could not be decompressed: ${errMsg(e)}`,
      );
    }
  }
  return decode(b, name, opts.trailing ?? "error");
}

/** Gunzips with `DecompressionStream` (browsers, Node >= 18). */
export async function gunzipStream(bytes: Uint8Array): Promise<Uint8Array> {
  const DS = (globalThis as { DecompressionStream?: typeof DecompressionStream }).DecompressionStream;
  if (!DS) throw new Error("DecompressionStream is not available in this environment");
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DS("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function gunzipOrThrow(b: Uint8Array, name: string, gunzip: (b: Uint8Array) => Uint8Array): Uint8Array {
  try {
    return gunzip(b);
  } catch (e) {
    if (e instanceof IdxError) throw e; // already a sentence about this file (e.g. a size cap)
    throw new IdxError(
      name,
      `${name} looks gzip-compressed (starts with 1f 8b) but could not be decompressed: ${errMsg(e)}`,
    );
  }
}

const errMsg = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** What an IDX header says: the first `headerLen` bytes of the file. */
export interface IdxHeader {
  shape: number[];
  dtype: IdxDType;
  /** 4 + 4 · ndims. */
  headerLen: number;
  /** Bytes of data the shape and dtype call for. */
  dataBytes: number;
}

/**
 * Validates the magic number, dtype byte and dimensions at the start of an IDX file — enough to
 * know how many bytes the file should hold before reading (or allocating) any of its data.
 *
 * @param b - The file's first bytes: at least 4 + 4 · ndims of them (the whole file will do).
 * @throws IdxError for a wrong magic number, unknown dtype or a header cut short.
 */
export function parseIdxHeader(b: Uint8Array, name = "IDX data"): IdxHeader {
  if (b.length === 0) throw new IdxError(name, `${name} is empty (0 bytes), so it cannot be an IDX file.`);
  if (b.length < 4) {
    throw new IdxError(
      name,
      `${name} is only ${b.length} byte${b.length === 1 ? "" : "s"} long, too short for the 4-byte IDX magic number (first bytes are ${hex(b, 4)}).`,
    );
  }
  if (b[0] !== 0 || b[1] !== 0) {
    throw new IdxError(
      name,
      `${name} is not an IDX file: first bytes are ${hex(b, 4)}, but an IDX file starts with 00 00, a type byte and a dimension count.`,
    );
  }
  const info = BY_CODE.get(b[2]);
  if (!info) {
    const known = DTYPES.map((d) => `0x${d.code.toString(16).padStart(2, "0")} (${d.dtype})`).join(", ");
    throw new IdxError(
      name,
      `${name} has unknown IDX dtype byte 0x${b[2].toString(16).padStart(2, "0")} (known: ${known}).`,
    );
  }
  const ndims = b[3];
  const headerLen = 4 + 4 * ndims;
  if (b.length < headerLen) {
    throw new IdxError(
      name,
      `${name} is truncated: its header declares ${ndims} dimensions and needs ${headerLen} bytes, but the file has only ${b.length}.`,
    );
  }
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const s = view.getUint32(4 + 4 * i, false);
    shape.push(s);
    count *= s;
  }
  return { shape, dtype: info.dtype, headerLen, dataBytes: count * info.bytes };
}

/**
 * Checks that `present` bytes after the header are what it calls for.
 *
 * @throws IdxError for truncated data, or for trailing bytes unless `trailing` is `"ignore"`.
 */
export function checkIdxDataSize(h: IdxHeader, present: number, name: string, trailing: "error" | "ignore"): void {
  const info = BY_NAME.get(h.dtype)!;
  const dims = h.shape.length === 0 ? "a scalar" : h.shape.join("x");
  if (present < h.dataBytes) {
    const eq =
      info.bytes === 1 ? `${dims} = ${h.dataBytes} bytes` : `${dims} ${info.label} values = ${h.dataBytes} bytes`;
    throw new IdxError(
      name,
      `${name} is truncated: header says ${eq} of data but only ${present} ${present === 1 ? "is" : "are"} present.`,
    );
  }
  if (present > h.dataBytes && trailing === "error") {
    const extra = present - h.dataBytes;
    throw new IdxError(
      name,
      `${name} has ${extra} unexpected trailing byte${extra === 1 ? "" : "s"} after the ` +
        `${h.dataBytes} bytes of data its header (${dims} ${info.dtype}) describes; ` +
        'pass trailing: "ignore" to accept them.',
    );
  }
}

function decode(b: Uint8Array, name: string, trailing: "error" | "ignore"): IdxArray {
  const h = parseIdxHeader(b, name);
  checkIdxDataSize(h, b.length - h.headerLen, name, trailing);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const count = h.dataBytes / BY_NAME.get(h.dtype)!.bytes;
  return { shape: h.shape, dtype: h.dtype, data: readData(b, view, h.headerLen, count, h.dtype) };
}

function readData(b: Uint8Array, view: DataView, off: number, n: number, dtype: IdxDType): IdxData {
  switch (dtype) {
    case "ubyte":
      return b.slice(off, off + n);
    case "sbyte":
      return new Int8Array(b.slice(off, off + n).buffer);
    case "short": {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(off + 2 * i, false);
      return out;
    }
    case "int": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(off + 4 * i, false);
      return out;
    }
    case "float": {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(off + 4 * i, false);
      return out;
    }
    case "double": {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(off + 8 * i, false);
      return out;
    }
  }
}

/**
 * Encodes an array as an (uncompressed) IDX file, the inverse of {@link parseIdx}.
 *
 * @param arr `shape` (each entry an integer in [0, 2^32), at most 255 dimensions), `dtype`, and
 *   `data` with exactly `prod(shape)` elements; values are converted to the dtype as typed-array
 *   assignment would (e.g. wrapped for integer types, rounded to float32 for `"float"`).
 * @returns the file bytes: `4 + 4 * shape.length + prod(shape) * sizeof(dtype)` of them.
 */
export function encodeIdx(arr: { shape: readonly number[]; dtype: IdxDType; data: ArrayLike<number> }): Uint8Array {
  const { shape, dtype, data } = arr;
  const code = idxDTypeCode(dtype);
  if (shape.length > 255)
    throw new RangeError(`encodeIdx: an IDX file has at most 255 dimensions, got ${shape.length}`);
  let count = 1;
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0 || s > 0xffffffff)
      throw new RangeError(`encodeIdx: bad dimension size ${s} in shape [${shape.join(", ")}]`);
    count *= s;
  }
  if (data.length !== count) {
    throw new RangeError(`encodeIdx: shape [${shape.join(", ")}] needs ${count} elements but data has ${data.length}`);
  }
  const size = idxDTypeSize(dtype);
  const headerLen = 4 + 4 * shape.length;
  const out = new Uint8Array(headerLen + count * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = shape.length;
  shape.forEach((s, i) => view.setUint32(4 + 4 * i, s, false));
  const off = headerLen;
  switch (dtype) {
    case "ubyte":
      for (let i = 0; i < count; i++) view.setUint8(off + i, data[i]);
      break;
    case "sbyte":
      for (let i = 0; i < count; i++) view.setInt8(off + i, data[i]);
      break;
    case "short":
      for (let i = 0; i < count; i++) view.setInt16(off + 2 * i, data[i], false);
      break;
    case "int":
      for (let i = 0; i < count; i++) view.setInt32(off + 4 * i, data[i], false);
      break;
    case "float":
      for (let i = 0; i < count; i++) view.setFloat32(off + 4 * i, data[i], false);
      break;
    case "double":
      for (let i = 0; i < count; i++) view.setFloat64(off + 8 * i, data[i], false);
      break;
  }
  return out;
}
