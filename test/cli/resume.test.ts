// Nothing lost: Ctrl-C saves a resumable checkpoint (exit 130) and --resume reaches exactly the
// numbers of an uninterrupted run; a diverging loss stops with a hint and keeps the last good checkpoint.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, type TrainConfig } from "../../src/cli/config.js";
import { DivergedError, train } from "../../src/train/train.js";
import { decodeSafetensors } from "../../src/io/safetensors.js";
import { checkpointDir, cli, cliChild, expectOneLine, tmp } from "./helpers.js";

const bytes = (dir: string, f: string) => readFileSync(join(dir, f));
const metrics = (dir: string) =>
  readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const { time: _t, ...rest } = JSON.parse(l);
      return rest;
    });

// Dropout and BatchNorm make the run depend on the global RNG and on buffers, not just weights.
const cfg: TrainConfig = {
  ...DEFAULT_CONFIG,
  dataset: "spirals",
  limit: 600,
  hidden: [16, 16],
  dropout: 0.2,
  batchnorm: true,
  epochs: 3,
  lr: 0.05,
  batchSize: 32,
};

async function uninterrupted(): Promise<string> {
  const dir = join(tmp("full"), "run");
  expect((await train(cfg, { outDir: dir })).status).toBe("done");
  return dir;
}

/** A checkpoint's optimizer buffers (its metadata holds the save's unique id, so bytes differ between runs). */
const optimizerTensors = (run: string) =>
  decodeSafetensors(new Uint8Array(bytes(checkpointDir(run), "optimizer.safetensors"))).tensors;

function expectSameRun(a: string, b: string): void {
  // The run folder's model carries no save id: identical runs write identical bytes.
  expect(bytes(b, "model.safetensors").equals(bytes(a, "model.safetensors"))).toBe(true);
  expect(optimizerTensors(b)).toEqual(optimizerTensors(a));
  expect(metrics(b)).toEqual(metrics(a));
}

describe("interrupt and resume", () => {
  it("resumes mid-epoch to bit-identical weights, optimizer state and metrics", async () => {
    const ref = await uninterrupted();
    for (const stopAt of [5, 14, 30]) {
      // mid epoch 1, the last step of epoch 1, mid epoch 3
      const dir = join(tmp(`stop${stopAt}`), "run");
      const ac = new AbortController();
      let n = 0;
      const r1 = await train(cfg, {
        outDir: dir,
        signal: ac.signal,
        onStep: () => {
          if (++n === stopAt) ac.abort();
        },
      });
      expect(r1.status).toBe("interrupted");
      expect(JSON.parse(readFileSync(join(checkpointDir(dir), "state.json"), "utf8")).interrupted).toBe(true);
      const r2 = await train(cfg, { outDir: dir, resume: true });
      expect(r2.status).toBe("done");
      expectSameRun(ref, dir);
    }
  });

  it("Ctrl-C in the CLI exits 130 with a checkpoint, and --resume finishes the run identically", async () => {
    const args = [
      "--dataset",
      "spirals",
      "--limit",
      "600",
      "--hidden",
      "16,16",
      "--dropout",
      "0.2",
      "--epochs",
      "3",
      "--lr",
      "0.05",
      "--batch-size",
      "32",
    ];
    const ref = join(tmp("cliref"), "run");
    expect((await cli("train", ...args, "--out", ref)).code).toBe(0);
    const dir = join(tmp("cliint"), "run");
    const r1 = await cliChild(["train", ...args, "--out", dir, "--stop-after-steps", "20"]);
    expect(r1.code).toBe(130);
    expect(r1.stderr).toMatch(/checkpoint saved in .*Continue with: gradlab train --resume/);
    expect(r1.stderr).not.toMatch(/\n\s+at /);
    const r2 = await cli("train", "--resume", dir);
    expect(r2.code).toBe(0);
    expect(r2.out.at(-1)).toMatch(/^test accuracy: /);
    expectSameRun(ref, dir);
  });

  it("a real SIGINT mid-training finishes the step, saves and exits 130", async () => {
    const dir = join(tmp("sigint"), "run");
    let sent = false;
    const r = await cliChild(
      ["train", "--dataset", "spirals", "--limit", "20000", "--hidden", "64,64", "--epochs", "50", "--out", dir],
      (line, child) => {
        // Sent once the first epoch's table row is out, so it lands in the middle of epoch 2.
        if (!sent && /^\s+1\s+\d+\.\d+/.test(line)) {
          sent = true;
          child.kill("SIGINT");
        }
      },
    );
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    const st = JSON.parse(readFileSync(join(checkpointDir(dir), "state.json"), "utf8"));
    expect(st.interrupted).toBe(true);
    expect(st.done).toBe(false);
    expect(existsSync(join(dir, "model.safetensors"))).toBe(true);
  });

  it("--resume refuses flags that would change the run and accepts more --epochs", async () => {
    const dir = join(tmp("more"), "run");
    expect((await cli("train", "--dataset", "xor", "--hidden", "8", "--epochs", "1", "--out", dir)).code).toBe(0);
    const bad = await cli("train", "--resume", dir, "--lr", "0.5");
    expect(bad.code).toBe(2);
    expect(expectOneLine(bad.err)).toMatch(/--lr cannot change on --resume/);
    const more = await cli("train", "--resume", dir, "--epochs", "2");
    expect(more.code).toBe(0);
    expect(metrics(dir).filter((m) => m.split === "train")).toHaveLength(2);
    const missing = await cli("train", "--resume", join(dir, "nope"));
    expect(missing.code).toBe(1);
    expect(expectOneLine(missing.err)).toMatch(/not a gradlab run folder/);
  });
});

describe("divergence", () => {
  it("stops on a NaN/inf loss with the step, last finite loss and a hint, keeping the last good checkpoint", async () => {
    const dir = join(tmp("nan"), "run");
    let good: Buffer | null = null;
    const err = await train(
      { ...cfg, dropout: 0, batchnorm: false },
      {
        outDir: dir,
        onEpoch: (m, { optimizer }) => {
          if (m.epoch === 1) {
            good = bytes(dir, "model.safetensors");
            optimizer.paramGroups[0].lr = 1e30;
          }
        },
      },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(DivergedError);
    expect(err.message).toMatch(
      /loss became (NaN|Infinity) at epoch 2, step \d+ \(last finite loss \d+\.\d{4}\); is the learning rate too high\?/,
    );
    expect(err.message).toMatch(/checkpoint of epoch 1 is kept/);
    expect(bytes(dir, "model.safetensors").equals(good!)).toBe(true);
  });

  it("refuses to save or report a model whose last update of the epoch blew up (one step per epoch)", async () => {
    const dir = join(tmp("blowup"), "run");
    const r = await cli(
      "train",
      "--dataset",
      "spirals",
      "--epochs",
      "1",
      "--batch-size",
      "700",
      "--lr",
      "1e30",
      "--hidden",
      "8",
      "--backend",
      "js",
      "--out",
      dir,
    );
    expect(r.code).toBe(1);
    expect(expectOneLine(r.err)).toMatch(
      /validation loss became NaN after epoch 1 .* learning rate too high\? .*No checkpoint was saved/,
    );
    expect(r.out.join("\n")).not.toMatch(/test accuracy/);
    expect(existsSync(join(dir, "model.safetensors"))).toBe(false);
  });

  it("the CLI reports it in one line with exit 1", async () => {
    const r = await cli(
      "train",
      "--dataset",
      "spirals",
      "--hidden",
      "8",
      "--lr",
      "1e30",
      "--epochs",
      "2",
      "--out",
      join(tmp("nancli"), "run"),
    );
    expect(r.code).toBe(1);
    expect(expectOneLine(r.err)).toMatch(/loss became .* learning rate too high\? Try a smaller --lr than 1e\+30/);
  });
});
