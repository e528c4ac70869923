import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { encodeIdx, IdxError, isGzip, parseIdx, parseIdxAsync, type IdxDType } from "../../src/data/idx.js";
import { nodeGunzip, readIdxFile, writeIdxFile } from "../../src/data/idx_node.js";

/** Independent tiny IDX encoder (not using the library's encodeIdx). */
function encode(
  code: number,
  shape: number[],
  size: number,
  put: (v: DataView, off: number, i: number) => void,
  count: number,
): Uint8Array {
  const h = 4 + 4 * shape.length;
  const buf = new Uint8Array(h + count * size);
  const v = new DataView(buf.buffer);
  buf[2] = code;
  buf[3] = shape.length;
  shape.forEach((s, i) => v.setUint32(4 + 4 * i, s)); // big-endian by default
  for (let i = 0; i < count; i++) put(v, h + i * size, i);
  return buf;
}

const CASES: {
  dtype: IdxDType;
  code: number;
  size: number;
  values: number[];
  ctor: Function;
  put: (v: DataView, o: number, x: number) => void;
}[] = [
  {
    dtype: "ubyte",
    code: 0x08,
    size: 1,
    values: [0, 1, 127, 128, 200, 255],
    ctor: Uint8Array,
    put: (v, o, x) => v.setUint8(o, x),
  },
  {
    dtype: "sbyte",
    code: 0x09,
    size: 1,
    values: [-128, -1, 0, 1, 100, 127],
    ctor: Int8Array,
    put: (v, o, x) => v.setInt8(o, x),
  },
  {
    dtype: "short",
    code: 0x0b,
    size: 2,
    values: [-32768, -300, 0, 258, 1000, 32767],
    ctor: Int16Array,
    put: (v, o, x) => v.setInt16(o, x),
  },
  {
    dtype: "int",
    code: 0x0c,
    size: 4,
    values: [-2147483648, -70000, 0, 16909060, 70000, 2147483647],
    ctor: Int32Array,
    put: (v, o, x) => v.setInt32(o, x),
  },
  {
    dtype: "float",
    code: 0x0d,
    size: 4,
    values: [-1.5, 0, 0.25, 3.140625, 2 ** 100, -Infinity],
    ctor: Float32Array,
    put: (v, o, x) => v.setFloat32(o, x),
  },
  {
    dtype: "double",
    code: 0x0e,
    size: 8,
    values: [-1e-300, 0, Math.PI, 1e300, -2.5, Number.MAX_VALUE],
    ctor: Float64Array,
    put: (v, o, x) => v.setFloat64(o, x),
  },
];

describe("parseIdx round trips", () => {
  for (const c of CASES) {
    it(`decodes ${c.dtype} (0x${c.code.toString(16)}) with shape [2, 3]`, () => {
      const bytes = encode(c.code, [2, 3], c.size, (v, o, i) => c.put(v, o, c.values[i]), 6);
      const a = parseIdx(bytes, "t");
      expect(a.dtype).toBe(c.dtype);
      expect(a.shape).toEqual([2, 3]);
      expect(a.data).toBeInstanceOf(c.ctor);
      expect(Array.from(a.data)).toEqual(c.values);
      // the library encoder produces byte-identical output
      expect(encodeIdx(a)).toEqual(bytes);
    });
  }

  it("handles 1-D, 4-D, zero-size and 0-D (scalar) arrays", () => {
    const one = parseIdx(encode(0x08, [5], 1, (v, o, i) => v.setUint8(o, i * 3), 5));
    expect(one.shape).toEqual([5]);
    expect(Array.from(one.data)).toEqual([0, 3, 6, 9, 12]);
    const four = parseIdx(encode(0x0c, [2, 1, 3, 2], 4, (v, o, i) => v.setInt32(o, -i), 12));
    expect(four.shape).toEqual([2, 1, 3, 2]);
    expect(four.data[11]).toBe(-11);
    const empty = parseIdx(encode(0x0d, [0, 28, 28], 4, () => {}, 0));
    expect(empty.shape).toEqual([0, 28, 28]);
    expect(empty.data.length).toBe(0);
    const scalar = parseIdx(encode(0x0e, [], 8, (v, o) => v.setFloat64(o, 42.5), 1));
    expect(scalar.shape).toEqual([]);
    expect(Array.from(scalar.data)).toEqual([42.5]);
  });

  it("works on a Uint8Array view with a non-zero byteOffset and on an ArrayBuffer", () => {
    const bytes = encode(0x0b, [3], 2, (v, o, i) => v.setInt16(o, [-5, 6, 700][i]), 3);
    const padded = new Uint8Array(bytes.length + 7);
    padded.set(bytes, 7);
    expect(Array.from(parseIdx(padded.subarray(7)).data)).toEqual([-5, 6, 700]);
    expect(Array.from(parseIdx(bytes.slice().buffer).data)).toEqual([-5, 6, 700]);
  });

  it("returns data that does not alias the input", () => {
    const bytes = encode(0x08, [2], 1, (v, o, i) => v.setUint8(o, i + 1), 2);
    const a = parseIdx(bytes);
    bytes[4] = 99;
    expect(Array.from(a.data)).toEqual([1, 2]);
  });

  it("encodeIdx rejects data/shape mismatches", () => {
    expect(() => encodeIdx({ shape: [2, 2], dtype: "ubyte", data: [1, 2, 3] })).toThrow(
      /needs 4 elements but data has 3/,
    );
  });
});

describe("gzip", () => {
  const raw = encodeIdx({ shape: [2, 2], dtype: "float", data: [1, -2, 3.5, 4] });
  const gz = new Uint8Array(gzipSync(raw));

  it("detects gzip", () => {
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(raw)).toBe(false);
  });

  it("parseIdx with a gunzip function", () => {
    const a = parseIdx(gz, "x.gz", { gunzip: nodeGunzip });
    expect(a.shape).toEqual([2, 2]);
    expect(Array.from(a.data)).toEqual([1, -2, 3.5, 4]);
  });

  it("parseIdx without a gunzip function explains what to do", () => {
    expect(() => parseIdx(gz, "x.gz")).toThrow(/x\.gz is gzip-compressed .*parseIdxAsync/);
  });

  it("parseIdxAsync uses DecompressionStream", async () => {
    const a = await parseIdxAsync(gz, "x.gz");
    expect(Array.from(a.data)).toEqual([1, -2, 3.5, 4]);
    const b = await parseIdxAsync(raw, "x");
    expect(Array.from(b.data)).toEqual([1, -2, 3.5, 4]);
  });

  it("corrupt gzip is an IdxError naming the file (sync and async)", async () => {
    const bad = gz.slice(0, 12);
    expect(() => parseIdx(bad, "bad.gz", { gunzip: nodeGunzip })).toThrow(IdxError);
    expect(() => parseIdx(bad, "bad.gz", { gunzip: nodeGunzip })).toThrow(
      /bad\.gz looks gzip-compressed .* could not be decompressed/,
    );
    await expect(parseIdxAsync(bad, "bad.gz")).rejects.toThrow(/bad\.gz looks gzip-compressed/);
  });

  describe("files on disk", () => {
    const dir = mkdtempSync(join(tmpdir(), "gradlab-idx-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("readIdxFile / writeIdxFile, plain and .gz", () => {
      const arr = { shape: [3, 2], dtype: "short" as const, data: [1, -2, 3, -4, 5, -32768] };
      writeIdxFile(join(dir, "a-idx2-short"), arr);
      writeIdxFile(join(dir, "a-idx2-short.gz"), arr);
      const p = readIdxFile(join(dir, "a-idx2-short"));
      const q = readIdxFile(join(dir, "a-idx2-short.gz"));
      expect(p).toEqual(q);
      expect(p.shape).toEqual([3, 2]);
      expect(Array.from(p.data)).toEqual(arr.data);
    });

    it("a missing file is an IdxError naming the path", () => {
      const path = join(dir, "nope");
      expect(() => readIdxFile(path)).toThrow(IdxError);
      expect(() => readIdxFile(path)).toThrow(`cannot read IDX file ${path}: it does not exist.`);
    });

    it("errors from a file name the file", () => {
      const path = join(dir, "bad-magic");
      writeFileSync(path, "<!DOCTYPE html>");
      try {
        readIdxFile(path);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(IdxError);
        expect((e as IdxError).file).toBe(path);
        expect((e as Error).message).toContain(path);
      }
    });
  });
});

describe("error paths", () => {
  const catchErr = (f: () => unknown): IdxError => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(IdxError);
      return e as IdxError;
    }
    throw new Error("expected an IdxError");
  };

  it("wrong magic", () => {
    const e = catchErr(() => parseIdx(new TextEncoder().encode("PK\u0003\u0004 zip file"), "data.zip"));
    expect(e.message).toBe(
      "data.zip is not an IDX file: first bytes are 50 4b 03 04, but an IDX file starts with 00 00, a type byte and a dimension count.",
    );
    expect(e.file).toBe("data.zip");
  });

  it("empty and too-short inputs", () => {
    expect(catchErr(() => parseIdx(new Uint8Array(0), "e")).message).toBe(
      "e is empty (0 bytes), so it cannot be an IDX file.",
    );
    expect(catchErr(() => parseIdx(Uint8Array.of(0, 0, 8), "s")).message).toMatch(/^s is only 3 bytes long/);
  });

  it("unknown dtype byte", () => {
    const e = catchErr(() => parseIdx(Uint8Array.of(0, 0, 0x0a, 1, 0, 0, 0, 0), "weird"));
    expect(e.message).toMatch(/^weird has unknown IDX dtype byte 0x0a \(known: 0x08 \(ubyte\), .*0x0e \(double\)\)\.$/);
  });

  it("truncated header", () => {
    const e = catchErr(() => parseIdx(Uint8Array.of(0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0), "train-images"));
    expect(e.message).toBe(
      "train-images is truncated: its header declares 3 dimensions and needs 16 bytes, but the file has only 10.",
    );
  });

  it("truncated data (ubyte), with the message from the spec", () => {
    const full = encode(0x08, [60000, 28, 28], 1, () => {}, 0);
    const bytes = new Uint8Array(16 + 1000);
    bytes.set(full.subarray(0, 16));
    const e = catchErr(() => parseIdx(bytes, "train-images-idx3-ubyte"));
    expect(e.message).toBe(
      "train-images-idx3-ubyte is truncated: header says 60000x28x28 = 47040000 bytes of data but only 1000 are present.",
    );
  });

  it("truncated data (multi-byte dtype) counts values and bytes", () => {
    const bytes = encode(0x0d, [2, 3], 4, () => {}, 6).subarray(0, 12 + 10);
    const e = catchErr(() => parseIdx(bytes, "f"));
    expect(e.message).toBe(
      "f is truncated: header says 2x3 float32 values = 24 bytes of data but only 10 are present.",
    );
  });

  it("trailing bytes are an error by default and accepted with trailing: 'ignore'", () => {
    const good = encode(0x08, [3], 1, (v, o, i) => v.setUint8(o, i), 3);
    const bytes = new Uint8Array(good.length + 2);
    bytes.set(good);
    expect(catchErr(() => parseIdx(bytes, "t")).message).toBe(
      't has 2 unexpected trailing bytes after the 3 bytes of data its header (3 ubyte) describes; pass trailing: "ignore" to accept them.',
    );
    expect(Array.from(parseIdx(bytes, "t", { trailing: "ignore" }).data)).toEqual([0, 1, 2]);
  });

  it("default name is used when none is given", () => {
    expect(catchErr(() => parseIdx(Uint8Array.of(1, 2, 3, 4))).message).toMatch(
      /^IDX data is not an IDX file: first bytes are 01 02 03 04/,
    );
  });
});
