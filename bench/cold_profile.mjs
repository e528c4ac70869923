#!/usr/bin/env node
// Cold start of a fresh process, per 100 MLP steps (the bench's loop, batch 64, SGD momentum):
// wall ms/step, the main thread's CPU ms/step (from /proc/self/task/<tid>/schedstat, so it holds up
// on a loaded machine better than wall clock), the CPU the other threads (V8's compile/GC platform
// workers, the pool's worker) used during the steps, and optional V8 CPU profiles of step ranges.
// Linux only (schedstat). Needs dist/ (npm run build).
//   node bench/cold_profile.mjs steps=2000 threads=2 prof=0-500,1500-2000 out=/tmp/p flags="--no-liftoff"
// writes /tmp/p-0-500.cpuprofile etc. (open in Chrome DevTools); `flags` go to v8.setFlagsFromString before gradlab loads.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Session } from "node:inspector";
import { writeFileSync, readFileSync, readdirSync } from "node:fs";
const cpuNs = (tid = process.pid) => Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0]);
const allThreads = () =>
  readdirSync("/proc/self/task").map((t) => [
    t === String(process.pid) ? "main" : readFileSync(`/proc/self/task/${t}/comm`, "utf8").trim() + t,
    cpuNs(t),
  ]);
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const i = a.indexOf("=");
    return [a.slice(0, i), a.slice(i + 1)];
  }),
);
const total = Number(args.steps ?? 2000);
const prof = args.prof ? args.prof.split(",").map((r) => r.split("-").map(Number)) : [];
const flags = args.flags;
if (flags) (await import("node:v8")).setFlagsFromString(flags);
const t00 = performance.now();
const g = await import(join(root, "dist", "index.js"));
const wasm = await import(join(root, "dist", "backend", "wasm", "index.js"));
const { makeDatasets, makeMlp } = await import(join(root, "bench/common/gradlab_core.mjs"));
const tI = performance.now();
await wasm.initWasmBackend({ threads: Number(args.threads ?? 2) });
const initMs = performance.now() - tI;
g.setBackend("wasm");
const { loadMnist } = await import(join(root, "dist", "node.js"));
const ds = makeDatasets(g, { train: loadMnist("train"), test: loadMnist("test") });
const { optim, data, F } = g;
g.manualSeed(0);
const model = makeMlp(g);
const loader = new data.DataLoader(ds.train, { batchSize: 64, shuffle: true, seed: 0 });
const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
const sess = new Session();
sess.connect();
const post = (m, p) => new Promise((res, rej) => sess.post(m, p, (e, r) => (e ? rej(e) : res(r))));
if (prof.length) {
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 200 });
}
const chunks = [],
  cpu = [];
let done = 0,
  t0 = performance.now(),
  c0 = cpuNs();
const thr0 = allThreads();
const tStart = t0;
let profiling = null;
outer: for (;;) {
  for (const [x, y] of loader) {
    for (const [a, b] of prof) {
      if (done === a) {
        await post("Profiler.start");
        profiling = [a, b];
      }
    }
    const loss = F.crossEntropy(model(x.view(-1, 784)), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    loss.item();
    done++;
    if (profiling && done === profiling[1]) {
      const { profile } = await post("Profiler.stop");
      writeFileSync(`${args.out ?? "/tmp/cold"}-${profiling[0]}-${profiling[1]}.cpuprofile`, JSON.stringify(profile));
      profiling = null;
    }
    if (done % 100 === 0) {
      const t = performance.now();
      chunks.push(+((t - t0) / 100).toFixed(2));
      t0 = t;
      const c = cpuNs();
      cpu.push(+((c - c0) / 100e6).toFixed(2));
      c0 = c;
    }
    if (done >= total) break outer;
  }
}
console.log(
  JSON.stringify({
    flags: flags ?? "",
    initMs: +initMs.toFixed(1),
    importMs: +(tI - t00).toFixed(1),
    chunks,
    cpu,
    threads: Object.entries(allThreads().reduce((m, [n, v]) => ((m[n] = (m[n] ?? 0) + v), m), {}))
      .map(([n, v]) => n + ":" + (v / 1e6).toFixed(0))
      .join(" "),
    threads0: Object.entries(thr0.reduce((m, [n, v]) => ((m[n] = (m[n] ?? 0) + v), m), {}))
      .map(([n, v]) => n + ":" + (v / 1e6).toFixed(0))
      .join(" "),
    totalMs: +(performance.now() - tStart).toFixed(0),
    pool: wasm.wasmBackendInfo().poolStats(),
  }),
);
process.exit(0);
