// The run folder is one unit: a checkpoint is committed by a single rename (a kill -9 at any point
// of a save leaves a folder that resumes to the uninterrupted run's numbers), leftovers of killed
// saves are swept by the next run, one run at a time holds a folder, and SIGTERM / SIGHUP save
// and exit like Ctrl-C.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.js";
import { checkpointDir, cli, cliChild, expectOneLine, ROOT, tmp } from "./helpers.js";

// Dropout and BatchNorm make the run depend on the global RNG and on buffers, not just weights.
const ARGS = [
  "--dataset",
  "spirals",
  "--limit",
  "600",
  "--hidden",
  "16,16",
  "--dropout",
  "0.2",
  "--batchnorm",
  "--epochs",
  "3",
  "--lr",
  "0.05",
  "--batch-size",
  "32",
];
const read = (dir: string, f: string) => readFileSync(join(dir, f));
const metrics = (dir: string) =>
  read(dir, "metrics.jsonl")
    .toString()
    .trim()
    .split("\n")
    .map((l) => {
      const { time: _t, ...rest } = JSON.parse(l);
      return rest;
    });
const optimizerTensors = (run: string) =>
  decodeSafetensors(new Uint8Array(read(checkpointDir(run), "optimizer.safetensors"))).tensors;

let reference: string | null = null;
/** The uninterrupted run every interrupted one must end up equal to. */
async function uninterrupted(): Promise<string> {
  if (!reference) {
    reference = join(tmp("ref"), "run");
    expect((await cli("train", ...ARGS, "--out", reference)).code).toBe(0);
  }
  return reference;
}

async function expectSameAsUninterrupted(dir: string): Promise<void> {
  const ref = await uninterrupted();
  expect(read(dir, "model.safetensors").equals(read(ref, "model.safetensors"))).toBe(true);
  expect(optimizerTensors(dir)).toEqual(optimizerTensors(ref));
  expect(metrics(dir)).toEqual(metrics(ref));
}

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "0"]);
  expect(r.status).toBe(0);
  return r.pid!;
}

describe("a checkpoint is committed by one rename", () => {
  const PHASES = {
    written: "the new folder complete, not yet renamed",
    committed: "renamed; the older folder and the run model not yet updated",
  };
  for (const phase of ["written", "committed"] as const) {
    it(`kill -9 in the second save (${PHASES[phase]}) resumes to the uninterrupted numbers`, async () => {
      const dir = join(tmp(`crash-${phase}`), "run");
      const crash = { GRADLAB_TEST_CRASH_IN_SAVE: `${phase}:2` };
      const r = await cliChild(["train", ...ARGS, "--out", dir], undefined, crash);
      expect(r.signal).toBe("SIGKILL");
      const names = readdirSync(join(dir, "checkpoints")).sort();
      if (phase === "written") {
        // The committed epoch-1 set is intact beside the uncommitted epoch-2 folder.
        expect(names).toHaveLength(2);
        expect(names[0]).toBe("000001");
        expect(names[1]).toMatch(/^000002\.tmp-\d+$/);
      } else {
        expect(names).toEqual(["000001", "000002"]);
      }
      const resumed = await cli("train", "--resume", dir);
      expect(resumed.err).toEqual([]);
      expect(resumed.code).toBe(0);
      // The next run swept the leftovers: only the newest set remains, no temporary folder.
      expect(readdirSync(join(dir, "checkpoints"))).toEqual(["000003"]);
      await expectSameAsUninterrupted(dir);
    });
  }

  it("leftover *.tmp-PID files of a killed process are removed by the next run on the folder", async () => {
    const dir = join(tmp("leftovers"), "run");
    expect((await cli("train", ...ARGS, "--epochs", "1", "--out", dir)).code).toBe(0);
    const pid = deadPid();
    const junk = [
      join(dir, `model.safetensors.tmp-${pid}`),
      join(dir, `config.json.tmp-${pid}`),
      join(dir, "checkpoints", `000007.tmp-${pid}`),
    ];
    writeFileSync(junk[0], "half a model");
    writeFileSync(junk[1], "{");
    mkdirSync(junk[2]);
    writeFileSync(join(junk[2], "state.json"), "{");
    const r = await cli("train", "--resume", dir, "--epochs", "2");
    expect(r.code).toBe(0);
    for (const j of junk) expect(existsSync(j), j).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes(".tmp-"))).toEqual([]);
  });

  it("a run folder of the old layout (three loose files) still resumes, and moves to the new one", async () => {
    const dir = join(tmp("legacy"), "run");
    const args = ["--dataset", "xor", "--hidden", "4", "--epochs", "1"];
    expect((await cli("train", ...args, "--out", dir)).code).toBe(0);
    // Rebuild what the old code wrote: model, optimizer and state.json side by side, the global step as id.
    const ck = checkpointDir(dir);
    const state = JSON.parse(read(ck, "state.json").toString());
    const { checkpointId: _id, config: _c, ...old } = state;
    const relabel = (f: string) => {
      const { tensors, metadata } = decodeSafetensors(new Uint8Array(read(ck, f)));
      const { gradlab_state_sha256: _d, ...meta } = metadata;
      const oldMeta = { ...meta, gradlab_checkpoint: String(state.globalStep) };
      writeFileSync(join(dir, f), encodeSafetensors(tensors, oldMeta));
    };
    relabel("model.safetensors");
    relabel("optimizer.safetensors");
    writeFileSync(join(dir, "state.json"), JSON.stringify(old));
    rmSync(join(dir, "checkpoints"), { recursive: true });
    const r = await cli("train", "--resume", dir, "--epochs", "2");
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, "state.json"))).toBe(false);
    expect(existsSync(join(dir, "optimizer.safetensors"))).toBe(false);
    expect(readdirSync(join(dir, "checkpoints"))).toEqual(["000001"]);
    expect(metrics(dir).filter((m) => m.split === "train")).toHaveLength(2);
  });
});

/** Starts a long training run in a child process; resolves with it once its first epoch's row is out. */
interface Ended {
  code: number | null;
  stderr: string;
}
function longRun(dir: string): Promise<{ child: ReturnType<typeof spawn>; done: Promise<Ended> }> {
  return new Promise((started, fail) => {
    const argv = [
      "train",
      "--dataset",
      "spirals",
      "--limit",
      "20000",
      "--hidden",
      "64,64",
      "--epochs",
      "50",
      "--out",
      dir,
    ];
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...argv], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let seen = false;
    child.stderr!.on("data", (b: Buffer) => {
      stderr += b;
    });
    const done = new Promise<Ended>((res) => child.on("close", (code) => res({ code, stderr })));
    child.stdout!.on("data", (b: Buffer) => {
      if (!seen && /^\s+1\s+\d+\.\d+/m.test(String(b))) {
        seen = true;
        started({ child, done });
      }
    });
    child.on("error", fail);
    void done.then(() => {
      if (!seen) fail(new Error(`the run ended before its first epoch: ${stderr}`));
    });
  });
}

describe("one run per folder", () => {
  it("a second gradlab train on a folder in use is refused clearly (both exited 0, one result lost)", async () => {
    const dir = join(tmp("locked"), "run");
    const { child, done } = await longRun(dir);
    const lock = JSON.parse(read(dir, "train.lock").toString());
    expect(lock).toMatchObject({ pid: child.pid, host: hostname() });
    const again = await cli("train", "--dataset", "spirals", "--out", dir);
    expect(again.code).toBe(1);
    expect(expectOneLine(again.err)).toMatch(
      new RegExp(
        `^gradlab: ${dir} is in use by another gradlab train ` +
          `\\(pid ${child.pid} on .*\\); wait for it to finish, or train into another --out$`,
      ),
    );
    const resume = await cli("train", "--resume", dir);
    expect(resume.code).toBe(1);
    expect(expectOneLine(resume.err)).toMatch(/is in use by another gradlab train/);
    child.kill("SIGINT");
    expect((await done).code).toBe(130);
    // Released on exit: the folder continues.
    expect(existsSync(join(dir, "train.lock"))).toBe(false);
  });

  it("a stale lock (its process is gone, e.g. after kill -9) is taken over", async () => {
    const dir = join(tmp("stale"), "run");
    expect((await cli("train", "--dataset", "xor", "--hidden", "4", "--epochs", "1", "--out", dir)).code).toBe(0);
    const stale = { pid: deadPid(), host: hostname(), started: "2026-01-01T00:00:00.000Z" };
    writeFileSync(join(dir, "train.lock"), JSON.stringify(stale));
    const r = await cli("train", "--resume", dir, "--epochs", "2");
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, "train.lock"))).toBe(false);
  });

  it("a lock from another machine cannot be checked, so the message says how to clear it", async () => {
    const dir = join(tmp("remote"), "run");
    expect((await cli("train", "--dataset", "xor", "--hidden", "4", "--epochs", "1", "--out", dir)).code).toBe(0);
    const remote = { pid: 1234, host: "elsewhere", started: "2026-01-01T00:00:00.000Z" };
    writeFileSync(join(dir, "train.lock"), JSON.stringify(remote));
    const r = await cli("train", "--resume", dir, "--epochs", "2");
    expect(r.code).toBe(1);
    expect(expectOneLine(r.err)).toContain("pid 1234 on elsewhere");
    const lockPath = join(dir, "train.lock");
    renameSync(lockPath, `${lockPath}.bak`);
    expect((await cli("train", "--resume", dir, "--epochs", "2")).code).toBe(0);
  });
});

describe("SIGTERM and SIGHUP stop like Ctrl-C", () => {
  for (const [signal, code] of [
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const) {
    const who = signal === "SIGHUP" ? "a closed terminal" : "kill, container stops";
    it(`${signal} (${who}) finishes the step, saves and exits ${code}`, async () => {
      const dir = join(tmp(signal), "run");
      const { child, done } = await longRun(dir);
      // A closed terminal also closes stdout: later writes fail with EPIPE, which must not end the
      // run before it saves.
      if (signal === "SIGHUP") child.stdout!.destroy();
      child.kill(signal);
      const r = await done;
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(new RegExp(`received ${signal}: stopping after this step and saving a checkpoint`));
      expect(r.stderr).toMatch(
        new RegExp(
          `stopped by ${signal} at epoch \\d+, step \\d+; checkpoint saved in ` +
            ".*Continue with: gradlab train --resume",
        ),
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const st = JSON.parse(read(checkpointDir(dir), "state.json").toString());
      expect(st.interrupted).toBe(true);
      expect(st.done).toBe(false);
      expect(existsSync(join(dir, "train.lock"))).toBe(false);
    });
  }
});
