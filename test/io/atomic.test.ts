// Atomic writes: a set of files is renamed together, and a process that must quit can wait for it.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renamesInFlight, renamesSettled, writeFilesAtomic } from "../../src/io/atomic_node.js";

describe("writeFilesAtomic", () => {
  it("replaces every file of a set and leaves no temporary behind", async () => {
    const dir = mkdtempSync(join(tmpdir(), "atomic-"));
    const names = ["model.safetensors", "optimizer.safetensors", "state.json"];
    for (const n of names) writeFileSync(join(dir, n), "old");
    await writeFilesAtomic(names.map((n) => [join(dir, n), `new ${n}`] as const));
    for (const n of names) expect(readFileSync(join(dir, n), "utf8")).toBe(`new ${n}`);
    expect(readdirSync(dir).sort()).toEqual([...names].sort());
  });

  it("renamesSettled waits for a set whose renames are under way (what a second Ctrl-C waits for)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "atomic-"));
    const names = Array.from({ length: 40 }, (_, i) => `f${i}`);
    for (const n of names) writeFileSync(join(dir, n), "old");
    let done = false;
    const write = writeFilesAtomic(names.map((n) => [join(dir, n), "new"] as const)).then(() => {
      done = true;
    });
    // Poll until the renames have started, then wait for them as the SIGINT handler does.
    let sawRenames = false;
    while (!done && !(sawRenames = renamesInFlight())) await new Promise((r) => setImmediate(r));
    expect(sawRenames).toBe(true);
    await renamesSettled();
    for (const n of names) expect(readFileSync(join(dir, n), "utf8")).toBe("new");
    await write;
    expect(renamesInFlight()).toBe(false);
    await renamesSettled(); // nothing in flight: resolves at once
  });
});
