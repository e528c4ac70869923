// Flags that passed validation and then misbehaved: sizes are checked against what the backend's
// memory can hold before anything is built (in the flag's own words), numbers are decimal,
// thread counts above the core count are capped with a message, and summary never ignores a flag.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkTrainingFits, memoryLimit, parameterCount } from "../../src/cli/budget.js";
import { DEFAULT_CONFIG } from "../../src/cli/config.js";
import { cli, expectOneLine, tmp } from "./helpers.js";

/** The lecture's 784-256-256-10 MLP. */
const LECTURE = {
  inputSize: 784,
  numClasses: 10,
  hidden: [256, 256],
  activation: "relu" as const,
  dropout: 0,
  batchnorm: false,
};
const XOR = ["--dataset", "xor", "--hidden", "4", "--epochs", "1"];

describe("sizes are checked against memory before anything is built", () => {
  it("train --hidden 1000000 (it used 10.9 GB and died in WebAssembly.Memory.grow())", async () => {
    const out = join(tmp("huge"), "run");
    const r = await cli("train", "--hidden", "1000000", "--backend", "wasm", "--out", out);
    expect(r.code).toBe(2);
    const line = expectOneLine(r.err);
    expect(line).toMatch(/^gradlab: --hidden 1000000 makes a model of 795,000,010 parameters, /);
    expect(line).toMatch(/whose weights, gradients /);
    expect(line).toMatch(/and SGD momentum take 9\.5 GB at 4 bytes each: training it needs at least \d+\.\d GB, /);
    expect(line).toMatch(/more than the 4 GiB the wasm backend can address; use narrower or fewer hidden layers$/);
    expect(r.out).toEqual([]);
  });

  it("an oversized --batch-size or synthetic --limit is named as the cause", async () => {
    const cfg = { ...DEFAULT_CONFIG, backend: "wasm", hidden: [60_000], batchSize: 1_000_000 };
    const arch = { ...LECTURE, inputSize: 2, numClasses: 2, hidden: cfg.hidden };
    expect(() => checkTrainingFits(cfg, arch, 1_000_000)).toThrow(
      /^--batch-size 1000000 with --hidden 60000: one batch's activations and their gradients take 960\.0 GB/,
    );
    const out = join(tmp("points"), "run");
    const r = await cli("train", "--dataset", "spirals", "--limit", "2000000000", "--backend", "wasm", "--out", out);
    expect(r.code).toBe(2);
    expect(expectOneLine(r.err)).toMatch(/--limit 2000000000 asks for 2,000,000,000 spirals points, which need /);
    expect(r.err[0]).toMatch(/96\.0 GB, more than the 4 GiB the wasm backend can address; use a smaller --limit$/);
  });

  it("summary --hidden builds nothing it cannot hold", async () => {
    const r = await cli("summary", "--hidden", "1000000,1000000");
    expect(r.code).toBe(2);
    expect(expectOneLine(r.err)).toMatch(
      /--hidden 1000000,1000000 describes a model of 1,000,796,000,010 parameters; its float32 weights/,
    );
  });

  it("the lecture's model is far inside the limit, and the parameter count is summary's", () => {
    expect(parameterCount(LECTURE)).toBe(269_322);
    expect(memoryLimit("wasm").bytes).toBeLessThanOrEqual(2 ** 32);
    expect(() => checkTrainingFits(DEFAULT_CONFIG, LECTURE, 55_000)).not.toThrow();
  });
});

describe("number flags are decimal", () => {
  for (const v of ["0x10", "0b1", "0o7", "1_000", "Infinity", " "]) {
    it(`--lr ${JSON.stringify(v)} is refused (0x10 was accepted as 16)`, async () => {
      const r = await cli("train", "--lr", v);
      expect(r.code).toBe(2);
      expect(expectOneLine(r.err)).toBe(`gradlab: --lr must be a number, got "${v}"`);
    });
  }
  it("ordinary decimal forms still parse", async () => {
    const r = await cli("summary", "--hidden", "1e1,+5");
    expect(r.code).toBe(0);
    expect(r.out.join("\n")).toMatch(/0 \(Linear\)\s+\[1, 10\]/);
  });
});

describe("--threads above the core count", () => {
  it("is capped to the cores with a message, recorded in config.json (256 on 2 cores ran 30x slower)", async () => {
    const cores = availableParallelism();
    const dir = join(tmp("threads"), "run");
    const r = await cli("train", ...XOR, "--threads", "256", "--out", dir);
    expect(r.code).toBe(0);
    const have = `this machine has ${cores} core${cores === 1 ? "" : "s"}`;
    expect(r.err).toEqual([
      `gradlab: --threads 256 is more than the cores here; ${have}, so using ${cores} ` +
        "(more threads than cores only wait for each other)",
    ]);
    expect(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")).threads).toBe(cores);
    const within = await cli("train", ...XOR, "--threads", "1", "--out", join(tmp("threads1"), "run"));
    expect(within.err).toEqual([]);
  });
});

describe("summary RUN with model flags", () => {
  it("refuses instead of silently ignoring --hidden", async () => {
    const dir = join(tmp("sumflags"), "run");
    expect((await cli("train", ...XOR, "--out", dir)).code).toBe(0);
    const r = await cli("summary", dir, "--hidden", "5");
    expect(r.code).toBe(2);
    expect(expectOneLine(r.err)).toBe(
      `gradlab: --hidden describes a new model, but summary ${dir} shows the model ` +
        `saved there; drop it, or drop ${dir} to see the model the flags make`,
    );
    const two = await cli("summary", dir, "--hidden", "5", "--batchnorm");
    expect(expectOneLine(two.err)).toMatch(/^gradlab: --hidden, --batchnorm describe a new model/);
    expect((await cli("summary", dir)).out.join("\n")).toContain("Total params: 22");
  });
});
