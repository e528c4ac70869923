// File-system faults said plainly. Read-only and full disks cannot be made without root, so the
// file system answers here as the kernel and Node do on them (seen on a real read-only tmpfs and
// a full 64 KB tmpfs): on a read-only file system `mkdir -p` fails with ENOENT for the first
// missing folder and access(W_OK) with EROFS; on a full disk a write fails with ENOSPC and no path.
import { constants } from "node:fs";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkpointDir, cli, expectOneLine, tmp } from "./helpers.js";

const faults = vi.hoisted(() => ({ readOnly: "", full: "" }));

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const under = (p: unknown, root: string) => root !== "" && String(p).startsWith(root);
  const errno = (code: string, text: string, syscall: string, path?: string) =>
    Object.assign(new Error(`${code}: ${text}, ${syscall}${path ? ` '${path}'` : ""}`), {
      code,
      syscall,
      ...(path ? { path } : {}),
    });
  const mocked = {
    ...real,
    async mkdir(p: string, opts?: unknown) {
      if (under(p, faults.readOnly)) throw errno("ENOENT", "no such file or directory", "mkdir", p);
      return real.mkdir(p, opts as never);
    },
    async access(p: string, mode?: number) {
      if (under(p, faults.readOnly) && mode !== undefined && mode & constants.W_OK) {
        throw errno("EROFS", "read-only file system", "access", p);
      }
      return real.access(p, mode);
    },
    async open(p: string, flags?: string | number, mode?: number) {
      const fh = await real.open(p, flags, mode);
      if (!under(p, faults.full)) return fh;
      // The file opens; writing to it finds the disk full.
      return new Proxy(fh, {
        get(target, key) {
          if (key === "writeFile")
            return async () => {
              throw errno("ENOSPC", "no space left on device", "write");
            };
          const v = Reflect.get(target, key);
          return typeof v === "function" ? v.bind(target) : v;
        },
      });
    },
  };
  return { ...mocked, default: mocked };
});

afterEach(() => {
  faults.readOnly = "";
  faults.full = "";
});

describe("file-system faults", () => {
  it("a read-only file system says so (it said 'ENOENT: no such file or directory, mkdir')", async () => {
    const ro = tmp("readonly");
    faults.readOnly = ro;
    const out = join(ro, "runs", "a");
    const r = await cli("train", "--dataset", "xor", "--hidden", "4", "--epochs", "1", "--out", out);
    expect(r.code).toBe(1);
    expect(expectOneLine(r.err)).toBe(
      `gradlab: cannot create ${out}: the file system holding ${ro} is read-only; ` +
        "choose an --out on a writable disk",
    );
  });

  it("a full disk names the file (it said 'no space left on device, write') and keeps the checkpoint", async () => {
    const dir = join(tmp("full"), "run");
    expect((await cli("train", "--dataset", "xor", "--hidden", "4", "--epochs", "1", "--out", dir)).code).toBe(0);
    const before = checkpointDir(dir);
    const state = readFileSync(join(before, "state.json"));
    faults.full = join(dir, "checkpoints");
    const r = await cli("train", "--resume", dir, "--epochs", "2");
    expect(r.code).toBe(1);
    const file = join(dir, "checkpoints", "000002", "model.safetensors");
    expect(expectOneLine(r.err)).toBe(`gradlab: cannot write ${file}: no space left on the device (ENOSPC)`);
    // Nothing half-written: the previous checkpoint is the newest, untouched, and no temporary folder is left.
    expect(readdirSync(join(dir, "checkpoints"))).toEqual(["000001"]);
    expect(readFileSync(join(before, "state.json")).equals(state)).toBe(true);
    faults.full = "";
    expect((await cli("train", "--resume", dir, "--epochs", "2")).code).toBe(0);
    expect(existsSync(join(dir, "checkpoints", "000002"))).toBe(true);
  });

  it("export onto a full disk names the file", async () => {
    const dir = join(tmp("fullexport"), "run");
    expect((await cli("train", "--dataset", "xor", "--hidden", "4", "--epochs", "1", "--out", dir)).code).toBe(0);
    const target = join(tmp("fullexport-out"), "m.onnx");
    faults.full = target;
    const r = await cli("export", dir, "--onnx", target);
    expect(r.code).toBe(1);
    expect(expectOneLine(r.err)).toBe(`gradlab: cannot write ${target}: no space left on the device (ENOSPC)`);
  });
});
