// Hostile files given to eval, predict, summary and export: memory stays bounded by what a file
// honestly claims (headers first, non-regular files refused, architectures checked against the
// tensors before anything is built), and damaged pictures are errors, never confident answers.
// Big files are sparse: they cost no disk and must never be read whole.
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { deflateSync, inflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeGrey } from "../../src/cli/png.js";
import { loadMnist } from "../../src/data/mnist_node.js";
import { encodeSafetensors } from "../../src/io/safetensors.js";
import { cli, expectOneLine, tmp } from "./helpers.js";

const work = tmp("hostile");
// The sparse files take no disk, but look like gigabytes to anyone listing /tmp.
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A file of `size` bytes starting with `head`; the rest is a hole. */
function sparse(name: string, head: Uint8Array, size: number): string {
  const path = join(work, name);
  const fd = openSync(path, "w");
  try {
    writeSync(fd, head, 0, head.length, 0);
    writeSync(fd, new Uint8Array(1), 0, 1, size - 1);
  } finally {
    closeSync(fd);
  }
  return path;
}

function fifo(name: string): string {
  const path = join(work, name);
  expect(spawnSync("mkfifo", [path]).status).toBe(0);
  return path;
}

/** One-line failure with exit 1 whose message matches. */
async function fails(argv: string[], msg: RegExp | string): Promise<string> {
  const r = await cli(...argv);
  const line = expectOneLine(r.err);
  expect(r.code, line).toBe(1);
  if (typeof msg === "string") expect(line).toContain(msg);
  else expect(line).toMatch(msg);
  return line;
}

const f32 = (n: number) => new Float32Array(n).fill(0.01);
/** The tensors of a 784-h-10 MLP, as gradlab or PyTorch would save them. */
const mlpTensors = (h: number) => ({
  "0.weight": { shape: [h, 784], dtype: "float32" as const, data: f32(h * 784) },
  "0.bias": { shape: [h], dtype: "float32" as const, data: f32(h) },
  "2.weight": { shape: [10, h], dtype: "float32" as const, data: f32(10 * h) },
  "2.bias": { shape: [10], dtype: "float32" as const, data: f32(10) },
});
const arch = (hidden: number[]) =>
  JSON.stringify({ inputSize: 784, numClasses: 10, hidden, activation: "relu", dropout: 0, batchnorm: false });
/** A small MNIST run: 300 images, 8 hidden units, one epoch. */
const SMALL_MNIST = ["--limit", "300", "--val-size", "50", "--epochs", "1", "--hidden", "8"];

/** A safetensors prefix + header with no data written (for sparse files). */
function header(h: object): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(h));
  const out = new Uint8Array(8 + json.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}
/** A greyscale 8-bit PNG of `w`×`h` pixels whose IDAT holds `idat`, CRCs valid (as a careful forger makes them). */
function png(w: number, h: number, idat: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, w);
  new DataView(ihdr.buffer).setUint32(4, h);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const signature = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
  const parts = [signature, chunk("IHDR", ihdr), chunk("IDAT", idat), chunk("IEND", new Uint8Array(0))];
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

describe("eval, predict, summary and export refuse what is not a regular file", () => {
  let run: string;
  beforeAll(async () => {
    run = join(work, "mnist-run");
    expect((await cli("train", ...SMALL_MNIST, "--out", run)).code).toBe(0);
  });

  it("eval /dev/zero (it grew to 8.4 GB) and a FIFO (it would block forever)", async () => {
    await fails(["eval", "/dev/zero"], "/dev/zero is a character device (like /dev/zero), not a regular file");
    const p = fifo("model.safetensors");
    await fails(["eval", p], `${p} is a named pipe (FIFO), not a regular file`);
    await fails(["summary", p], "named pipe (FIFO)");
    await fails(["export", p, "--onnx", join(work, "x.onnx")], "named pipe (FIFO)");
  });

  it("predict RUN /dev/zero (it grew to 17.4 GB), a FIFO and a directory", async () => {
    await fails(["predict", run, "/dev/zero"], "/dev/zero is a character device");
    const p = fifo("digit.png");
    await fails(["predict", run, p], `${p} is a named pipe (FIFO)`);
    await fails(["predict", run, work], `${work} is a directory, not a regular file`);
  });

  it("a 3 GB sparse .png is judged by its first bytes, not read whole", async () => {
    const junk = sparse("junk.png", new TextEncoder().encode("not a png"), 3e9);
    await fails(["predict", run, junk], `${junk} is not a PNG image (it does not start with the PNG signature)`);
    // A valid 28x28 header, then gigabytes: far more than 28x28 pixels can need.
    const small = encodeGrey(new Float32Array(784).fill(0.5), 28, 28);
    const big = sparse("big.png", small.subarray(0, 33), 3e9);
    await fails(
      ["predict", run, big],
      `${big} is 3.0 GB, far more than a 28x28 PNG needs (at most 1.1 MB); ` + "it is corrupt or not an image",
    );
  });

  it("config.json or state.json replaced by a FIFO or /dev/zero", async () => {
    const dir = join(work, "fifo-config");
    mkdirSync(dir);
    fifo("fifo-config/config.json");
    await fails(["eval", dir], "config.json is a named pipe (FIFO)");
    await fails(["train", "--resume", dir], "config.json is a named pipe (FIFO)");
  });
});

describe("an architecture is checked against the tensors before anything is built", () => {
  it("safetensors metadata claiming hidden [1000000] (3.2 GB was allocated before 'does not fit')", async () => {
    const f = join(work, "lying-meta.safetensors");
    writeFileSync(f, encodeSafetensors(mlpTensors(4), { gradlab_arch: arch([1_000_000]) }));
    expect(readFileSync(f).length).toBeLessThan(15_000);
    await fails(
      ["eval", f],
      `${f} does not fit the model — shapes do not match the model: ` +
        "0.weight is [4, 784] in the file but [1000000, 784] in the model",
    );
    // Two such layers would be 4 TB: refused the same way, from the header.
    writeFileSync(f, encodeSafetensors(mlpTensors(4), { gradlab_arch: arch([1_000_000, 1_000_000]) }));
    for (const cmd of ["eval", "summary"]) {
      await fails([cmd, f], /does not fit the model — shapes do not match the model: 0\.weight is \[4, 784\] in/);
    }
  });

  it("metadata that is not an architecture is named as such", async () => {
    const f = join(work, "bad-meta.safetensors");
    writeFileSync(f, encodeSafetensors(mlpTensors(4), { gradlab_arch: JSON.stringify({ hidden: "lots" }) }));
    await fails(
      ["eval", f],
      `${f} (gradlab_arch metadata): arch.inputSize should be an integer from 1 to 1000000, ` + "got undefined",
    );
  });

  it("an honest 3 GB file (sparse) is refused from its header for what loading it would take", async () => {
    const h = 1_000_000;
    const spans: Record<string, [number[], number]> = {
      "0.weight": [[h, 784], h * 784],
      "0.bias": [[h], h],
      "2.weight": [[10, h], 10 * h],
      "2.bias": [[10], 10],
    };
    const hdr: Record<string, object> = {};
    let off = 0;
    for (const [k, [shape, n]] of Object.entries(spans)) {
      hdr[k] = { dtype: "F32", shape, data_offsets: [off, off + 4 * n] };
      off += 4 * n;
    }
    const head = header(hdr);
    const f = sparse("honest-huge.safetensors", head, head.length + off);
    await fails(
      ["eval", f],
      `${f} describes a model of 795,000,010 parameters; loading it takes 6.4 GB ` +
        "(the file's float32 weights, then the model's copy), more than",
    );
  });

  it("config.json with arch.hidden [2000000] (eval, summary and export reached 6.3 GB)", async () => {
    const dir = join(work, "cfg-huge");
    expect((await cli("train", ...SMALL_MNIST, "--out", dir)).code).toBe(0);
    const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...cfg, arch: { ...cfg.arch, hidden: [2_000_000] } }));
    for (const argv of [
      ["eval", dir],
      ["summary", dir],
      ["export", dir, "--onnx", join(work, "m.onnx")],
    ]) {
      await fails(
        argv,
        `${join(dir, "config.json")}: arch.hidden should be an array of layer widths ` +
          "from 1 to 1000000, got [2000000]",
      );
    }
    // Within the limit but not what the weights are: named before the model is built.
    const wide = { ...cfg, hidden: [500_000], arch: { ...cfg.arch, hidden: [500_000] } };
    writeFileSync(join(dir, "config.json"), JSON.stringify(wide));
    await fails(
      ["eval", dir],
      "model.safetensors does not fit the model — shapes do not match the model: " +
        "0.weight is [8, 784] in the file but [500000, 784] in the model",
    );
    // arch and the fields beside it disagreeing means the file was edited.
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...cfg, arch: { ...cfg.arch, hidden: [9] } }));
    await fails(["eval", dir], `"arch" and the settings beside it disagree (hidden [9] vs [8])`);
  });

  it('config.json with arch: "mlp" (it said "arch.hidden is not iterable")', async () => {
    const dir = join(work, "cfg-mlp");
    expect((await cli("train", "--dataset", "xor", "--hidden", "4", "--epochs", "1", "--out", dir)).code).toBe(0);
    const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...cfg, arch: "mlp" }));
    for (const cmd of ["eval", "summary"]) {
      await fails([cmd, dir], `config.json: "arch" should be an object like {"inputSize":784,`);
    }
  });

  it("config.json nested 100,000 deep is refused before it becomes something that overflows the stack", async () => {
    const dir = join(work, "cfg-deep");
    mkdirSync(dir);
    writeFileSync(join(dir, "config.json"), `{"hidden": ${"[".repeat(100_000)}${"]".repeat(100_000)}}`);
    await fails(["eval", dir], "config.json nests more than 16 levels deep");
    writeFileSync(join(dir, "config.json"), JSON.stringify({ hidden: [[8]] }));
    await fails(["eval", dir], `config.json: "hidden" should be an array of layer widths (numbers), got [[8]]`);
  });

  it("a safetensors header nested deeply is one line (it printed 'Maximum call stack size exceeded')", async () => {
    const f = join(work, "deep.safetensors");
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const json = new TextEncoder().encode(`{"0.weight":{"dtype":"F32","shape":${deep},"data_offsets":[0,0]}}`);
    const bytes = new Uint8Array(8 + json.length);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
    bytes.set(json, 8);
    writeFileSync(f, bytes);
    await fails(["eval", f], /deep\.safetensors: header nests more than 8 levels deep/);
  });

  it("a layer index of a billion does not build a billion-entry layout", async () => {
    const f = join(work, "far-index.safetensors");
    const t = mlpTensors(4);
    const far = {
      "0.weight": t["0.weight"],
      "0.bias": t["0.bias"],
      "1000000000.weight": t["2.weight"],
      "1000000000.bias": t["2.bias"],
    };
    writeFileSync(f, encodeSafetensors(far));
    await fails(["eval", f], "checkpoint layer indices jump from 0 to 1000000000");
  });
});

describe("predict on damaged pictures is an error, not an answer", () => {
  let run: string;
  let raw: Uint8Array;
  beforeAll(async () => {
    run = join(work, "predict-run");
    expect((await cli("train", ...SMALL_MNIST, "--out", run)).code).toBe(0);
    // A real digit, as filtered scanlines (filter byte 0, then 28 pixels, per row).
    const digit = loadMnist("test", { limit: 1 }).images;
    raw = new Uint8Array(28 * 29);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) raw[y * 29 + 1 + x] = Math.round(digit[y * 28 + x] * 255);
    const ok = join(work, "ok.png");
    writeFileSync(ok, png(28, 28, deflateSync(raw)));
    expect((await cli("predict", run, ok)).code).toBe(0);
  });

  it("a zlib stream cut in half (it answered 'prediction: 4, p = 0.9237', exit 0)", async () => {
    const z = deflateSync(raw);
    const f = join(work, "cut-stream.png");
    writeFileSync(f, png(28, 28, z.subarray(0, z.length >> 1)));
    const r = await cli("predict", run, f);
    expect(r.out).toEqual([]);
    expect(r.code).toBe(1);
    expect(expectOneLine(r.err)).toContain(`${f} is cut short: its compressed image data ends early`);
  });

  it("a complete stream holding 14 of the 28 rows", async () => {
    const f = join(work, "half-rows.png");
    writeFileSync(f, png(28, 28, deflateSync(raw.subarray(0, 14 * 29))));
    await fails(
      ["predict", run, f],
      `${f} holds 406 of the 812 bytes of image data its 28x28 header calls for: ` + "rows are missing",
    );
  });

  it("corrupt or surplus image data, and a file cut before IEND", async () => {
    const garbage = join(work, "garbage.png");
    writeFileSync(
      garbage,
      png(
        28,
        28,
        Uint8Array.from({ length: 300 }, (_, i) => (i * 97) & 255),
      ),
    );
    await fails(["predict", run, garbage], `${garbage} has corrupt image data`);
    const more = join(work, "more.png");
    writeFileSync(more, png(28, 28, deflateSync(Buffer.concat([raw, raw]))));
    await fails(["predict", run, more], `${more} holds more image data than its 28x28 header calls for`);
    const whole = png(28, 28, deflateSync(raw));
    const cut = join(work, "no-iend.png");
    writeFileSync(cut, whole.subarray(0, whole.length - 12));
    await fails(["predict", run, cut], `${cut} is cut short: it ends before the PNG's closing IEND chunk`);
    // The scanlines check agrees with zlib about the valid file.
    expect(inflateSync(deflateSync(raw)).length).toBe(812);
  });
});
