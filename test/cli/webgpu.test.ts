// `gradlab train --device webgpu` in Node: Dawn (the optional package `webgpu`) on the SwiftShader
// Vulkan driver of Debian's chromium package. LD_LIBRARY_PATH must be set before Node starts, so
// the webgpu run is a child process. The same run on wasm (same seed, same flags) is the
// reference: the webgpu run must reach its accuracy. No skipping: without chromium's driver this
// fails with the reason. A small MLP on 2,000 MNIST images for 2 epochs (~1 min on SwiftShader).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { SWIFTSHADER_MISSING, swiftshaderEnv } from "../../src/backend/webgpu/swiftshader.js";
import { type ChildRun, cli, cliChild, expectOneLine, type Run, tmp } from "./helpers.js";

const FLAGS = [
  "--limit",
  "2200",
  "--val-size",
  "200",
  "--epochs",
  "2",
  "--hidden",
  "32,16",
  "--lr",
  "0.1",
  "--seed",
  "3",
];

interface Metrics {
  split: string;
  trainLoss?: number;
  valLoss?: number;
  valAcc?: number;
  accuracy?: number;
  loss?: number;
}
const metrics = (dir: string): Metrics[] =>
  readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Metrics);

describe("gradlab train --device webgpu (Dawn on SwiftShader)", () => {
  let gpu: ChildRun, cpu: Run;
  let gpuDir = "",
    cpuDir = "";

  beforeAll(async () => {
    const env = swiftshaderEnv();
    if (!env) throw new Error(SWIFTSHADER_MISSING);
    gpuDir = join(tmp("webgpu"), "run");
    cpuDir = join(tmp("wasm"), "run");
    gpu = await cliChild(
      ["train", "--device", "webgpu", ...FLAGS, "--out", gpuDir],
      undefined,
      env as Record<string, string>,
    );
    cpu = await cli("train", "--device", "cpu", "--backend", "wasm", ...FLAGS, "--out", cpuDir);
  }, 600_000);

  it("trains on the webgpu adapter, says which, and records the backend in config.json", () => {
    expect(gpu.code, gpu.stderr).toBe(0);
    expect(gpu.out[0]).toMatch(
      /^gradlab train: mnist, 32-16 hidden, relu, sgd lr 0\.1, batch 64, 2 epochs on webgpu \(.+ via webgpu \(Dawn\)\) → /,
    );
    // SwiftShader is a software adapter: the line says its times are not GPU times.
    expect(gpu.out[0]).toContain("fallback adapter");
    expect(gpu.out[gpu.out.length - 1]).toMatch(/^test accuracy: 0\.\d{4}$/);
    expect(JSON.parse(readFileSync(join(gpuDir, "config.json"), "utf8")).backend).toBe("webgpu");
    for (const f of ["model.safetensors", "report.html", "metrics.jsonl"])
      expect(existsSync(join(gpuDir, f))).toBe(true);
    expect(cpu.code, cpu.err.join("\n")).toBe(0);
    expect(JSON.parse(readFileSync(join(cpuDir, "config.json"), "utf8")).backend).toBe("wasm");
  });

  it("reaches the accuracy the same run reaches on wasm (same seed, same batches)", () => {
    const g = metrics(gpuDir),
      c = metrics(cpuDir);
    expect(g.map((m) => m.split)).toEqual(["train", "train", "test"]);
    expect(c.map((m) => m.split)).toEqual(["train", "train", "test"]);
    const report = JSON.stringify({ webgpu: g, wasm: c });
    // float32 on both, summed in different orders: the losses agree to a few ulps per step, the
    // accuracies to an example or two at most.
    for (let e = 0; e < 2; e++) {
      expect(Math.abs(g[e].trainLoss! - c[e].trainLoss!), report).toBeLessThan(1e-3);
      expect(Math.abs(g[e].valLoss! - c[e].valLoss!), report).toBeLessThan(1e-3);
      expect(Math.abs(g[e].valAcc! - c[e].valAcc!), report).toBeLessThanOrEqual(0.01);
    }
    expect(Math.abs(g[2].accuracy! - c[2].accuracy!), report).toBeLessThanOrEqual(0.005);
    // It learned: 10 classes, chance is 0.1.
    expect(g[2].accuracy!, report).toBeGreaterThan(0.6);
    expect(g[1].trainLoss!, report).toBeLessThan(g[0].trainLoss!);
  });

  it("writes a run folder the cpu reads back: gradlab eval measures the webgpu run's test accuracy", async () => {
    const r = await cli("eval", gpuDir);
    expect(r.code, r.err.join("\n")).toBe(0);
    const acc = Number(r.out[r.out.length - 1].replace("test accuracy: ", ""));
    expect(Math.abs(acc - metrics(gpuDir)[2].accuracy!)).toBeLessThanOrEqual(0.001);
  });

  it("resumes an interrupted webgpu run (the checkpoint's momentum moves to the GPU) to the wasm run's numbers", async () => {
    const env = swiftshaderEnv() as Record<string, string>;
    const small = ["--limit", "700", "--val-size", "60", "--epochs", "2", "--hidden", "16", "--lr", "0.1"];
    const dir = join(tmp("webgpu-resume"), "run"),
      ref = join(tmp("wasm-resume"), "run");
    // 10 steps an epoch: stopped at epoch 2, step 3, then continued in a new process.
    const stopped = await cliChild(
      ["train", "--device", "webgpu", ...small, "--out", dir, "--stop-after-steps", "13"],
      undefined,
      env,
    );
    expect(stopped.code, stopped.stderr).toBe(130);
    const resumed = await cliChild(["train", "--resume", dir], undefined, env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const r = await cli("train", "--backend", "wasm", ...small, "--out", ref);
    expect(r.code, r.err.join("\n")).toBe(0);
    const g = metrics(dir),
      c = metrics(ref);
    const report = JSON.stringify({ webgpu: g, wasm: c });
    expect(g.map((m) => m.split)).toEqual(["train", "train", "test"]);
    for (let e = 0; e < 2; e++) expect(Math.abs(g[e].valLoss! - c[e].valLoss!), report).toBeLessThan(1e-3);
    expect(Math.abs(g[2].accuracy! - c[2].accuracy!), report).toBeLessThanOrEqual(0.005);
  }, 300_000);

  it("says in one line that there is no adapter, exits 1 and leaves no run folder", async () => {
    const dir = join(tmp("noadapter"), "run");
    // Vulkan finds no driver, whatever this machine has.
    const r = await cliChild(
      ["train", "--device", "webgpu", "--limit", "300", "--epochs", "1", "--out", dir],
      undefined,
      { VK_ICD_FILENAMES: "/nonexistent.json", LD_LIBRARY_PATH: "" },
    );
    expect(r.code).toBe(1);
    const line = expectOneLine(r.err.filter((l) => l.startsWith("gradlab")));
    expect(line).toMatch(/^gradlab: --device webgpu: WebGPU: no adapter found .*VK_ICD_FILENAMES/);
    expect(existsSync(dir)).toBe(false);
  }, 60_000);

  it("refuses --device values and combinations it cannot honour, as usage errors", async () => {
    const cases: [string[], RegExp][] = [
      [["--device", "cuda"], /--device must be one of cpu, webgpu; got "cuda"/],
      [["--device", "webgpu", "--backend", "wasm"], /--device webgpu and --backend wasm disagree/],
      [["--device", "cpu", "--backend", "webgpu"], /--device cpu and --backend webgpu disagree/],
      [["--model", "gpt", "--device", "webgpu"], /--device webgpu trains the image models/],
      [["--model", "gpt", "--backend", "webgpu"], /--backend must be one of js, wasm; got "webgpu"/],
    ];
    for (const [flags, msg] of cases) {
      const r = await cli("train", ...flags, "--out", join(tmp("usage"), "run"));
      expect(r.code, flags.join(" ")).toBe(2);
      expect(expectOneLine(r.err)).toMatch(msg);
    }
  });
});
