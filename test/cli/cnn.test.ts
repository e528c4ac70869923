// `gradlab train --model lenet|resnet` on a few hundred MNIST images: run folder, resume, eval, predict,
// summary, export, PyTorch keys; the ResNet's one-cycle schedule resumes to the same weights; bad --model.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { applyFlags, defaultsFor } from "../../src/cli/config.js";
import { encodeGrey } from "../../src/cli/png.js";
import { loadModel } from "../../src/cli/load.js";
import { loadMnist } from "../../src/data/mnist_node.js";
import { noGrad, tensor } from "../../src/index.js";
import { decodeSafetensors } from "../../src/io/safetensors.js";
import { train } from "../../src/train/train.js";
import { cli, expectOneLine, tmp } from "./helpers.js";

const read = (dir: string, f: string) => new Uint8Array(readFileSync(join(dir, f)));
const SMALL = ["--limit", "320", "--val-size", "64"];

describe("gradlab train --model lenet", () => {
  let dir: string;
  let out: string[];
  beforeAll(async () => {
    dir = join(tmp("lenet"), "run");
    const r = await cli("train", "--model", "lenet", ...SMALL, "--epochs", "2", "--out", dir);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    out = r.out;
  });

  it("trains LeNet-5 with its recipe and writes a run folder without the MLP's fields", () => {
    expect(out[0]).toMatch(/^gradlab train: mnist, lenet, sgd lr 0\.01, batch 64, 2 epochs → /);
    expect(out.filter((l) => /^\s+\d+\s+\d+\.\d{4}\s+\d+\.\d{4}\s+\d\.\d{4}\s+\d+\.\ds$/.test(l))).toHaveLength(2);
    const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(cfg).toMatchObject({
      model: "lenet",
      optimizer: "sgd",
      lr: 0.01,
      momentum: 0.9,
      batchSize: 64,
      scheduler: "none",
    });
    for (const k of ["hidden", "activation", "dropout", "batchnorm", "init"]) expect(cfg).not.toHaveProperty(k);
    expect(cfg.arch).toEqual({ model: "lenet", inChannels: 1, imageSize: [28, 28], numClasses: 10 });
    const { tensors } = decodeSafetensors(read(dir, "model.safetensors"));
    expect([...tensors.keys()].sort()).toEqual([
      "0.bias",
      "0.weight",
      "11.bias",
      "11.weight",
      "3.bias",
      "3.weight",
      "7.bias",
      "7.weight",
      "9.bias",
      "9.weight",
    ]);
    expect(tensors.get("0.weight")!.shape).toEqual([6, 1, 5, 5]);
    expect(readFileSync(join(dir, "report.html"), "utf8")).toContain("LeNet-5");
  });

  it("resumes to the weights an uninterrupted run reaches", async () => {
    const d = join(tmp("lenet-resume"), "run");
    expect((await cli("train", "--model", "lenet", ...SMALL, "--epochs", "1", "--out", d)).code).toBe(0);
    const r = await cli("train", "--resume", d, "--epochs", "2");
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/lenet.*\(resuming\)$/);
    expect(r.out[r.out.length - 1]).toBe(out[out.length - 1]);
    expect(Buffer.from(read(d, "model.safetensors")).equals(Buffer.from(read(dir, "model.safetensors")))).toBe(true);
  });

  it("eval, predict, summary and export read the run folder", async () => {
    const e = await cli("eval", dir);
    expect(e.code).toBe(0);
    expect(e.out[e.out.length - 1]).toBe(out[out.length - 1]);

    const test = loadMnist("test", { limit: 8 });
    const { model } = await loadModel(dir);
    model.eval();
    const ours = noGrad(() => model(tensor(test.images, { shape: [8, 1, 28, 28] }))).dataSync();
    const png = join(tmp("png"), "digit.png");
    writeFileSync(png, encodeGrey(test.images.subarray(0, 784), 28, 28));
    const first = Array.from(ours.subarray(0, 10));
    const p = await cli("predict", dir, png);
    expect(p.code).toBe(0);
    expect(p.out[0]).toBe(`prediction: ${first.indexOf(Math.max(...first))}`);

    const s = await cli("summary", dir);
    expect(s.out.join("\n")).toMatch(/Conv2d[\s\S]*MaxPool2d[\s\S]*Total params: 61,706/);

    const file = join(tmp("onnx"), "lenet.onnx");
    const x = await cli("export", dir, "--onnx", file);
    expect(x.out).toEqual([`wrote ${file} (ONNX opset 17, input float32[N, 1, 28, 28] → logits [N, 10])`]);
    const session = await ort.InferenceSession.create(readFileSync(file));
    const res = await session.run({ input: new ort.Tensor("float32", test.images, [8, 1, 28, 28]) });
    const theirs = res.logits.data as Float32Array;
    for (let i = 0; i < 80; i++) expect(Math.abs(theirs[i] - ours[i])).toBeLessThan(1e-4);
  });

  it("eval reads a LeNet file saved by PyTorch (keys and shapes only)", async () => {
    const { tensors } = decodeSafetensors(read(dir, "model.safetensors"));
    const { encodeSafetensors } = await import("../../src/io/safetensors.js");
    const f = join(tmp("pt"), "lenet.safetensors");
    writeFileSync(f, encodeSafetensors(tensors, { format: "pt" }));
    const r = await cli("eval", f, "--limit", "320");
    expect(r.code).toBe(0);
    expect(r.out[r.out.length - 1]).toBe(out[out.length - 1]);
  });
});

describe("gradlab train --model resnet", () => {
  it("trains with AdamW under a one-cycle schedule, and an interrupted run resumes to the same weights", async () => {
    const flags = { model: "resnet", limit: "160", valSize: "32", batchSize: "32", epochs: "1" };
    const cfg = { ...applyFlags(defaultsFor("resnet"), flags), threads: 0 };
    expect(cfg).toMatchObject({ optimizer: "adamw", scheduler: "onecycle", lr: 0.01 });
    const whole = join(tmp("resnet"), "run");
    const a = await train(cfg, { outDir: whole });
    expect(a.status).toBe("done");
    // The lr climbs from lr/25 to 0.01 and anneals back (after the last of only 4 steps, PyTorch's
    // OneCycleLR stands a little past its minimum: torch 2.13 gives 0.002830609982086991 too).
    expect(a.history[0].lr).toBeCloseTo(0.002830609982086991, 12);

    const cut = join(tmp("resnet-cut"), "run");
    const stop = new AbortController();
    const b = await train(cfg, {
      outDir: cut,
      signal: stop.signal,
      onStep: (s) => {
        if (s.step === 2) stop.abort();
      },
    });
    expect(b.status).toBe("interrupted");
    const c = await train(cfg, { outDir: cut, resume: true });
    expect(c.status).toBe("done");
    expect(Buffer.from(read(cut, "model.safetensors")).equals(Buffer.from(read(whole, "model.safetensors")))).toBe(
      true,
    );
    expect(c.test!.accuracy).toBe(a.test!.accuracy);

    const cfgFile = JSON.parse(readFileSync(join(whole, "config.json"), "utf8"));
    expect(cfgFile.arch).toEqual({
      model: "resnet",
      inChannels: 1,
      imageSize: [28, 28],
      numClasses: 10,
      widths: [16, 32, 64],
      blocks: 1,
    });
    // Stretching the schedule over more epochs would change the numbers already computed.
    const r = await cli("train", "--resume", whole, "--epochs", "2");
    expect(r.code).toBe(2);
    expect(expectOneLine(r.err)).toMatch(/one-cycle schedule laid out over its 1 epochs; --epochs 2 cannot stretch it/);
    const e = await cli("eval", whole);
    expect(e.out[e.out.length - 1]).toBe(`test accuracy: ${a.test!.accuracy.toFixed(4)}`);
    const onnx = await cli("export", whole, "--onnx", join(tmp("resnet-onnx"), "r.onnx"));
    expect(onnx.code).toBe(0);
  });
});

describe("--model errors", () => {
  it("an unknown model is one line listing the choices, exit 2", async () => {
    const r = await cli("train", "--model", "vgg");
    expect(r.code).toBe(2);
    expect(expectOneLine(r.err)).toBe('gradlab: --model must be one of mlp, lenet, resnet, gpt, lstm; got "vgg"');
  });

  it("MLP flags with a CNN are refused by name", async () => {
    const r = await cli("train", "--model", "resnet", "--hidden", "64", "--dropout", "0.1");
    expect(r.code).toBe(2);
    expect(expectOneLine(r.err)).toBe(
      "gradlab: --hidden, --dropout shape the MLP, not --model resnet; drop them, or train --model mlp",
    );
    const d = await cli("train", "--model", "lenet", "--dataset", "spirals");
    expect(expectOneLine(d.err)).toMatch(/--model lenet reads 28×28 images; it trains on --dataset mnist, not spirals/);
  });
});
