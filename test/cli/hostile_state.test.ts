// state.json and config.json are checked for meaning, not just shape: an edited checkpoint is
// refused with one line naming the field, and a resume trains exactly with what it prints — a
// hand-edited lr is refused rather than printed and then ignored.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkpointDir, cli, expectOneLine, tmp } from "./helpers.js";

// Adam keeps a step count among the optimizer scalars; dropout makes the run use the global RNG.
const ARGS = ["--dataset", "spirals", "--hidden", "8", "--epochs", "2", "--optimizer", "adam", "--dropout", "0.1"];
let base: string;

beforeAll(async () => {
  base = join(tmp("state-base"), "run");
  expect((await cli("train", ...ARGS, "--out", base)).code).toBe(0);
});

/** A copy of the base run with `edit` applied to its checkpoint's state.json. */
function withState(edit: (s: Record<string, any>) => void): string {
  const dir = join(tmp("state"), "run");
  cpSync(base, dir, { recursive: true });
  const p = join(checkpointDir(dir), "state.json");
  const s = JSON.parse(readFileSync(p, "utf8"));
  edit(s);
  writeFileSync(p, JSON.stringify(s, null, 1) + "\n");
  return dir;
}

async function resumeFails(dir: string, msg: RegExp, code = 1): Promise<void> {
  const r = await cli("train", "--resume", dir, "--epochs", "3");
  expect(r.out).toEqual([]); // nothing printed as if it would train
  expect(r.code).toBe(code);
  expect(expectOneLine(r.err)).toMatch(msg);
}

describe("state.json is checked for meaning", () => {
  type Edit = (s: Record<string, any>) => void;
  const cases: Array<[string, Edit, RegExp]> = [
    [
      "epoch -1 (it trained an 'epoch 0')",
      (s) => {
        s.epoch = -1;
      },
      /state\.json: "epoch" is -1, not an integer from 0/,
    ],
    [
      "epoch 1e9 (it reported done without training, exit 0)",
      (s) => {
        s.epoch = 1e9;
      },
      /"epoch" is 1000000000 but "history" lists 2 finished epochs/,
    ],
    [
      "step -5 (it ended in a misleading 'loss became NaN … try a smaller --lr')",
      (s) => {
        s.step = -5;
      },
      /"step" is -5, not an integer from 0 to 10/,
    ],
    [
      "a globalStep that does not add up",
      (s) => {
        s.globalStep += 3;
      },
      /"globalStep" is 25, but epoch 2 and step 0 at 11 steps per epoch make 22/,
    ],
    [
      'lr "abc" (it ended in "loss became NaN")',
      (s) => {
        s.optimizer.paramGroups[0].lr = "abc";
      },
      /"optimizer\.paramGroups\[0\]\.lr" is the string "abc"/,
    ],
    [
      "no optimizer (it said: Cannot read properties of undefined (reading 'scalars'))",
      (s) => {
        delete s.optimizer;
      },
      /there is no optimizer state \("optimizer" is undefined\)/,
    ],
    [
      "garbage RNG state (it was accepted and the resume silently differed)",
      (s) => {
        s.globalRng = [1, 2, "x"];
      },
      /"globalRng" is \[1,2,"x"\], not a random generator state/,
    ],
    [
      "the one forbidden RNG state, all zeros",
      (s) => {
        s.loaderRngAtEpochStart = [0, 0, 0, 0, null];
      },
      /"loaderRngAtEpochStart" is \[0,0,0,0,null\]/,
    ],
    [
      "an optimizer scalar for a parameter that does not exist",
      (s) => {
        s.optimizer.scalars["99"] = { step: 1 };
      },
      /"optimizer\.scalars" has an entry for parameter "99", but/,
    ],
    [
      "a scalar named __proto__",
      (s) => {
        s.optimizer.scalars["0"] = JSON.parse('{"__proto__": 5}');
      },
      /"optimizer\.scalars\.0" has "__proto__"/,
    ],
    [
      "an unknown optimizer setting",
      (s) => {
        s.optimizer.paramGroups[0].foo = 1;
      },
      /"optimizer\.paramGroups\[0\]" has unknown settings: "foo"/,
    ],
    [
      "an lr edited in state.json alone",
      (s) => {
        s.optimizer.paramGroups[0].lr = 0.5;
      },
      /config\.json trains with lr 0\.01 but the checkpoint's/,
    ],
  ];
  for (const [name, edit, msg] of cases) it(name, async () => resumeFails(withState(edit), msg));

  it("a valid-looking but different RNG state is caught by the state's digest", async () => {
    await resumeFails(
      withState((s) => {
        s.globalRng = [1, 2, 3, 4, null];
      }),
      /state\.json was changed after it was saved \(its SHA-256 no longer matches the one in model\.safetensors\)/,
    );
  });

  it("an untouched copy still resumes", async () => {
    const r = await cli(
      "train",
      "--resume",
      withState(() => undefined),
      "--epochs",
      "3",
    );
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
  });
});

describe("config.json edited between runs", () => {
  function withConfig(edit: (c: Record<string, any>) => void): string {
    const dir = join(tmp("cfg"), "run");
    cpSync(base, dir, { recursive: true });
    const c = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    edit(c);
    writeFileSync(join(dir, "config.json"), JSON.stringify(c, null, 2));
    return dir;
  }

  it("an edited lr is refused, not printed and ignored (the header said the new lr, it used the old)", async () => {
    const dir = withConfig((c) => {
      c.lr = 0.5;
    });
    const r = await cli("train", "--resume", dir, "--epochs", "3");
    expect(r.code).toBe(1);
    expect(r.out.join("\n")).not.toMatch(/lr 0\.5/);
    expect(expectOneLine(r.err)).toBe(
      `gradlab: ${join(dir, "config.json")} was changed after the checkpoint was saved ` +
        "(lr 0.01 → 0.5); a resume continues the saved run unchanged, so undo the edit, " +
        "or start a new run with --out to train with the new settings",
    );
  });

  it("any other setting that changes the run is listed", async () => {
    await resumeFails(
      withConfig((c) => {
        c.seed = 7;
        c.batchSize = 32;
      }),
      /config\.json was changed after the checkpoint was saved \(batchSize 64 → 32, seed 0 → 7\)/,
    );
  });

  it("--epochs below the epochs already trained is refused, not reported as done", async () => {
    const r = await cli("train", "--resume", base, "--epochs", "1");
    expect(r.code).toBe(2);
    expect(expectOneLine(r.err)).toMatch(/has already trained 2 epochs; --epochs 1 would undo them — ask for 2/);
  });
});
