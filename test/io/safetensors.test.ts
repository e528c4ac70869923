import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { NamedArray, NamedArrays } from "../../src/io/named_array.js";
import { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES, SafetensorsError } from "../../src/io/safetensors.js";
import { readSafetensorsFile, writeSafetensorsFile } from "../../src/io/safetensors_node.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures");

/**
 * A deliberately separate reader, written from the spec rather than sharing
 * code with src/io, so that encoder bugs are not hidden by a matching decoder.
 */
function independentRead(bytes: Uint8Array) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const base = 8 + n;
  const out: Record<string, { dtype: string; shape: number[]; values: (number | bigint)[]; begin: number }> = {};
  for (const [name, info] of Object.entries<any>(header)) {
    if (name === "__metadata__") continue;
    const [b, e] = info.data_offsets as [number, number];
    const values: (number | bigint)[] = [];
    for (let p = base + b; p < base + e; ) {
      switch (info.dtype) {
        case "F32":
          values.push(dv.getFloat32(p, true));
          p += 4;
          break;
        case "F64":
          values.push(dv.getFloat64(p, true));
          p += 8;
          break;
        case "I32":
          values.push(dv.getInt32(p, true));
          p += 4;
          break;
        case "I64":
          values.push(dv.getBigInt64(p, true));
          p += 8;
          break;
        default:
          throw new Error(`test reader: dtype ${info.dtype}`);
      }
    }
    out[name] = { dtype: info.dtype, shape: info.shape, values, begin: b };
  }
  return { headerLen: n, header, tensors: out, metadata: header.__metadata__ };
}

function sample(): NamedArrays {
  return new Map<string, NamedArray>([
    ["w", { shape: [2, 3], dtype: "float32", data: new Float32Array([1.5, -2, 3.25, 0, -0, 1e-30]) }],
    ["b", { shape: [3], dtype: "float64", data: new Float64Array([Math.PI, -1, Number.MAX_VALUE]) }],
    ["idx", { shape: [2, 2], dtype: "int32", data: new Int32Array([1, -2, 2147483647, -2147483648]) }],
    ["step", { shape: [], dtype: "int64", data: new BigInt64Array([9007199254740993n]) }],
    ["empty", { shape: [0, 4], dtype: "float32", data: new Float32Array(0) }],
    ["odd", { shape: [1], dtype: "int32", data: new Int32Array([7]) }],
  ]);
}

/** Builds a file from a raw header object and data bytes, bypassing the encoder's checks. */
function rawFile(header: unknown, data: Uint8Array | number = 0, headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const dataBytes = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + dataBytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(dataBytes, 8 + json.length);
  return out;
}

describe("encodeSafetensors", () => {
  it("writes bytes an independent spec reader understands", () => {
    const bytes = encodeSafetensors(sample(), { format: "pt", note: "héllo" });
    const r = independentRead(bytes);
    expect(r.headerLen % 8).toBe(0);
    expect(r.metadata).toEqual({ format: "pt", note: "héllo" });
    for (const [name, arr] of sample()) {
      const t = r.tensors[name]!;
      expect(t.shape).toEqual(arr.shape);
      expect(t.values).toEqual([...(arr.data as ArrayLike<number | bigint> & Iterable<number | bigint>)]);
      const size = arr.dtype === "float64" || arr.dtype === "int64" ? 8 : 4;
      expect(t.begin % size).toBe(0); // aligned, so zero-copy readers can view it
    }
    expect(r.tensors.w!.dtype).toBe("F32");
    expect(r.tensors.b!.dtype).toBe("F64");
    expect(r.tensors.step!.dtype).toBe("I64");
    // The file is exactly header + data, nothing trailing.
    const ends = Object.values<any>(r.header)
      .filter((v) => v.data_offsets)
      .map((v) => v.data_offsets[1]);
    expect(8 + r.headerLen + Math.max(...ends)).toBe(bytes.length);
  });

  it("pads the header with spaces and orders tensors by size then name", () => {
    const bytes = encodeSafetensors(sample());
    const r = independentRead(bytes);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + r.headerLen));
    expect(text.trimEnd()).toBe(JSON.stringify(JSON.parse(text)));
    expect(/^ *$/.test(text.slice(text.lastIndexOf("}") + 1))).toBe(true);
    const order = Object.entries(r.tensors)
      .sort((a, b) => a[1].begin - b[1].begin || a[0].localeCompare(b[0]))
      .map(([k]) => k);
    expect(order.slice(0, 2).sort()).toEqual(["b", "step"]);
    expect(order.slice(2).filter((k) => k !== "empty")).toEqual(["idx", "odd", "w"]);
  });

  it("round-trips through decodeSafetensors and accepts a plain object", () => {
    const rec = Object.fromEntries(sample());
    const { tensors, metadata } = decodeSafetensors(encodeSafetensors(rec, { a: "1" }));
    expect(metadata).toEqual({ a: "1" });
    for (const [name, arr] of sample()) {
      const got = tensors.get(name)!;
      expect(got.dtype).toBe(arr.dtype);
      expect(got.shape).toEqual(arr.shape);
      expect(got.data).toEqual(arr.data);
    }
  });

  it("handles typed arrays that are views into a larger buffer", () => {
    const big = new Float32Array([9, 9, 1, 2, 3, 9]);
    const bytes = encodeSafetensors({ v: { shape: [3], dtype: "float32", data: big.subarray(2, 5) } });
    expect(decodeSafetensors(bytes).tensors.get("v")!.data).toEqual(new Float32Array([1, 2, 3]));
  });

  it("rejects inconsistent input with a SafetensorsError", () => {
    const bad = (a: NamedArray) => () => encodeSafetensors({ t: a });
    expect(bad({ shape: [2, 2], dtype: "float32", data: new Float32Array(3) })).toThrow(
      /shape \[2, 2\] \(4 elements\) but 3 data elements/,
    );
    expect(bad({ shape: [2], dtype: "float32", data: new Int32Array(2) })).toThrow(
      /is float32 but its data is a Int32Array/,
    );
    expect(bad({ shape: [-1], dtype: "float32", data: new Float32Array(0) })).toThrow(SafetensorsError);
    expect(() => encodeSafetensors({ __metadata__: { shape: [], dtype: "int32", data: new Int32Array(1) } })).toThrow(
      /reserved/,
    );
    expect(() => encodeSafetensors({}, { n: 1 as unknown as string })).toThrow(/must be a string/);
  });
});

describe("decodeSafetensors on the PyTorch fixture", () => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, "tiny_mlp.json"), "utf8"));
  const bytes = new Uint8Array(readFileSync(join(FIXTURES, "tiny_mlp.safetensors")));

  it("yields exactly the values torch saved", () => {
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual(expected.metadata);
    expect([...tensors.keys()].sort()).toEqual(Object.keys(expected.tensors).sort());
    for (const [name, exp] of Object.entries<any>(expected.tensors)) {
      const got = tensors.get(name)!;
      expect(got.dtype).toBe("float32");
      expect(got.shape).toEqual(exp.shape);
      // Bit-exact: the JSON holds each float32 widened to float64.
      expect(Array.from(got.data as Float32Array)).toEqual(exp.data);
    }
  });

  it("reproduces torch's logits with a plain forward pass", () => {
    const { tensors } = decodeSafetensors(bytes);
    const w = (k: string) => tensors.get(k)!;
    const linear = (x: number[], W: NamedArray, b: NamedArray) => {
      const [out, inn] = W.shape as [number, number];
      return Array.from({ length: out }, (_, o) => {
        let s = (b.data as Float32Array)[o]!;
        for (let i = 0; i < inn; i++) s += (W.data as Float32Array)[o * inn + i]! * x[i]!;
        return s;
      });
    };
    const [rows, cols] = expected.input.shape;
    for (let r = 0; r < rows; r++) {
      const x = expected.input.data.slice(r * cols, (r + 1) * cols);
      const h = linear(x, w("0.weight"), w("0.bias")).map((v) => Math.max(0, v));
      const y = linear(h, w("2.weight"), w("2.bias"));
      y.forEach((v, j) => expect(v).toBeCloseTo(expected.logits.data[r * 2 + j], 5));
    }
  });

  it("re-encodes to a file the independent reader agrees with", () => {
    const { tensors, metadata } = decodeSafetensors(bytes);
    const again = independentRead(encodeSafetensors(tensors, metadata));
    for (const [name, exp] of Object.entries<any>(expected.tensors)) {
      expect(again.tensors[name]!.values).toEqual(exp.data);
    }
  });
});

describe("decodeSafetensors rejects hostile input", () => {
  const f32 = (shape: number[], begin: number, end: number) => ({ dtype: "F32", shape, data_offsets: [begin, end] });
  const expectError = (bytes: Uint8Array, re: RegExp) => {
    let err: unknown;
    try {
      decodeSafetensors(bytes, { source: "model.safetensors" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SafetensorsError);
    expect((err as Error).message).toMatch(/^model\.safetensors: /);
    expect((err as Error).message).toMatch(re);
  };

  it("files too short for the length prefix", () => {
    expectError(new Uint8Array(5), /5 bytes long, too short/);
  });

  it("a header length past the end of the file, without allocating it", () => {
    const b = rawFile({}, 0);
    new DataView(b.buffer).setBigUint64(0, 50_000_000n, true);
    expectError(b, /header length 50000000 bytes runs past the end of the file \(10 bytes/);
  });

  it("a header over 100 MB, even one that could be u64-max", () => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES) + 1n, true);
    expectError(b, /exceeds the 100000000-byte \(100 MB\) limit/);
    new DataView(b.buffer).setBigUint64(0, 0xffffffffffffffffn, true);
    expectError(b, /exceeds/);
  });

  it("non-JSON, non-UTF-8 and non-object headers", () => {
    expectError(rawFile(null, 0, "{not json"), /not valid JSON/);
    expectError(rawFile(null, 0, "[1,2]   "), /JSON object/);
    expectError(rawFile(null, 0, "null"), /JSON object/);
    const bad = rawFile(null, 0, '{"\xff":1}');
    bad[10] = 0xff;
    expectError(bad, /UTF-8/);
  });

  it("unknown and unsupported dtypes", () => {
    expectError(
      rawFile({ x: { dtype: "F33", shape: [1], data_offsets: [0, 4] } }, 4),
      /tensor "x" has unknown dtype "F33"/,
    );
    expectError(
      rawFile({ x: { dtype: "U64", shape: [1], data_offsets: [0, 8] } }, 8),
      /dtype U64, which gradlab cannot load/,
    );
    expectError(rawFile({ x: { shape: [1], data_offsets: [0, 4] } }, 4), /no string "dtype"/);
  });

  it("negative, fractional or non-numeric shapes", () => {
    expectError(rawFile({ x: f32([-1], 0, 4) }, 4), /shape \[-1\], whose dimensions must be non-negative integers/);
    expectError(rawFile({ x: f32([1.5], 0, 4) }, 4), /non-negative integers/);
    expectError(rawFile({ x: { dtype: "F32", shape: ["2"], data_offsets: [0, 8] } }, 8), /non-negative integers/);
    expectError(rawFile({ x: { dtype: "F32", shape: 2, data_offsets: [0, 8] } }, 8), /no "shape" array/);
  });

  it("offsets that are malformed, reversed or out of range", () => {
    expectError(rawFile({ x: { dtype: "F32", shape: [1], data_offsets: [0] } }, 4), /data_offsets" as \[begin, end\]/);
    expectError(rawFile({ x: f32([1], 4, 0) }, 4), /0 <= begin <= end/);
    expectError(rawFile({ x: f32([1], -4, 0) }, 4), /0 <= begin <= end/);
    expectError(rawFile({ x: f32([2], 0, 8) }, 4), /data_offsets \[0, 8\] past the end of the 4-byte data section/);
  });

  it("a shape whose byte size does not match its offsets, including overflow-sized shapes", () => {
    expectError(
      rawFile({ "0.weight": f32([256, 784], 0, 1000) }, 1000),
      /tensor "0\.weight" says shape \[256, 784\] \(802816 bytes of F32\) but its data_offsets span 1000 bytes/,
    );
    expectError(
      rawFile({ x: f32([2 ** 40, 2 ** 40, 2 ** 40], 0, 0) }, 0),
      /says shape .* but its data_offsets span 0 bytes/,
    );
  });

  it("overlapping, gapped and incomplete layouts", () => {
    expectError(
      rawFile({ a: f32([2], 0, 8), b: f32([2], 4, 12) }, 12),
      /"b" bytes \[4, 12\) overlap tensor "a" bytes \[0, 8\)/,
    );
    expectError(
      rawFile({ a: f32([1], 0, 4), b: f32([1], 8, 12) }, 12),
      /bytes \[4, 8\) of the data section belong to no tensor/,
    );
    expectError(rawFile({ a: f32([1], 0, 4) }, 12), /data section is 12 bytes but the tensors cover only 4/);
  });

  it("keeps a __proto__ metadata key as plain data", () => {
    const { metadata } = decodeSafetensors(rawFile(null, 0, '{"__metadata__":{"__proto__":"x","a":"b"}}'));
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(Object.entries(metadata)).toEqual([
      ["__proto__", "x"],
      ["a", "b"],
    ]);
  });

  it("bad metadata", () => {
    expectError(rawFile({ __metadata__: { a: 1 } }), /entry "a" is a number, not a string/);
    expectError(rawFile({ __metadata__: [] }), /must be an object mapping strings to strings/);
  });

  it("never allocates beyond the file even when every header number lies", () => {
    // Many tensors each claiming the same 4 bytes would need N * 4 bytes if we
    // trusted them; the overlap check fires before any copy is made.
    const header: Record<string, unknown> = {};
    for (let i = 0; i < 1000; i++) header[`t${i}`] = f32([1], 0, 4);
    expectError(rawFile(header, 4), /overlap/);
  });
});

describe("decodeSafetensors widening of narrow dtypes", () => {
  it("reads F16, BF16, small ints, BOOL and U32 losslessly", () => {
    const data = new Uint8Array(2 * 3 + 2 * 2 + 2 + 2 + 1 + 1 + 2 + 4);
    const dv = new DataView(data.buffer);
    dv.setUint16(0, 0x3c00, true); // 1.0
    dv.setUint16(2, 0xc000, true); // -2.0
    dv.setUint16(4, 0x0001, true); // smallest subnormal
    dv.setUint16(6, 0x3f80, true); // bf16 1.0
    dv.setUint16(8, 0xc040, true); // bf16 -3.0
    dv.setInt16(10, -300, true);
    dv.setUint16(12, 65535, true);
    dv.setInt8(14, -5);
    dv.setUint8(15, 250);
    dv.setUint8(16, 1); // bool true
    dv.setUint8(17, 0);
    dv.setUint32(18, 4294967295, true);
    const file = rawFile(
      {
        h: { dtype: "F16", shape: [3], data_offsets: [0, 6] },
        bf: { dtype: "BF16", shape: [2], data_offsets: [6, 10] },
        s: { dtype: "I16", shape: [], data_offsets: [10, 12] },
        us: { dtype: "U16", shape: [], data_offsets: [12, 14] },
        i8: { dtype: "I8", shape: [1], data_offsets: [14, 15] },
        u8: { dtype: "U8", shape: [1], data_offsets: [15, 16] },
        flag: { dtype: "BOOL", shape: [2], data_offsets: [16, 18] },
        u32: { dtype: "U32", shape: [1], data_offsets: [18, 22] },
      },
      data,
    );
    const t = decodeSafetensors(file).tensors;
    expect(t.get("h")).toEqual({ shape: [3], dtype: "float32", data: new Float32Array([1, -2, 2 ** -24]) });
    expect(t.get("bf")!.data).toEqual(new Float32Array([1, -3]));
    expect(t.get("s")!.data).toEqual(new Int32Array([-300]));
    expect(t.get("us")!.data).toEqual(new Int32Array([65535]));
    expect(t.get("i8")!.data).toEqual(new Int32Array([-5]));
    expect(t.get("u8")!.data).toEqual(new Int32Array([250]));
    expect(t.get("flag")!.data).toEqual(new Int32Array([1, 0]));
    expect(t.get("u32")).toEqual({ shape: [1], dtype: "int64", data: new BigInt64Array([4294967295n]) });
  });
});

describe("safetensors files on disk", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const tempDir = async () => {
    const d = await mkdtemp(join(tmpdir(), "gradlab-st-"));
    dirs.push(d);
    return d;
  };

  it("writes atomically, replaces an existing file and leaves no temp file", async () => {
    const dir = await tempDir();
    const path = join(dir, "model.safetensors");
    await writeFile(path, "old contents");
    await writeSafetensorsFile(path, sample(), { epoch: "3" });
    expect(await readdir(dir)).toEqual(["model.safetensors"]);
    const { tensors, metadata } = await readSafetensorsFile(path);
    expect(metadata).toEqual({ epoch: "3" });
    expect(tensors.get("w")!.data).toEqual(sample().get("w")!.data);
  });

  it("keeps the old file intact when encoding fails", async () => {
    const dir = await tempDir();
    const path = join(dir, "model.safetensors");
    await writeFile(path, "old contents");
    await expect(
      writeSafetensorsFile(path, { t: { shape: [2], dtype: "float32", data: new Float32Array(1) } }),
    ).rejects.toThrow(SafetensorsError);
    expect(await readFile(path, "utf8")).toBe("old contents");
    expect(await readdir(dir)).toEqual(["model.safetensors"]);
  });

  it("names the file in errors", async () => {
    const dir = await tempDir();
    const path = join(dir, "broken.safetensors");
    await writeFile(path, new Uint8Array([1, 2, 3]));
    await expect(readSafetensorsFile(path)).rejects.toThrow(`${path}: is 3 bytes long`);
  });
});

describe("safetensors properties", () => {
  const arrayArb: fc.Arbitrary<NamedArray> = fc
    .tuple(
      fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
      fc.constantFrom("float32", "float64", "int32", "int64" as const),
    )
    .chain(([shape, dtype]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const data =
        dtype === "float32"
          ? fc.float32Array({ minLength: n, maxLength: n })
          : dtype === "float64"
            ? fc.float64Array({ minLength: n, maxLength: n })
            : dtype === "int32"
              ? fc.int32Array({ minLength: n, maxLength: n })
              : fc.bigInt64Array({ minLength: n, maxLength: n });
      return (data as fc.Arbitrary<NamedArray["data"]>).map((d) => ({ shape, dtype, data: d }) as NamedArray);
    });
  const dictArb = fc.dictionary(
    fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== "__metadata__" && k !== "__proto__"),
    arrayArb,
    { maxKeys: 6 },
  );

  it("any state dict round-trips bit-exactly and agrees with the independent reader", () => {
    fc.assert(
      fc.property(dictArb, (dict) => {
        const bytes = encodeSafetensors(dict);
        const mine = decodeSafetensors(bytes).tensors;
        const theirs = independentRead(bytes).tensors;
        for (const [name, arr] of Object.entries(dict)) {
          const got = mine.get(name)!;
          expect(got.shape).toEqual(arr.shape);
          // Compare bytes so NaN payloads and -0 count too.
          expect(new Uint8Array(got.data.buffer)).toEqual(
            new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength),
          );
          expect(theirs[name]!.values.length).toBe(arr.data.length);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("corrupted files fail only with SafetensorsError, never another exception", () => {
    const good = encodeSafetensors(sample(), { k: "v" });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(good.length),
        (edits, cut) => {
          const bad = good.slice(0, Math.max(cut, 1));
          for (const [pos, byte] of edits) if (pos < bad.length) bad[pos] = byte;
          try {
            decodeSafetensors(bad);
          } catch (e) {
            expect(e).toBeInstanceOf(SafetensorsError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("decoding from a Node Buffer", () => {
  it("gives each tensor only its own bytes (Buffer.slice would be a view of the whole file)", async () => {
    const { encodeSafetensors, decodeSafetensors } = await import("../../src/io/safetensors.js");
    const bytes = encodeSafetensors({
      a: { shape: [2], dtype: "float32", data: new Float32Array([1, 2]) },
      b: { shape: [3], dtype: "float32", data: new Float32Array([3, 4, 5]) },
    });
    const { tensors } = decodeSafetensors(Buffer.from(bytes));
    const get = (k: string) =>
      (tensors instanceof Map ? tensors.get(k) : (tensors as Record<string, { data: Float32Array }>)[k])!;
    expect(Array.from(get("a").data as Float32Array)).toEqual([1, 2]);
    expect(Array.from(get("b").data as Float32Array)).toEqual([3, 4, 5]);
  });
});

describe("hostile tensor names", () => {
  it("a tensor named __proto__ round-trips (the header has no prototype)", async () => {
    const { encodeSafetensors, decodeSafetensors } = await import("../../src/io/safetensors.js");
    const bytes = encodeSafetensors(
      new Map([
        ["__proto__", { shape: [1], dtype: "float32", data: new Float32Array([7]) }],
        ["a", { shape: [1], dtype: "float32", data: new Float32Array([1]) }],
      ]) as never,
    );
    const { tensors } = decodeSafetensors(bytes);
    const get = (k: string) =>
      (tensors instanceof Map ? tensors.get(k) : (tensors as Record<string, { data: Float32Array }>)[k])!;
    expect(Array.from(get("__proto__").data as Float32Array)).toEqual([7]);
    expect(Array.from(get("a").data as Float32Array)).toEqual([1]);
  });
});
