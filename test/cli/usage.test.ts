// Bad command lines: one clear line and exit code 2, never a stack trace.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, expectOneLine, ROOT, tmp } from "./helpers.js";

describe("usage errors exit 2 with one line", () => {
  const cases: Array<[string[], RegExp]> = [
    [["train", "--bogus"], /unknown option '--bogus'/],
    [["frobnicate"], /unknown command/],
    [["train", "--epochs", "abc"], /--epochs must be an integer, got "abc"/],
    [["train", "--epochs", "0"], /--epochs must be ≥ 1/],
    [["train", "--epochs", "1.5"], /--epochs must be an integer/],
    [["train", "--lr", "-0.1"], /--lr must be > 0/],
    [["train", "--lr", "1e"], /--lr must be a number/],
    [["train", "--batch-size", "0"], /--batch-size must be ≥ 1/],
    [["train", "--hidden", "256,x"], /--hidden must be an integer, got "x"/],
    [["train", "--activation", "swish"], /--activation must be one of relu, sigmoid, tanh, gelu, silu/],
    [["train", "--optimizer", "lbfgs"], /--optimizer must be one of sgd, adam, adamw/],
    [["train", "--dropout", "1"], /--dropout must be < 1/],
    [["train", "--momentum", "2"], /--momentum must be ≤/],
    [["train", "--dataset", "cifar"], /--dataset must be one of/],
    [["train", "--hidden", "256,,256"], /--hidden "256,,256" has an empty entry; give layer sizes separated by commas/],
    [["train", "--backend", "cuda"], /--backend must be one of js, wasm/],
    [["train", "--epochs"], /argument missing/],
    [["eval"], /missing required argument 'target'/],
    [["export", "somewhere"], /export needs --onnx FILE/],
  ];
  it("a run refused for its flags leaves no run folder", async () => {
    const out = join(tmp("refused"), "run");
    const r = await cli("train", "--limit", "300", "--val-size", "300", "--epochs", "1", "--out", out);
    expect(r.code).toBe(2);
    expect(expectOneLine(r.err)).toMatch(/--val-size 300 leaves no training images/);
    expect(existsSync(out)).toBe(false);
  });
  for (const [argv, msg] of cases) {
    it(argv.join(" "), async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(expectOneLine(r.err)).toMatch(msg);
    });
  }

  it("--help exits 0 and lists the knobs", async () => {
    const r = await cli("train", "--help");
    expect(r.code).toBe(0);
    const text = r.out.join("\n");
    for (const f of [
      "--epochs",
      "--lr",
      "--momentum",
      "--optimizer",
      "--batch-size",
      "--hidden",
      "--activation",
      "--dropout",
      "--batchnorm",
      "--init",
      "--seed",
      "--threads",
      "--backend",
      "--out",
      "--resume",
      "--dataset",
    ])
      expect(text).toContain(f);
  });
});

describe("the gradlab bin", () => {
  it("runs the compiled CLI (npm test builds first)", () => {
    expect(existsSync(join(ROOT, "dist/cli/main.js")), "dist/cli/main.js is missing: run npm run build").toBe(true);
    const r = spawnSync(process.execPath, [join(ROOT, "bin/gradlab.js"), "train", "--epochs", "zero"], {
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('gradlab: --epochs must be an integer, got "zero"');
    const s = spawnSync(process.execPath, [join(ROOT, "bin/gradlab.js"), "summary"], { encoding: "utf8" });
    expect(s.status).toBe(0);
    expect(s.stdout).toContain("Total params: 269,322");
  });
  it("no command prints help and exits 2", async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.err.join("\n")).toContain("Usage: gradlab");
  });
});
