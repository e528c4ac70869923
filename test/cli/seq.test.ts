/**
 * `gradlab train --model gpt|lstm` on Moby-Dick, `--dataset names`, `--resume` and `gradlab generate`,
 * with tiny models (a few steps each) so the file stays fast; and the errors, in people's words.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { models, noGrad, tensor } from "../../src/index.js";
import { load } from "../../src/node.js";
import { expectClose } from "../helpers.js";
import { cli, cliChild, expectOneLine, tmp } from "./helpers.js";

const TINY_GPT = [
  "--model",
  "gpt",
  "--n-layer",
  "1",
  "--n-head",
  "2",
  "--n-embd",
  "16",
  "--block-size",
  "16",
  "--batch-size",
  "4",
  "--val-blocks",
  "8",
  "--eval-every",
  "2",
];
const valLoss = (out: string[]): number => Number(/validation loss: ([\d.]+)/.exec(out.join("\n"))![1]);

describe("gradlab train --model gpt / generate", () => {
  const dir = join(tmp("seq"), "gpt");

  it("trains a tiny GPT on Moby-Dick with validation losses, a checkpoint and a report", async () => {
    const r = await cli("train", ...TINY_GPT, "--steps", "4", "--out", dir);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/gpt \(1 layers, 2 heads, width 16; 6,241 parameters\) on moby-dick \(81 symbols/);
    const rows = r.out.filter((l) => /^\s+\d+\s+[\d.]+\s+[\d.]+/.test(l));
    expect(rows.map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual([2, 4]);
    const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(cfg).toMatchObject({ kind: "sequence", model: "gpt", dataset: "moby-dick", steps: 4, lr: 0.001 });
    expect(cfg.vocab).toHaveLength(81);
    expect(readFileSync(join(dir, "report.html"), "utf8")).toContain("Call me");
    const vals = rows.map((l) => Number(l.trim().split(/\s+/)[2]));
    expect(vals[0]).toBeLessThan(Math.log(81) + 0.3); // near uniform at the start
    expect(vals[1]).toBeLessThan(vals[0]);
  });

  it("resumes to exactly the numbers of an uninterrupted run", async () => {
    const r = await cli("train", "--resume", dir, "--steps", "6");
    expect(r.code).toBe(0);
    expect(r.out[0]).toContain("resuming at step 4");
    const straight = await cli("train", ...TINY_GPT, "--steps", "6", "--out", join(dir, "..", "straight"));
    expect(valLoss(r.out)).toBe(valLoss(straight.out));
    const fewer = await cli("train", "--resume", dir, "--steps", "2");
    expect(fewer.code).toBe(2);
    expect(expectOneLine(fewer.err)).toMatch(/already trained 6 steps; --steps 2 would undo them/);
    const changed = await cli("train", "--resume", dir, "--lr", "0.1");
    expect(changed.code).toBe(2);
    expect(expectOneLine(changed.err)).toMatch(/--lr cannot change on --resume/);
  });

  it("a run stopped mid-interval (Ctrl-C) resumes to the numbers of an uninterrupted run", async () => {
    // One interval of 6 steps: wherever the signal lands (it is handled between steps), the run is mid-interval.
    const flags = [...TINY_GPT, "--steps", "6", "--eval-every", "6"];
    const stopped = join(dir, "..", "stopped");
    const r = await cliChild(["train", ...flags, "--out", stopped, "--stop-after-steps", "1"]);
    expect(r.code).toBe(130);
    expect(r.err.join("\n")).toMatch(/interrupted at step [1-5]; checkpoint saved/);
    const resumed = await cli("train", "--resume", stopped);
    expect(resumed.code).toBe(0);
    const straight = await cli("train", ...flags, "--out", join(dir, "..", "straight6"));
    expect(valLoss(resumed.out)).toBe(valLoss(straight.out));
  });

  it("generates the same text for the same seed, other text for another", async () => {
    const a = await cli(
      "generate",
      dir,
      "--prompt",
      "Call me",
      "--tokens",
      "50",
      "--temperature",
      "0.8",
      "--seed",
      "7",
    );
    const b = await cli(
      "generate",
      dir,
      "--prompt",
      "Call me",
      "--tokens",
      "50",
      "--temperature",
      "0.8",
      "--seed",
      "7",
    );
    const c = await cli("generate", dir, "--prompt", "Call me", "--tokens", "50", "--seed", "8", "--top-k", "3");
    expect(a.code).toBe(0);
    const text = a.out.join("\n");
    expect(text.startsWith("Call me")).toBe(true);
    expect([...text].length).toBe(7 + 50);
    expect(b.out).toEqual(a.out);
    expect(c.out.join("\n")).not.toBe(text);
    const greedy = await cli("generate", dir, "--tokens", "20", "--temperature", "0", "--seed", "1");
    const greedy2 = await cli("generate", dir, "--tokens", "20", "--temperature", "0", "--seed", "2");
    expect(greedy2.out).toEqual(greedy.out); // temperature 0 is the argmax: no randomness left
  });

  it("exports the GPT to ONNX; onnxruntime runs it with the logits of the run's model", async () => {
    const file = join(dir, "..", "gpt.onnx");
    const r = await cli("export", dir, "--onnx", file);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/idx int32\[N, T ≤ 16\] → logits \[N, T, 81\]/);
    const session = await ort.InferenceSession.create(file);
    const ids = Int32Array.from([10, 20, 30, 40, 50]);
    const out = await session.run({ idx: new ort.Tensor("int32", ids, [1, 5]) });
    const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    const model = models.gpt({ vocabSize: 81, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: cfg.nEmbd });
    model.loadStateDict(load(join(dir, "model.safetensors")), { strict: true });
    model.eval();
    const want = noGrad(() => model(tensor(ids, { shape: [1, 5], dtype: "int32" }))).dataSync();
    expectClose(out.logits.data as Float32Array, want, { atol: 1e-5, rtol: 1e-4, what: "logits" });
  });

  it.each([
    [["--prompt", "Call me §"], 2, /--prompt has "§", which the model never saw/],
    [["--temperature", "-0.5"], 2, /--temperature must be ≥ 0, got -0.5/],
    [["--temperature", "warm"], 2, /--temperature must be a number, got "warm"/],
    [["--top-k", "0"], 2, /--top-k must be ≥ 1, got 0/],
    [["--top-k", "500"], 2, /--top-k 500 is more than the model's 81 characters; use 1 to 81/],
    [["--tokens", "2.5"], 2, /--tokens must be an integer/],
  ])("generate %j is refused in one line", async (flags, code, message) => {
    const r = await cli("generate", dir, ...flags);
    expect(r.code).toBe(code);
    expect(expectOneLine(r.err)).toMatch(message);
  });
});

describe("gradlab train --model lstm and --dataset names", () => {
  const root = tmp("seq2");

  it("trains a tiny char-LSTM and writes text with it", async () => {
    const dir = join(root, "lstm");
    const r = await cli(
      "train",
      "--model",
      "lstm",
      "--steps",
      "2",
      "--n-layer",
      "1",
      "--n-hidden",
      "16",
      "--n-embd",
      "8",
      "--block-size",
      "8",
      "--batch-size",
      "4",
      "--val-blocks",
      "4",
      "--out",
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/lstm \(1-layer LSTM, hidden 16; 3,689 parameters\)/);
    const g = await cli("generate", dir, "--tokens", "10", "--seed", "1");
    expect(g.code).toBe(0);
    expect([...g.out.join("\n")].length).toBe(7 + 10);
  });

  it("trains makemore's MLP on names and invents names", async () => {
    const dir = join(root, "names");
    const r = await cli("train", "--dataset", "names", "--steps", "300", "--out", dir);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/mlp \(context 3, hidden 200; 12,108 parameters\) on names \(28 symbols; [\d,]+ training/);
    expect(valLoss(r.out)).toBeLessThan(2.7); // uniform over 28 symbols is 3.33
    const g = await cli("generate", dir, "--tokens", "80", "--seed", "1", "--prompt", "ma");
    expect(g.code).toBe(0);
    const names = g.out.join("\n").split("\n");
    expect(names.length).toBeGreaterThan(2);
    for (const name of names) expect(name).toMatch(/^ma[a-z-]*$/);
    const bad = await cli("generate", dir, "--prompt", "Ma");
    expect(expectOneLine(bad.err)).toMatch(/--prompt has "M", which the model never saw/);
  });

  it.each([
    [["--dataset", "names", "--model", "gpt"], /--model gpt trains on --dataset moby-dick/],
    [["--model", "gpt", "--dataset", "mnist"], /--model gpt trains on text: use --dataset moby-dick/],
    [["--model", "mlp", "--dataset", "moby-dick"], /--model mlp on text is makemore's MLP over names/],
    [["--model", "gpt", "--epochs", "3"], /--epochs does not apply to --model gpt \(it trains --steps\)/],
    [["--model", "gpt", "--n-embd", "30", "--n-head", "4"], /--n-embd 30 must be divisible by --n-head 4/],
    [["--model", "gpt", "--steps", "10", "--eval-every", "3"], /--steps 10 must be a multiple of --eval-every 3/],
    [["--model", "gpt", "--n-hidden", "64"], /--n-hidden does not apply to --model gpt/],
    [["--model", "transformer"], /--model must be one of mlp, lenet, resnet, gpt, lstm; got "transformer"/],
    [["--steps", "10"], /--steps only apply to the language models/],
  ])("train %j is a usage error", async (flags, message) => {
    const r = await cli("train", ...flags, "--out", join(root, "never"));
    expect(r.code).toBe(2);
    expect(expectOneLine(r.err)).toMatch(message);
  });

  it("refuses a run folder of the wrong kind", async () => {
    const mlp = join(root, "xor");
    expect((await cli("train", "--dataset", "xor", "--epochs", "1", "--hidden", "4", "--out", mlp)).code).toBe(0);
    const g = await cli("generate", mlp);
    expect(g.code).toBe(1);
    expect(expectOneLine(g.err)).toMatch(/holds an image classifier run .* needs a run of gradlab train --model gpt/);
    const x = await cli("export", join(root, "names"), "--onnx", join(root, "names.onnx"));
    expect(x.code).toBe(1);
    expect(expectOneLine(x.err)).toMatch(/holds a mlp run; ONNX export covers --model gpt and the MLP classifiers/);
    const e = await cli("eval", join(root, "names"));
    expect(e.code).toBe(1);
    expect(expectOneLine(e.err)).toMatch(/holds a mlp language-model run; .* gradlab generate/);
  });
});
