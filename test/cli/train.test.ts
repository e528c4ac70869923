// `gradlab train` end to end on small data: run folder contents, PyTorch keys, report, epoch table,
// and the commands that read a run folder (eval, predict, summary, export).
import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeSafetensors } from "../../src/io/safetensors.js";
import { loadMnist } from "../../src/data/mnist_node.js";
import { encodeGrey } from "../../src/cli/png.js";
import { loadModel } from "../../src/cli/load.js";
import { noGrad, tensor } from "../../src/index.js";
import { cli, expectOneLine, tmp } from "./helpers.js";

// A plain Uint8Array: decodeSafetensors mis-sizes arrays when handed a Node Buffer (reported to helper-io).
const read = (dir: string, f: string) => new Uint8Array(readFileSync(join(dir, f)));

describe("gradlab train on a small MNIST subset", () => {
  let dir: string;
  let out: string[];
  beforeAll(async () => {
    dir = join(tmp("mnist"), "run");
    const r = await cli(
      "train",
      "--limit",
      "1200",
      "--val-size",
      "200",
      "--epochs",
      "2",
      "--hidden",
      "32,16",
      "--lr",
      "0.05",
      "--out",
      dir,
    );
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    out = r.out;
  });

  it("prints an epoch table and ends with the test accuracy", () => {
    expect(out.some((l) => /^epoch\s+train loss\s+val loss\s+val acc\s+time$/.test(l))).toBe(true);
    expect(out.filter((l) => /^\s+\d+\s+\d+\.\d{4}\s+\d+\.\d{4}\s+\d\.\d{4}\s+\d+\.\ds$/.test(l))).toHaveLength(2);
    expect(out[out.length - 1]).toMatch(/^test accuracy: 0\.\d{4}$/);
    expect(Number(out[out.length - 1].split(": ")[1])).toBeGreaterThan(0.3);
  });

  it("writes a run folder with PyTorch-named float32 weights", () => {
    for (const f of ["model.safetensors", "config.json", "metrics.jsonl", "report.html"]) {
      expect(existsSync(join(dir, f))).toBe(true);
    }
    // The resumable checkpoint is one folder, committed by a single rename; only the newest is kept.
    expect(readdirSync(join(dir, "checkpoints"))).toEqual(["000002"]);
    const inside = readdirSync(join(dir, "checkpoints", "000002")).sort();
    expect(inside).toEqual(["model.safetensors", "optimizer.safetensors", "state.json"]);
    expect(existsSync(join(dir, "state.json"))).toBe(false);
    expect(existsSync(join(dir, "train.lock"))).toBe(false);
    const { tensors, metadata } = decodeSafetensors(read(dir, "model.safetensors"));
    expect([...tensors.keys()].sort()).toEqual(["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"]);
    expect(tensors.get("0.weight")!.shape).toEqual([32, 784]);
    expect(tensors.get("2.weight")!.shape).toEqual([16, 32]);
    expect(tensors.get("4.weight")!.shape).toEqual([10, 16]);
    expect(tensors.get("4.bias")!.shape).toEqual([10]);
    for (const a of tensors.values()) expect(a.dtype).toBe("float32");
    expect(metadata.format).toBe("pt");
    const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(cfg).toMatchObject({
      dataset: "mnist",
      hidden: [32, 16],
      activation: "relu",
      optimizer: "sgd",
      lr: 0.05,
      momentum: 0.9,
      batchSize: 64,
      epochs: 2,
    });
    const lines = readFileSync(join(dir, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.split)).toEqual(["train", "train", "test"]);
    expect(lines[0]).toMatchObject({ epoch: 1 });
    expect(lines[1].valAcc).toBeGreaterThan(0.3);
  });

  it("writes a self-contained report with curves, confusion matrix and mistakes", () => {
    const html = readFileSync(join(dir, "report.html"), "utf8");
    expect(html).toContain("<svg");
    expect(html).toContain("Confusion matrix");
    expect(html).toMatch(/data:image\/png;base64,/);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
  });

  it("eval reproduces the test accuracy from the run folder and from the bare file", async () => {
    const final = out[out.length - 1];
    const a = await cli("eval", dir);
    expect(a.code).toBe(0);
    expect(a.out[a.out.length - 1]).toBe(final);
    const b = await cli("eval", join(dir, "model.safetensors"), "--limit", "1200");
    expect(b.out[b.out.length - 1]).toBe(final);
  });

  it("eval of a checkpoint laid out like PyTorch's (no gradlab metadata) works", async () => {
    // What torch.save(safetensors) of nn.Sequential(Linear, ReLU, Linear, ReLU, Linear) gives: keys and shapes only.
    const { tensors } = decodeSafetensors(read(dir, "model.safetensors"));
    const { encodeSafetensors } = await import("../../src/io/safetensors.js");
    const f = join(tmp("pt"), "from_torch.safetensors");
    writeFileSync(f, encodeSafetensors(tensors, { format: "pt" }));
    const r = await cli("eval", f, "--limit", "1200");
    expect(r.code).toBe(0);
    expect(r.out[r.out.length - 1]).toBe(out[out.length - 1]);
  });

  it("predict classifies a PNG, resized from 56x56", async () => {
    const test = loadMnist("test", { limit: 20 });
    const png = join(tmp("png"), "digit.png");
    // Upscale test image 0 by 2 with a dark-on-light look, as a photo of paper would be.
    const big = new Float32Array(56 * 56);
    for (let y = 0; y < 56; y++)
      for (let x = 0; x < 56; x++) big[y * 56 + x] = 1 - test.images[(y >> 1) * 28 + (x >> 1)];
    writeFileSync(png, encodeGrey(big, 56, 56));
    const { model } = await loadModel(dir);
    model.eval();
    const logits = noGrad(() => model(tensor(test.images.subarray(0, 784), { shape: [1, 784] }))).dataSync();
    const expected = logits.indexOf(Math.max(...logits));
    const r = await cli("predict", dir, png);
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe(`prediction: ${expected}`);
  });

  it("predict rejects unreadable and too-small images with one line", async () => {
    const d = tmp("badpng");
    writeFileSync(join(d, "junk.png"), "not a png at all");
    const a = await cli("predict", dir, join(d, "junk.png"));
    expect(a.code).toBe(1);
    expect(expectOneLine(a.err)).toMatch(/junk\.png is not a PNG image \(it does not start with the PNG signature\)/);
    const valid = encodeGrey(new Float32Array(28 * 28), 28, 28);
    writeFileSync(join(d, "cut.png"), valid.subarray(0, 40));
    const cut = await cli("predict", dir, join(d, "cut.png"));
    expect(cut.code).toBe(1);
    expect(expectOneLine(cut.err)).toMatch(/cut\.png is cut short: it ends before the PNG's closing IEND chunk/);
    writeFileSync(join(d, "small.png"), encodeGrey(new Float32Array(100), 10, 10));
    const b = await cli("predict", dir, join(d, "small.png"));
    expect(expectOneLine(b.err)).toMatch(/10x10; it must be at least 28x28/);
    writeFileSync(join(d, "blank.png"), encodeGrey(new Float32Array(40 * 40).fill(1), 40, 40));
    const blank = await cli("predict", dir, join(d, "blank.png"));
    expect(blank.code).toBe(1);
    expect(expectOneLine(blank.err)).toMatch(/blank\.png has no digit in it: every pixel is the background colour/);
    const c = await cli("predict", dir, join(d, "missing.png"));
    expect(expectOneLine(c.err)).toMatch(/missing\.png: it does not exist/);
  });

  it("export --onnx writes a model onnxruntime runs to the same logits", async () => {
    const file = join(tmp("onnx"), "model.onnx");
    const r = await cli("export", dir, "--onnx", file);
    expect(r.code).toBe(0);
    const test = loadMnist("test", { limit: 8 });
    const { model } = await loadModel(dir);
    model.eval();
    const ours = noGrad(() => model(tensor(test.images, { shape: [8, 784] }))).dataSync();
    const session = await ort.InferenceSession.create(readFileSync(file));
    const res = await session.run({ input: new ort.Tensor("float32", test.images, [8, 784]) });
    const theirs = res.logits.data as Float32Array;
    expect(theirs.length).toBe(80);
    for (let i = 0; i < 80; i++) expect(Math.abs(theirs[i] - ours[i])).toBeLessThan(1e-5);
  });
});

describe("gradlab summary", () => {
  it("prints the default model's table with 269,322 parameters", async () => {
    const r = await cli("summary");
    expect(r.code).toBe(0);
    const text = r.out.join("\n");
    expect(text).toContain("Total params: 269,322");
    expect(text).toMatch(/0 \(Linear\)\s+\[1, 256\]\s+200,960/);
  });
  it("follows --hidden and --batchnorm", async () => {
    const r = await cli("summary", "--hidden", "100", "--batchnorm");
    expect(r.out.join("\n")).toContain(`Total params: ${(784 * 100 + 100 + 200 + 1010).toLocaleString("en-US")}`);
  });
});

describe("gradlab train on synthetic data", () => {
  it("trains spirals with adam, batchnorm, dropout and gelu", async () => {
    const dir = join(tmp("spirals"), "run");
    const r = await cli(
      "train",
      "--dataset",
      "spirals",
      "--hidden",
      "32,32",
      "--optimizer",
      "adam",
      "--lr",
      "0.01",
      "--batchnorm",
      "--dropout",
      "0.1",
      "--activation",
      "gelu",
      "--epochs",
      "3",
      "--init",
      "kaiming",
      "--out",
      dir,
    );
    expect(r.code).toBe(0);
    const { tensors } = decodeSafetensors(read(dir, "model.safetensors"));
    expect(tensors.get("1.running_mean")!.shape).toEqual([32]);
    expect(tensors.get("1.num_batches_tracked")!.dtype).toBe("int64");
    expect([...tensors.keys()].filter((k) => k.endsWith("weight")).sort()).toEqual([
      "0.weight",
      "1.weight",
      "4.weight",
      "5.weight",
      "8.weight",
    ]);
    // The synthetic sets hold out 15% (150 of 1,000) whatever --val-size says; config.json tells the truth.
    expect(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")).valSize).toBe(150);
    // A run folder with BatchNorm/Dropout still loads for eval and ONNX export.
    expect((await cli("eval", dir)).out.at(-1)).toBe(r.out.at(-1));
    expect((await cli("export", dir, "--onnx", join(dir, "m.onnx"))).code).toBe(0);
  });

  it("refuses to overwrite an existing run", async () => {
    const dir = join(tmp("twice"), "run");
    expect((await cli("train", "--dataset", "xor", "--epochs", "1", "--hidden", "4", "--out", dir)).code).toBe(0);
    const r = await cli("train", "--dataset", "xor", "--epochs", "1", "--out", dir);
    expect(r.code).toBe(2);
    expect(expectOneLine(r.err)).toMatch(/already holds a run; continue it with --resume/);
  });
});
