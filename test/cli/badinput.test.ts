// Bad files get one clear line and exit 1: IDX, safetensors (truncated, lying, huge, wrong dtype),
// shape mismatches; plus PyTorch-made checkpoints load through the CLI's loader.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeSafetensors } from "../../src/io/safetensors.js";
import { mnistDataDir } from "../../src/data/mnist_node.js";
import { loadModel } from "../../src/cli/load.js";
import { noGrad, tensor } from "../../src/index.js";
import { checkpointDir, cli, expectOneLine, ROOT, tmp } from "./helpers.js";

/** A safetensors header + data with whatever lies we like. */
function rawSafetensors(
  header: object | string,
  data: Uint8Array = new Uint8Array(0),
  lenOverride?: bigint,
): Uint8Array {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lenOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (n: number, v = 0.01) => new Float32Array(n).fill(v);
const mlp = (h: number) =>
  encodeSafetensors({
    "0.weight": { shape: [h, 784], dtype: "float32", data: f32(h * 784) },
    "0.bias": { shape: [h], dtype: "float32", data: f32(h) },
    "2.weight": { shape: [10, h], dtype: "float32", data: f32(10 * h) },
    "2.bias": { shape: [10], dtype: "float32", data: f32(10) },
  });

describe("corrupt or missing MNIST IDX files", () => {
  let dir: string;
  beforeAll(() => {
    dir = tmp("idx");
    for (const f of ["train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"])
      copyFileSync(join(mnistDataDir(), f), join(dir, f));
    // Truncated images file: a valid header promising 60,000 images, then only 1,000 bytes.
    writeFileSync(
      join(dir, "train-images-idx3-ubyte"),
      readFileSync(join(mnistDataDir(), "train-images-idx3-ubyte")).subarray(0, 1016),
    );
  });
  it("a truncated images file", async () => {
    const r = await cli("train", "--data-dir", dir, "--epochs", "1", "--out", join(tmp("o"), "run"));
    expect(r.code).toBe(1);
    expect(expectOneLine(r.err)).toMatch(/train-images-idx3-ubyte/);
  });
  it("a missing folder", async () => {
    const r = await cli("train", "--data-dir", join(dir, "nope"), "--epochs", "1", "--out", join(tmp("o"), "run"));
    expect(r.code).toBe(1);
    expect(expectOneLine(r.err)).toMatch(/not found/);
  });
});

describe("malicious or broken safetensors files", () => {
  const d = tmp("st");
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ["empty", new Uint8Array(3), /too short/],
    ["header length past the end", rawSafetensors({}, new Uint8Array(0), 1000n), /runs past the end of the file/],
    ["huge header", rawSafetensors({}, new Uint8Array(0), 1n << 62n), /exceeds the 100000000-byte/],
    [
      "offsets out of range",
      rawSafetensors({ "0.weight": { dtype: "F32", shape: [10, 784], data_offsets: [0, 31360] } }, new Uint8Array(16)),
      /0\.weight/,
    ],
    ["not JSON", rawSafetensors("{not json"), /not valid JSON/],
    [
      "unknown dtype",
      rawSafetensors({ "0.weight": { dtype: "F8_E4M3", shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      /F8_E4M3/,
    ],
    ["truncated real file", mlp(8).subarray(0, 2000), /safetensors|bytes/],
  ];
  for (const [name, data, msg] of cases) {
    it(name, async () => {
      const f = join(d, name.replace(/ /g, "_") + ".safetensors");
      writeFileSync(f, data);
      const r = await cli("eval", f);
      expect(r.code).toBe(1);
      const line = expectOneLine(r.err);
      expect(line).toMatch(msg);
      expect(line).toContain(f);
    });
  }

  it("integer weights (wrong dtype)", async () => {
    const f = join(d, "int.safetensors");
    writeFileSync(
      f,
      encodeSafetensors({
        "0.weight": { shape: [10, 784], dtype: "int32", data: new Int32Array(7840) },
        "0.bias": { shape: [10], dtype: "float32", data: f32(10) },
      }),
    );
    const r = await cli("eval", f);
    expect(r.code).toBe(1);
    expect(expectOneLine(r.err)).toMatch(/0\.weight has dtype int32, expected float32/);
  });

  it("a file that is not an MLP", async () => {
    const f = join(d, "conv.safetensors");
    writeFileSync(f, encodeSafetensors({ "conv1.weight": { shape: [4, 1, 3, 3], dtype: "float32", data: f32(36) } }));
    expect(expectOneLine((await cli("eval", f)).err)).toMatch(/"conv1\.weight" is not an MLP layer key/);
  });
});

describe("checkpoints that do not fit the model", () => {
  it("lists every mismatched shape", async () => {
    const dir = join(tmp("mismatch"), "run");
    expect(
      (await cli("train", "--limit", "300", "--val-size", "50", "--epochs", "1", "--hidden", "16", "--out", dir)).code,
    ).toBe(0);
    writeFileSync(join(dir, "model.safetensors"), mlp(8));
    const r = await cli("eval", dir);
    expect(r.code).toBe(1);
    const line = expectOneLine(r.err);
    expect(line).toMatch(
      /shapes do not match the model: 0\.weight is \[8, 784\] in the file but \[16, 784\] in the model; 0\.bias is \[8\] in the file but \[16\] in the model; 2\.weight is \[10, 8\] in the file but \[10, 16\] in the model/,
    );
  });

  it("a resume whose files come from different saves is refused, even saves of the same step", async () => {
    // Two identical runs save at the same global step; each save's id is unique all the same,
    // so the optimizer state of one copied into the other is told apart.
    const args = ["--dataset", "xor", "--hidden", "4", "--epochs", "1"];
    const a = join(tmp("torn"), "run"),
      b = join(tmp("torn"), "run");
    expect((await cli("train", ...args, "--out", a)).code).toBe(0);
    expect((await cli("train", ...args, "--out", b)).code).toBe(0);
    const ida = JSON.parse(readFileSync(join(checkpointDir(a), "state.json"), "utf8")).checkpointId;
    const idb = JSON.parse(readFileSync(join(checkpointDir(b), "state.json"), "utf8")).checkpointId;
    expect(ida.split("-")[0]).toBe(idb.split("-")[0]);
    expect(ida).not.toBe(idb);
    copyFileSync(join(checkpointDir(b), "optimizer.safetensors"), join(checkpointDir(a), "optimizer.safetensors"));
    const r = await cli("train", "--resume", a, "--epochs", "2");
    expect(r.code).toBe(1);
    expect(expectOneLine(r.err)).toMatch(/come from different saves/);
  });

  it("a non-MNIST model is not evaluated on MNIST", async () => {
    const r = await cli("eval", join(ROOT, "test/fixtures/tiny_mlp.safetensors"));
    expect(r.code).toBe(1);
    expect(expectOneLine(r.err)).toMatch(/4-input, 2-class model; MNIST needs 784 inputs and 10 classes/);
  });
});

describe("a safetensors file written by PyTorch", () => {
  it("loads through the CLI's loader and gives PyTorch's logits", async () => {
    const ref = JSON.parse(readFileSync(join(ROOT, "test/fixtures/tiny_mlp.json"), "utf8"));
    const { model, arch } = await loadModel(join(ROOT, "test/fixtures/tiny_mlp.safetensors"));
    expect(arch).toMatchObject({ inputSize: 4, hidden: [3], numClasses: 2, activation: "relu" });
    const x = tensor(Float32Array.from(ref.input.data.flat(Infinity)), { shape: ref.input.shape });
    const y = noGrad(() => model.eval()(x)).dataSync();
    const want = (ref.logits.data as number[]).flat(Infinity) as number[];
    want.forEach((v, i) => expect(Math.abs(y[i] - v)).toBeLessThan(1e-6));
  });
  it("summary and export work on it", async () => {
    const s = await cli("summary", join(ROOT, "test/fixtures/tiny_mlp.safetensors"));
    expect(s.out.join("\n")).toContain("Total params: 23");
    const out = join(tmp("tinyonnx"), "tiny.onnx");
    mkdirSync(join(out, ".."), { recursive: true });
    expect((await cli("export", join(ROOT, "test/fixtures/tiny_mlp.safetensors"), "--onnx", out)).code).toBe(0);
  });
});

describe("more hostile inputs (from review)", () => {
  it("a PNG whose header claims 60000x60000 pixels is refused before decoding", async () => {
    const dir = join(tmp("bomb"), "run");
    expect(
      (await cli("train", "--limit", "300", "--val-size", "50", "--epochs", "1", "--hidden", "8", "--out", dir)).code,
    ).toBe(0);
    const png = new Uint8Array(64);
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    new DataView(png.buffer).setUint32(16, 60000);
    new DataView(png.buffer).setUint32(20, 60000);
    const file = join(dir, "bomb.png");
    writeFileSync(file, png);
    const t0 = performance.now();
    const r = await cli("predict", dir, file);
    expect(r.code).toBe(1);
    expect(expectOneLine(r.err)).toMatch(/says it is 60000x60000 pixels; images larger than 4096x4096 are refused/);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it("a config.json with a bad value is one line and exit 1, not silently another dataset", async () => {
    const dir = join(tmp("badcfg"), "run");
    expect((await cli("train", "--dataset", "spirals", "--hidden", "4", "--epochs", "1", "--out", dir)).code).toBe(0);
    const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...cfg, dataset: "fashion" }));
    const r = await cli("eval", dir);
    expect(r.code).toBe(1);
    expect(expectOneLine(r.err)).toMatch(
      /config\.json: --dataset must be one of mnist, xor, spirals, moons, circles; got "fashion"/,
    );
  });

  it("export into an existing directory fails with one line and leaves no temporary file", async () => {
    const dir = join(tmp("exportdir"), "run");
    expect((await cli("train", "--dataset", "xor", "--hidden", "4", "--epochs", "1", "--out", dir)).code).toBe(0);
    const target = join(dir, "out.onnx");
    mkdirSync(target);
    const r = await cli("export", dir, "--onnx", target);
    expect(r.code).toBe(1);
    expectOneLine(r.err);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });
});
