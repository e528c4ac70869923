#!/usr/bin/env node
// CommonJS copy of dist/ for `require("gradlab")` on a Node without require(esm) (before 20.19 / 22.12);
// newer Node takes the "module-sync" export and loads the ES modules for require too (one copy of the
// library's state). Each file is converted on its own, not bundled: gradlab and gradlab/node then share
// one Tensor class, one backend registry and one wasm heap, as their ES modules do.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const out = join(dist, "cjs");
rmSync(out, { recursive: true, force: true });

// The files gradlab and gradlab/node reach (the CLI's entry, with its top-level await, is not one).
const { metafile } = await build({
  entryPoints: [join(dist, "index.js"), join(dist, "node.js")],
  bundle: true,
  write: false,
  metafile: true,
  format: "esm",
  platform: "node",
  packages: "external",
  outdir: out,
  logLevel: "warning",
  absWorkingDir: root,
});
const files = Object.keys(metafile.inputs).map((f) => join(root, f));
const usesImportMeta = (f) => readFileSync(f, "utf8").includes("import.meta");
const common = { outdir: out, outbase: dist, format: "cjs", platform: "node", target: "node20", logLevel: "warning" };

// Plain files, then those reading import.meta.url (createRequire): CommonJS has no import.meta, so they
// get the file's own URL from __filename, declared after "use strict" to keep the file strict.
await build({ ...common, entryPoints: files.filter((f) => !usesImportMeta(f)) });
const metaFiles = await build({
  ...common,
  entryPoints: files.filter(usesImportMeta),
  write: false,
  define: { "import.meta.url": "__gradlabFileUrl" },
});
for (const { path, text } of metaFiles.outputFiles) {
  const url = 'var __gradlabFileUrl = require("node:url").pathToFileURL(__filename).href;';
  if (!text.startsWith('"use strict";\n')) throw new Error(`build-cjs: unexpected start of ${path}`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text.replace('"use strict";\n', `"use strict";\n${url}\n`));
}
// dist/cjs/**/*.js are CommonJS whatever the root package.json's "type" says.
writeFileSync(join(out, "package.json"), '{ "type": "commonjs" }\n');
console.log(`build-cjs: ${files.length} files -> ${relative(root, out)}`);
