// Files that lie about themselves: readers look at headers first, refuse anything but regular
// files (a FIFO would block forever, /dev/zero never ends), and never read more than a file's
// header honestly calls for. Big files are sparse (no disk, no memory) and must never be read whole.
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { encodeIdx, IdxError } from "../../src/data/idx.js";
import { readIdxFile } from "../../src/data/idx_node.js";
import { FileReadError, readRegularFile, RegularFile } from "../../src/io/read_node.js";
import {
  decodeSafetensors,
  encodeSafetensors,
  type SafetensorsHeader,
  SafetensorsError,
} from "../../src/io/safetensors.js";
import { readSafetensorsFile } from "../../src/io/safetensors_node.js";

const dir = mkdtempSync(join(tmpdir(), "gradlab-hostile-files-"));
// The sparse files take no disk, but look like gigabytes to anyone listing /tmp.
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file of `size` bytes whose first bytes are `head`; the rest is a hole (no disk blocks). */
function sparse(name: string, head: Uint8Array, size: number): string {
  const path = join(dir, name);
  const fd = openSync(path, "w");
  try {
    writeSync(fd, head, 0, head.length, 0);
    // One byte at the end gives the file its size without writing anything in between.
    writeSync(fd, new Uint8Array(1), 0, 1, size - 1);
  } finally {
    closeSync(fd);
  }
  return path;
}

function fifo(name: string): string {
  const path = join(dir, name);
  const r = spawnSync("mkfifo", [path]);
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`);
  return path;
}

/** A safetensors prefix + header for `header`, without any data. */
function safetensorsHead(header: object | string): Uint8Array {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

describe("RegularFile refuses what is not a regular file, without blocking or reading it", () => {
  it("a character device such as /dev/zero", () => {
    expect(() => RegularFile.open("/dev/zero")).toThrow(
      "/dev/zero is a character device (like /dev/zero), not a regular file",
    );
  });
  it("a FIFO (opening it for reading would wait for a writer forever)", () => {
    const p = fifo("pipe");
    expect(() => RegularFile.open(p)).toThrow(`${p} is a named pipe (FIFO), not a regular file`);
  });
  it("a directory, a missing file, and a file over the cap", () => {
    const d = join(dir, "a-dir");
    mkdirSync(d);
    expect(() => RegularFile.open(d)).toThrow(`${d} is a directory`);
    expect(() => RegularFile.open(join(dir, "missing"))).toThrow(/cannot read .*missing: it does not exist/);
    const p = join(dir, "ten-bytes");
    writeFileSync(p, "0123456789");
    expect(() => readRegularFile(p, { maxBytes: 9, what: "test files" })).toThrow(
      `${p} is 10 bytes; test files larger than 9 bytes are refused`,
    );
    expect(new TextDecoder().decode(readRegularFile(p, { maxBytes: 10 }))).toBe("0123456789");
  });
});

describe("readSafetensorsFile reads the header first", () => {
  it("refuses /dev/zero and FIFOs with a FileReadError naming them", async () => {
    await expect(readSafetensorsFile("/dev/zero")).rejects.toThrow(FileReadError);
    const p = fifo("st-pipe");
    await expect(readSafetensorsFile(p)).rejects.toThrow(/named pipe \(FIFO\)/);
  });

  it("shows a 3 GB file's honest header to `inspect` and reads no data when it refuses", async () => {
    // Exactly what a 1,000,000-unit first layer needs: 784 × 10^6 float32s, all in a hole.
    const dataBytes = 784 * 1_000_000 * 4;
    const tensor = { dtype: "F32", shape: [1_000_000, 784], data_offsets: [0, dataBytes] };
    const head = safetensorsHead({ "0.weight": tensor });
    const p = sparse("huge.safetensors", head, head.length + dataBytes);
    let seen: SafetensorsHeader | null = null;
    await expect(
      readSafetensorsFile(p, {
        inspect: (h) => {
          seen = h;
          throw new Error("refused from the header");
        },
      }),
    ).rejects.toThrow("refused from the header");
    expect(seen!.tensors.get("0.weight")!.shape).toEqual([1_000_000, 784]);
    expect(seen!.dataBytes).toBe(dataBytes);
    await expect(readSafetensorsFile(p, { maxDataBytes: 2 ** 30 })).rejects.toThrow(
      `${p}: its tensors take 3.1 GB, more than the 1.1 GB allowed here.`,
    );
  });

  it("a header nested 100,000 levels deep is a SafetensorsError, not a stack overflow", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const text = `{"w":{"dtype":"F32","shape":${deep},"data_offsets":[0,0]}}`;
    const p = join(dir, "deep.safetensors");
    writeFileSync(p, safetensorsHead(text));
    await expect(readSafetensorsFile(p)).rejects.toThrow(SafetensorsError);
    await expect(readSafetensorsFile(p)).rejects.toThrow(/header nests more than 8 levels deep .*header needs 3/);
    // The in-memory decoder too.
    expect(() => decodeSafetensors(safetensorsHead(text))).toThrow(/nests more than 8 levels deep/);
  });

  it("a merely odd shape that is nested but shallow still gets the ordinary message, kept short", () => {
    const long = JSON.stringify(Array.from({ length: 500 }, () => [1]));
    const text = `{"w":{"dtype":"F32","shape":${long},"data_offsets":[0,0]}}`;
    let msg = "";
    try {
      decodeSafetensors(safetensorsHead(text));
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/tensor "w" has shape \[\[1\],\[1\].*…, whose dimensions must be non-negative integers/);
    expect(msg.length).toBeLessThan(200);
  });

  it("still reads an ordinary file", async () => {
    const p = join(dir, "ok.safetensors");
    const w = { shape: [2], dtype: "float32" as const, data: new Float32Array([1, 2]) };
    writeFileSync(p, encodeSafetensors({ w }, { a: "b" }));
    const r = await readSafetensorsFile(p);
    expect(Array.from(r.tensors.get("w")!.data as Float32Array)).toEqual([1, 2]);
    expect(r.metadata).toEqual({ a: "b" });
  });
});

describe("readIdxFile reads the header first", () => {
  const images = (n: number) => encodeIdx({ shape: [n, 28, 28], dtype: "ubyte", data: new Uint8Array(n * 784) });

  it("refuses /dev/zero (through a symlink named like MNIST) and FIFOs", () => {
    const link = join(dir, "train-images-idx3-ubyte");
    symlinkSync("/dev/zero", link);
    expect(() => readIdxFile(link)).toThrow(IdxError);
    expect(() => readIdxFile(link)).toThrow(/train-images-idx3-ubyte is a character device/);
    const p = fifo("idx-pipe");
    expect(() => readIdxFile(p)).toThrow(/named pipe \(FIFO\), not a regular file/);
  });

  it("a 3 GB file whose header describes one image: trailing bytes, counted without reading them", () => {
    const one = images(1);
    const p = sparse("one-image-3gb", one, 3e9);
    expect(() => readIdxFile(p)).toThrow(
      `${p} has ${3e9 - one.length} unexpected trailing bytes after the 784 bytes ` +
        "of data its header (1x28x28 ubyte) describes",
    );
  });

  it("a header declaring more than the cap is refused before reading the data", () => {
    const p = join(dir, "a-thousand-images");
    writeFileSync(p, images(1000));
    expect(() => readIdxFile(p, { maxBytes: 10_000 })).toThrow(
      `${p} declares 784 KB; IDX files larger than 10 KB are refused.`,
    );
    expect(readIdxFile(p).shape).toEqual([1000, 28, 28]);
  });

  it("a gzip bomb is refused from the header it declares, not inflated up to the cap", () => {
    // 4 GB of zeros would take seconds to build; a small file with a lying header shows the same:
    // the header declares 100,000 images (78 MB) and the cap is 1 MB.
    const head = encodeIdx({ shape: [0, 28, 28], dtype: "ubyte", data: new Uint8Array(0) });
    new DataView(head.buffer).setUint32(4, 100_000);
    const p = join(dir, "bomb.gz");
    writeFileSync(p, gzipSync(Buffer.concat([head, Buffer.alloc(2_000_000)])));
    expect(() => readIdxFile(p, { maxBytes: 1_000_000 })).toThrow(
      `${p} declares (once decompressed) 78.4 MB; IDX files larger than 1.0 MB are refused.`,
    );
  });

  it("a .gz that inflates past what its header declares stops at one byte more", () => {
    const p = join(dir, "more.gz");
    writeFileSync(p, gzipSync(Buffer.concat([images(1), Buffer.alloc(5_000_000)])));
    expect(() => readIdxFile(p)).toThrow(
      `${p} decompresses to more bytes than its header describes (unexpected trailing data)`,
    );
    expect(readIdxFile(p, { trailing: "ignore" }).shape).toEqual([1, 28, 28]);
  });
});
