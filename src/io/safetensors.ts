/**
 * The safetensors format (Hugging Face): an 8-byte little-endian u64 `N`,
 * `N` bytes of UTF-8 JSON describing each tensor's dtype, shape and byte range,
 * then the tensors' bytes packed back to back.
 *
 * The decoder treats its input as hostile: every number in the header is
 * checked against the file before it is used, and nothing is allocated until
 * the whole header has been validated, so a lying header can never make us
 * allocate more than the file's own size.
 *
 * Pure: no `fs`, usable in browsers. Node file helpers live in
 * `safetensors_node.ts`.
 */
import {
  HOST_IS_LITTLE_ENDIAN,
  type NamedArray,
  type NamedDType,
  type NamedArrays,
  type NamedArraysLike,
  shapeSize,
  namedArrayEntries,
} from "./named_array.js";
import { jsonNestingBeyond, shortJson } from "./json_depth.js";

/** The reference implementation refuses headers above this, and so do we. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Any problem reading or writing safetensors data; the message is one sentence naming it. */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SafetensorsError";
  }
}

/** Free-form string-to-string map stored under the header's `__metadata__` key. */
export type SafetensorsMetadata = Record<string, string>;

/** What {@link decodeSafetensors} returns. */
export interface DecodedSafetensors {
  /** Tensors in file (offset) order. */
  tensors: NamedArrays;
  metadata: SafetensorsMetadata;
}

/** Options for {@link decodeSafetensors}. */
export interface DecodeOptions {
  /** How errors name the input, e.g. a file path. Defaults to "safetensors data". */
  source?: string;
}

interface DTypeInfo {
  /** Bytes per element in the file. */
  size: number;
  /** What we decode it into. Narrow types are widened without loss. */
  target: NamedDType;
}

// Types gradlab stores natively, plus narrower ones that widen losslessly so
// that common half-precision checkpoints still load.
const DTYPES: Record<string, DTypeInfo> = {
  F64: { size: 8, target: "float64" },
  I64: { size: 8, target: "int64" },
  F32: { size: 4, target: "float32" },
  I32: { size: 4, target: "int32" },
  U32: { size: 4, target: "int64" },
  F16: { size: 2, target: "float32" },
  BF16: { size: 2, target: "float32" },
  I16: { size: 2, target: "int32" },
  U16: { size: 2, target: "int32" },
  I8: { size: 1, target: "int32" },
  U8: { size: 1, target: "int32" },
  BOOL: { size: 1, target: "int32" },
};

// Valid in the spec but with no lossless gradlab representation: named so the
// error can say "unsupported" rather than "unknown".
const UNSUPPORTED_DTYPES = new Set(["U64", "C64", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4"]);

const WRITE_DTYPE: Record<NamedDType, { code: string; size: number; ctor: Function }> = {
  float64: { code: "F64", size: 8, ctor: Float64Array },
  int64: { code: "I64", size: 8, ctor: BigInt64Array },
  float32: { code: "F32", size: 4, ctor: Float32Array },
  int32: { code: "I32", size: 4, ctor: Int32Array },
};

const METADATA_KEY = "__metadata__";

/**
 * Serialises tensors into safetensors bytes.
 *
 * Tensors are laid out by descending element size, then by name (as the
 * reference writer does), so every tensor starts at an offset aligned to its
 * element size; the header is padded with spaces to a multiple of 8 bytes.
 *
 * @param tensors - Named arrays; a `Map` or a plain object.
 * @param metadata - Optional string-to-string map stored as `__metadata__`.
 * @returns The complete file contents.
 * @throws {@link SafetensorsError} if an array's data does not match its shape
 *   or dtype, a name is `__metadata__`, or a metadata value is not a string.
 */
export function encodeSafetensors(tensors: NamedArraysLike, metadata?: SafetensorsMetadata): Uint8Array {
  const entries = namedArrayEntries(tensors);
  for (const [name, arr] of entries) checkArrayForWrite(name, arr);
  entries.sort(([na, a], [nb, b]) => {
    const bySize = WRITE_DTYPE[b.dtype].size - WRITE_DTYPE[a.dtype].size;
    return bySize !== 0 ? bySize : na < nb ? -1 : na > nb ? 1 : 0;
  });

  // No prototype: a tensor named "__proto__" must become a key, not the object's prototype.
  const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") {
        throw new SafetensorsError(`metadata value for "${k}" must be a string, got ${typeof v}.`);
      }
    }
    header[METADATA_KEY] = { ...metadata };
  }
  let offset = 0;
  for (const [name, arr] of entries) {
    const end = offset + arr.data.byteLength;
    header[name] = { dtype: WRITE_DTYPE[arr.dtype].code, shape: [...arr.shape], data_offsets: [offset, end] };
    offset = end;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);

  let pos = 8 + headerLen;
  for (const [, arr] of entries) {
    writeLittleEndian(out, pos, arr);
    pos += arr.data.byteLength;
  }
  return out;
}

/**
 * Parses safetensors bytes, validating the header completely before reading
 * any tensor data.
 *
 * Narrow dtypes are widened: F16/BF16 become float32, BOOL/U8/I8/U16/I16
 * become int32 and U32 becomes int64. U64, complex and 8/6/4-bit floats are
 * rejected. The returned arrays are copies and do not alias `bytes`.
 *
 * @param bytes - The whole file.
 * @param opts - `source` names the input in error messages.
 * @throws {@link SafetensorsError} naming the first problem found.
 */
export function decodeSafetensors(bytes: Uint8Array, opts: DecodeOptions = {}): DecodedSafetensors {
  const header = decodeSafetensorsHeader(bytes, bytes.length, opts);
  return decodeSafetensorsData(header, bytes.subarray(header.dataStart));
}

/** A validated safetensors header: what the file holds, before any tensor data is read. */
export interface SafetensorsHeader {
  /** Each tensor's decoded dtype, dtype in the file, shape and byte range in the data section, in data order. */
  tensors: Map<string, { dtype: NamedDType; fileDtype: string; shape: number[]; begin: number; end: number }>;
  metadata: SafetensorsMetadata;
  /** Offset of the data section in the file (8 + the header length). */
  dataStart: number;
  /** Length of the data section, which the tensors tile exactly. */
  dataBytes: number;
  /** How errors name the input. */
  source: string;
}

/** Deepest nesting a safetensors header needs is 3 (object → tensor → shape); allow some slack. */
export const MAX_HEADER_DEPTH = 8;

/**
 * Validates the 8-byte length prefix and the JSON header of a safetensors file of `fileLength`
 * bytes, without its data section: what a reader checks (and the caller inspects, e.g. shapes
 * against a model) before allocating anything for tensors.
 *
 * @param head - The file's first bytes: at least 8 + the header length (the whole file will do).
 * @param fileLength - The file's total size in bytes.
 * @throws {@link SafetensorsError} naming the first problem found.
 */
export function decodeSafetensorsHeader(
  head: Uint8Array,
  fileLength: number,
  opts: DecodeOptions = {},
): SafetensorsHeader {
  const src = opts.source ?? "safetensors data";
  const fail: Fail = (msg) => {
    throw new SafetensorsError(`${src}: ${msg}`);
  };
  const headerLen = safetensorsHeaderLength(head, fileLength, opts);
  if (head.length < 8 + headerLen) fail(`only ${head.length} of the header's ${8 + headerLen} bytes were given.`);

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(head.subarray(8, 8 + headerLen));
  } catch {
    return fail("header is not valid UTF-8.");
  }
  if (!text.startsWith("{")) fail(`header must be a JSON object starting with "{".`);
  const deep = jsonNestingBeyond(text, MAX_HEADER_DEPTH);
  if (deep) {
    fail(
      `header nests more than ${MAX_HEADER_DEPTH} levels deep (at character ${deep.offset}); ` +
        "a safetensors header needs 3: corrupt, or not a safetensors file.",
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message}).`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    fail("header must be a JSON object.");
  }

  const dataStart = 8 + headerLen;
  const dataLen = fileLength - dataStart;
  let metadata: SafetensorsMetadata = {};
  const infos: TensorInfo[] = [];
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      metadata = checkMetadata(value, fail);
    } else {
      infos.push(checkTensorInfo(name, value, dataLen, fail));
    }
  }
  checkLayout(infos, dataLen, fail);
  const tensors: SafetensorsHeader["tensors"] = new Map();
  for (const i of infos) {
    const { name, dtype, shape, begin, end } = i;
    tensors.set(name, { dtype: DTYPES[dtype]!.target, fileDtype: dtype, shape, begin, end });
  }
  return { tensors, metadata, dataStart, dataBytes: dataLen, source: src };
}

/**
 * The header length from a file's first 8 bytes, checked against the 100 MB limit and the file's size.
 *
 * @throws {@link SafetensorsError} for a file too short for the prefix or a length that cannot be right.
 */
export function safetensorsHeaderLength(head: Uint8Array, fileLength: number, opts: DecodeOptions = {}): number {
  const src = opts.source ?? "safetensors data";
  const fail: Fail = (msg) => {
    throw new SafetensorsError(`${src}: ${msg}`);
  };
  if (fileLength < 8 || head.length < 8) {
    fail(`is ${fileLength} bytes long, too short to hold the 8-byte header length.`);
  }
  const n = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    const whole =
      n > BigInt(fileLength) ? ` and the whole file (${fileLength} bytes): it is probably not a safetensors file` : "";
    fail(`header length ${n} bytes exceeds the ${MAX_HEADER_BYTES}-byte (100 MB) limit${whole}.`);
  }
  const headerLen = Number(n);
  if (8 + headerLen > fileLength) {
    fail(
      `header length ${headerLen} bytes runs past the end of the file (${fileLength} bytes in total): ` +
        "truncated, or not a safetensors file.",
    );
  }
  return headerLen;
}

/**
 * The tensors of a validated header, read from its data section (`data.length` must be
 * `header.dataBytes`). Arrays are fresh copies.
 */
export function decodeSafetensorsData(header: SafetensorsHeader, data: Uint8Array): DecodedSafetensors {
  if (data.length !== header.dataBytes) {
    throw new SafetensorsError(
      `${header.source}: the data section is ${data.length} bytes but the header describes ${header.dataBytes}.`,
    );
  }
  const tensors: NamedArrays = new Map();
  for (const [name, t] of header.tensors) {
    const values = readArray(t.fileDtype, data.subarray(t.begin, t.end));
    tensors.set(name, { shape: [...t.shape], dtype: t.dtype, data: values });
  }
  return { tensors, metadata: { ...header.metadata } };
}

interface TensorInfo {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

type Fail = (msg: string) => never;

function checkMetadata(value: unknown, fail: Fail): SafetensorsMetadata {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(`"${METADATA_KEY}" must be an object mapping strings to strings.`);
  }
  const out: SafetensorsMetadata = {};
  for (const [k, v] of Object.entries(value as object)) {
    if (typeof v !== "string") fail(`"${METADATA_KEY}" entry ${shortJson(k)} is a ${jsonKind(v)}, not a string.`);
    // defineProperty, not assignment, so a "__proto__" key stays plain data.
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function checkTensorInfo(name: string, value: unknown, dataLen: number, fail: Fail): TensorInfo {
  const what = `tensor ${shortJson(name)}`;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(`${what} must be an object with dtype, shape and data_offsets.`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;

  if (typeof dtype !== "string") fail(`${what} has no string "dtype".`);
  const dt = dtype as string;
  if (UNSUPPORTED_DTYPES.has(dt)) fail(`${what} has dtype ${dt}, which gradlab cannot load.`);
  const info = DTYPES[dt];
  if (info === undefined) fail(`${what} has unknown dtype ${shortJson(dt)}.`);

  if (!Array.isArray(shape)) fail(`${what} has no "shape" array.`);
  for (const d of shape as unknown[]) {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      fail(`${what} has shape ${shortJson(shape)}, whose dimensions must be non-negative integers.`);
    }
  }
  const dims = shape as number[];

  if (!Array.isArray(offsets) || offsets.length !== 2) fail(`${what} needs "data_offsets" as [begin, end].`);
  const [begin, end] = offsets as unknown[];
  if (!isOffset(begin) || !isOffset(end) || end < begin) {
    fail(`${what} has data_offsets ${shortJson(offsets)}; they must be integers with 0 <= begin <= end.`);
  }
  const b = begin as number;
  const e = end as number;
  if (e > dataLen) {
    fail(`${what} has data_offsets [${b}, ${e}] past the end of the ${dataLen}-byte data section.`);
  }

  // BigInt so that a shape like [2^40, 2^40] cannot overflow into a false match.
  let expected = BigInt(info!.size);
  for (const d of dims) expected *= BigInt(d);
  if (expected !== BigInt(e - b)) {
    fail(
      `${what} says shape [${dims.join(", ")}] (${expected} bytes of ${dt}) but its data_offsets span ${e - b} bytes.`,
    );
  }
  return { name, dtype: dt, shape: [...dims], begin: b, end: e };
}

function jsonKind(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

function isOffset(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
}

/** The ranges must tile the data section exactly: no gaps, no overlap, no trailing bytes. */
function checkLayout(infos: TensorInfo[], dataLen: number, fail: Fail): void {
  infos.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev: TensorInfo | undefined;
  for (const info of infos) {
    if (info.begin < cursor) {
      fail(
        `tensor ${shortJson(info.name)} bytes [${info.begin}, ${info.end}) overlap ` +
          `tensor ${shortJson(prev!.name)} bytes [${prev!.begin}, ${prev!.end}).`,
      );
    }
    if (info.begin > cursor) {
      fail(
        `bytes [${cursor}, ${info.begin}) of the data section belong to no tensor ` +
          `(before tensor ${shortJson(info.name)}).`,
      );
    }
    cursor = info.end;
    prev = info;
  }
  if (cursor !== dataLen) {
    fail(`the data section is ${dataLen} bytes but the tensors cover only ${cursor}; the file is padded or corrupt.`);
  }
}

function readArray(dtype: string, raw: Uint8Array): NamedArray["data"] {
  // Copy into a fresh buffer: it is aligned for the typed array and does not
  // keep the (possibly much larger) file buffer alive. Not raw.slice(): on a Node
  // Buffer that is a view of the whole file.
  const copy = new Uint8Array(raw);
  const count = raw.length / DTYPES[dtype]!.size;
  const dv = new DataView(copy.buffer);
  switch (dtype) {
    case "F32":
      return HOST_IS_LITTLE_ENDIAN
        ? new Float32Array(copy.buffer)
        : Float32Array.from({ length: count }, (_, i) => dv.getFloat32(4 * i, true));
    case "F64":
      return HOST_IS_LITTLE_ENDIAN
        ? new Float64Array(copy.buffer)
        : Float64Array.from({ length: count }, (_, i) => dv.getFloat64(8 * i, true));
    case "I32":
      return HOST_IS_LITTLE_ENDIAN
        ? new Int32Array(copy.buffer)
        : Int32Array.from({ length: count }, (_, i) => dv.getInt32(4 * i, true));
    case "I64":
      return HOST_IS_LITTLE_ENDIAN
        ? new BigInt64Array(copy.buffer)
        : BigInt64Array.from({ length: count }, (_, i) => dv.getBigInt64(8 * i, true));
    case "U32":
      return BigInt64Array.from({ length: count }, (_, i) => BigInt(dv.getUint32(4 * i, true)));
    case "F16":
      return Float32Array.from({ length: count }, (_, i) => halfToFloat(dv.getUint16(2 * i, true)));
    case "BF16": {
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = dv.getUint16(2 * i, true) << 16;
      return out;
    }
    case "I16":
      return Int32Array.from({ length: count }, (_, i) => dv.getInt16(2 * i, true));
    case "U16":
      return Int32Array.from({ length: count }, (_, i) => dv.getUint16(2 * i, true));
    case "I8":
      return Int32Array.from({ length: count }, (_, i) => dv.getInt8(i));
    case "U8":
    case "BOOL":
      return Int32Array.from(copy);
    default:
      throw new SafetensorsError(`internal error: no reader for dtype ${dtype}.`);
  }
}

/** IEEE 754 binary16 → number, including subnormals, infinities and NaN. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function checkArrayForWrite(name: string, arr: NamedArray): void {
  const what = `tensor "${name}"`;
  if (name === METADATA_KEY) throw new SafetensorsError(`"${METADATA_KEY}" is reserved and cannot name a tensor.`);
  const w = WRITE_DTYPE[arr.dtype];
  if (w === undefined) throw new SafetensorsError(`${what} has unsupported dtype ${JSON.stringify(arr.dtype)}.`);
  if (!(arr.data instanceof w.ctor)) {
    throw new SafetensorsError(`${what} is ${arr.dtype} but its data is a ${arr.data.constructor.name}.`);
  }
  for (const d of arr.shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new SafetensorsError(
        `${what} has shape [${arr.shape.join(", ")}], whose dimensions must be non-negative integers.`,
      );
    }
  }
  const n = shapeSize(arr.shape);
  if (arr.data.length !== n) {
    throw new SafetensorsError(
      `${what} has shape [${arr.shape.join(", ")}] (${n} elements) but ${arr.data.length} data elements.`,
    );
  }
}

function writeLittleEndian(out: Uint8Array, pos: number, arr: NamedArray): void {
  const { data } = arr;
  if (HOST_IS_LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    return;
  }
  const dv = new DataView(out.buffer, out.byteOffset + pos, data.byteLength);
  for (let i = 0; i < data.length; i++) {
    switch (arr.dtype) {
      case "float32":
        dv.setFloat32(4 * i, data[i] as number, true);
        break;
      case "int32":
        dv.setInt32(4 * i, data[i] as number, true);
        break;
      case "float64":
        dv.setFloat64(8 * i, data[i] as number, true);
        break;
      case "int64":
        dv.setBigInt64(8 * i, data[i] as bigint, true);
        break;
    }
  }
}
