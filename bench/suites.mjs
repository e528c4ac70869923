// The bench suites beyond the steady MLP epoch (run.mjs runs that one itself): each runs gradlab and
// PyTorch in the same interleaved rounds, one process per measurement, and reports the median of the
// per-round ratios (round r of gradlab ÷ round r of PyTorch, which ran seconds apart), so a drift in
// the machine's speed hits both sides alike. Each suite returns a markdown section and its raw results.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SUITES = ["steady", "startup", "train", "busy", "cnn", "gpt", "webgpu"];

const median = (xs) => {
  const s = xs.filter((x) => x != null && !Number.isNaN(x)).sort((a, b) => a - b);
  const m = s.length >> 1;
  return !s.length ? null : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f2 = (x) => (x == null ? "—" : x.toFixed(2));
const ok = (r) => r && !r.error;

/**
 * One row: `g[r]` and `t[r]` are round r's figures; lower (time) or higher (throughput) is better.
 * The ratio is always gradlab's cost ÷ PyTorch's (time ratio; for throughputs PyTorch's ÷ gradlab's),
 * so 1.5x reads the same way in every row.
 */
function row(label, g, t, { unit, higher = false, digits = 2, target } = {}) {
  const ratios = g.map((v, i) => (v == null || t[i] == null ? null : higher ? t[i] / v : v / t[i]));
  const m = median(ratios);
  const fmt = (v) => (v == null ? "—" : v.toFixed(digits));
  return {
    label,
    g: median(g),
    t: median(t),
    ratios,
    m,
    md: `| ${label} | ${fmt(median(g))} ${unit} | ${fmt(median(t))} ${unit} | ${ratios.map(f2).join(", ")} | **${f2(m)}x**${target ? ` (target ≤ ${target}x: ${m == null ? "n/a" : m <= target ? "PASS" : "FAIL"})` : ""} |`,
  };
}
const header =
  "| row | gradlab (median) | PyTorch (median) | per-round ratio (gradlab cost ÷ PyTorch's) | median ratio |\n|---|---|---|---|---|";

/** ctx: { quick, repeats, torch (findTorch result or null), runJson, nodeScript, here, root, mnistDir, log } */
export async function runSuite(name, ctx) {
  const fn = { startup, train, busy, cnn, gpt, webgpu }[name];
  if (!fn) throw new Error(`unknown suite ${name}`);
  return fn(ctx);
}

const haveTorch = (ctx) => ctx.torch && !ctx.torch.skip;
const torchRun = (ctx, script, args, label) =>
  ctx.runJson(ctx.torch.python, [join(ctx.here, script), ...args], { env: ctx.torch.env, label });
/** PyTorch at its best in a round: the faster of 1 and 2 threads. */
async function torchBest(ctx, script, args, pick, label, higher = false) {
  if (!haveTorch(ctx)) return { v: null, raw: null };
  const rs = [];
  for (const th of [1, 2]) rs.push(await torchRun(ctx, script, [...args, "--threads", String(th)], `${label} ${th}T`));
  const c = rs.filter(ok).map((r) => ({ v: pick(r), th: r.threads }));
  if (!c.length) return { v: null, raw: rs };
  const b = c.reduce((a, x) => ((higher ? x.v > a.v : x.v < a.v) ? x : a));
  return { v: b.v, th: b.th, raw: rs };
}

async function startup(ctx) {
  const { quick, repeats } = ctx;
  const firstSteps = quick ? 200 : 938,
    shortSteps = quick ? 100 : 200;
  const G = { first: [], short: [] },
    T = { first: [], short: [] },
    raw = [];
  for (let r = 0; r < repeats; r++) {
    ctx.log(`[bench] startup round ${r + 1}/${repeats}`);
    const tf = await torchBest(
      ctx,
      "torch_suites.py",
      ["--data", ctx.mnistDir, "--mode", "first", "--steps", String(firstSteps)],
      (x) => x.epochMs,
      "PyTorch first epoch",
    );
    const gf = await ctx.nodeScript(
      "gradlab_suites.mjs",
      ["--mode", "first", "--threads", "2", "--steps", String(firstSteps)],
      "gradlab first epoch 2T",
    );
    const ts = await torchBest(
      ctx,
      "torch_suites.py",
      ["--data", ctx.mnistDir, "--mode", "short", "--steps", String(shortSteps), "--warmup", "30"],
      (x) => x.msPerStep,
      "PyTorch 200 after 30",
    );
    const gs = await ctx.nodeScript(
      "gradlab_suites.mjs",
      ["--mode", "short", "--threads", "2", "--steps", String(shortSteps), "--warmup", "30"],
      "gradlab 200 after 30 2T",
    );
    T.first.push(tf.v);
    G.first.push(ok(gf) ? gf.epochMs / 1000 : null);
    T.short.push(ts.v);
    G.short.push(ok(gs) ? gs.msPerStep : null);
    raw.push({ torchFirst: tf.raw, gradlabFirst: gf, torchShort: ts.raw, gradlabShort: gs });
  }
  T.first = T.first.map((v) => (v == null ? null : v / 1000));
  const rows = [
    row(`first epoch of a fresh process${quick ? ` (${firstSteps} steps, extrapolated)` : ""}`, G.first, T.first, {
      unit: "s",
      target: 2,
    }),
    row(`${shortSteps} steps after 30 warm-up`, G.short, T.short, { unit: "ms/step" }),
  ];
  return {
    rows,
    md: `${header}\n${rows.map((x) => x.md).join("\n")}\n\ngradlab-wasm 2 threads; PyTorch the faster of 1 and 2 threads in each round. The first epoch is timed from the model's creation (backend init and data loading excluded).`,
    raw,
  };
}

async function train(ctx) {
  const { quick, repeats } = ctx;
  const epochs = quick ? 2 : 10;
  const G = [],
    T = [],
    raw = [];
  for (let r = 0; r < repeats; r++) {
    ctx.log(`[bench] train round ${r + 1}/${repeats} (${epochs} epochs each)`);
    const dir = mkdtempSync(join(tmpdir(), "gradlab-bench-train-"));
    try {
      const tt = haveTorch(ctx)
        ? await wall(
            ctx.torch.python,
            [
              join(ctx.here, "torch_train.py"),
              "--data",
              ctx.mnistDir,
              "--out",
              join(dir, "torch"),
              "--epochs",
              String(epochs),
              "--threads",
              "1",
            ],
            ctx,
            "PyTorch script",
          )
        : null;
      const gt = await wall(
        process.execPath,
        [join(ctx.root, "bin", "gradlab.js"), "train", "--epochs", String(epochs), "--out", join(dir, "gradlab")],
        ctx,
        "gradlab train",
      );
      T.push(tt?.sec ?? null);
      G.push(gt.sec);
      raw.push({ torch: tt, gradlab: gt });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const rows = [row(`the main job, ${epochs} epochs, whole process (wall clock)`, G, T, { unit: "s", target: 1.5 })];
  return {
    rows,
    md: `${header}\n${rows.map((x) => x.md).join("\n")}\n\n\`gradlab train --epochs ${epochs}\` (defaults: MLP 784-256-256-10, SGD lr 0.01 momentum 0.9, batch 64, 5,000 validation images each epoch, checkpoint each epoch, test and report at the end, wasm 2 threads) vs \`bench/torch_train.py\` (same recipe, torch.save each epoch, 1 thread), both timed from spawn to exit.`,
    raw,
  };
}

/** Wall clock of a whole process (spawn to exit). */
function wall(cmd, args, ctx, label) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const c = spawn(cmd, args, {
      cwd: ctx.root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...(ctx.torch?.env ?? {}) },
    });
    let out = "";
    c.stdout.on("data", (d) => {
      out += d;
    });
    c.stderr.on("data", () => {});
    c.on("close", (code) => {
      const sec = (performance.now() - t0) / 1000;
      ctx.log(`  ${code === 0 ? "✓" : "✗"} ${label} (${sec.toFixed(1)} s wall)`);
      resolve(
        code === 0
          ? { sec, tail: out.trim().split("\n").slice(-2).join(" | ").slice(0, 300) }
          : { sec: null, error: `exit ${code}` },
      );
    });
  });
}

async function busy(ctx) {
  const { quick, repeats } = ctx;
  const steps = quick ? 200 : 938,
    warmup = quick ? 100 : 600;
  const G2 = [],
    G1 = [],
    raw = [];
  // Another process keeps one core busy for the whole suite (a plain JS spin loop).
  const hog = spawn(process.execPath, ["-e", "for(;;);"], { stdio: "ignore" });
  try {
    for (let r = 0; r < repeats; r++) {
      ctx.log(`[bench] busy round ${r + 1}/${repeats} (one core hogged by pid ${hog.pid})`);
      const a = ["--backend", "wasm", "--steps", String(steps), "--warmup", String(warmup), "--no-gemm", "--no-infer"];
      const r2 = await ctx.nodeScript("gradlab_bench.mjs", [...a, "--threads", "2"], "gradlab-wasm 2T, core hogged");
      const r1 = await ctx.nodeScript("gradlab_bench.mjs", [...a, "--threads", "1"], "gradlab-wasm 1T, core hogged");
      G2.push(ok(r2) ? r2.epoch.epochMs / 1000 : null);
      G1.push(ok(r1) ? r1.epoch.epochMs / 1000 : null);
      raw.push({ t2: r2, t1: r1 });
    }
  } finally {
    hog.kill("SIGKILL");
  }
  const rows = [
    row(`MLP epoch, 2 threads ÷ 1 thread, one core hogged${quick ? ` (${steps} steps, extrapolated)` : ""}`, G2, G1, {
      unit: "s",
      target: 1.05,
    }),
  ];
  const md = `| row | 2 threads (median) | 1 thread (median) | per-round ratio 2T ÷ 1T | median ratio |\n|---|---|---|---|---|\n${rows[0].md.replace(/^\| [^|]+\|/, `| ${rows[0].label} |`)}\n\nA \`node -e "for(;;);"\` process spins on one core throughout; each round runs the 2-thread then the 1-thread epoch (${warmup} warm-up steps first). Target: 2T no slower than 1T (≤ 1.05x).`;
  return { rows, md, raw };
}

async function cnn(ctx) {
  const { quick, repeats } = ctx;
  const steps = quick ? 50 : 938,
    warmup = quick ? 10 : 30;
  const G = [],
    T = [],
    raw = [];
  for (let r = 0; r < repeats; r++) {
    ctx.log(`[bench] cnn round ${r + 1}/${repeats}`);
    const t = await torchBest(
      ctx,
      "torch_suites.py",
      ["--data", ctx.mnistDir, "--mode", "lenet", "--steps", String(steps), "--warmup", String(warmup)],
      (x) => x.epochMs,
      "PyTorch LeNet",
    );
    const g = await ctx.nodeScript(
      "gradlab_suites.mjs",
      ["--mode", "lenet", "--threads", "2", "--steps", String(steps), "--warmup", String(warmup)],
      "gradlab LeNet 2T",
    );
    T.push(t.v == null ? null : t.v / 1000);
    G.push(ok(g) ? g.epochMs / 1000 : null);
    raw.push({ torch: t.raw, gradlab: g });
  }
  const rows = [
    row(`LeNet-5 MNIST epoch${quick ? ` (${steps} steps, extrapolated)` : ""}`, G, T, { unit: "s", target: 2 }),
  ];
  // conv2d forward GFLOP/s, once: gradlab 1T and 2T, PyTorch 1T and 2T.
  const conv = {};
  for (const th of [1, 2]) {
    conv[`g${th}`] = await ctx.nodeScript(
      "gradlab_suites.mjs",
      ["--mode", "conv", "--threads", String(th), "--samples", quick ? "3" : "7"],
      `gradlab conv2d ${th}T`,
    );
    if (haveTorch(ctx))
      conv[`t${th}`] = await torchRun(
        ctx,
        "torch_suites.py",
        ["--data", ctx.mnistDir, "--mode", "conv", "--threads", String(th), "--samples", quick ? "3" : "7"],
        `PyTorch conv2d ${th}T`,
      );
  }
  const names = Object.keys(conv.g1?.conv ?? conv.g2?.conv ?? {});
  const gf = (k, n) => (ok(conv[k]) ? conv[k].conv[n].gflops : null);
  const convMd = [
    "| conv2d forward (GFLOP/s) | gradlab 1T | gradlab 2T | PyTorch 1T | PyTorch 2T | gradlab ÷ PyTorch, 1T / 2T |",
    "|---|---|---|---|---|---|",
    ...names.map(
      (n) =>
        `| ${n} | ${f2(gf("g1", n))} | ${f2(gf("g2", n))} | ${f2(gf("t1", n))} | ${f2(gf("t2", n))} | ${gf("t1", n) ? f2(gf("g1", n) / gf("t1", n)) : "—"} / ${gf("t2", n) ? f2(gf("g2", n) / gf("t2", n)) : "—"} |`,
    ),
  ].join("\n");
  return {
    rows,
    md: `${header}\n${rows.map((x) => x.md).join("\n")}\n\n${convMd}\n\nLeNet-5 = Conv(1→6, 5, pad 2) ReLU MaxPool Conv(6→16, 5) ReLU MaxPool Flatten Linear(400,120) ReLU Linear(120,84) ReLU Linear(84,10), built from gradlab's nn in the bench; batch 64, SGD lr 0.01 momentum 0.9, ${warmup} warm-up steps on a throwaway model. PyTorch (oneDNN) the faster of 1 and 2 threads per round; gradlab-wasm 2 threads. conv2d: F.conv2d forward with bias, batch 64, one measurement (round 1 conditions).`,
    raw: { rounds: raw, conv },
  };
}

async function gpt(ctx) {
  const { quick, repeats } = ctx;
  const gSteps = quick ? 8 : 40,
    gWarm = quick ? 3 : 10,
    tSteps = quick ? 20 : 100;
  const G = [],
    T = [],
    raw = [];
  const data = join(ctx.root, "node_modules", "@stdlib", "datasets-moby-dick", "data");
  for (let r = 0; r < repeats; r++) {
    ctx.log(`[bench] gpt round ${r + 1}/${repeats}`);
    const t = await torchBest(
      ctx,
      "torch_gpt.py",
      ["--data", data, "--timed-steps", String(tSteps)],
      (x) => x.tokensPerSec,
      "PyTorch char-GPT",
      true,
    );
    const g = await ctx.nodeScript(
      "gradlab_suites.mjs",
      ["--mode", "gpt", "--threads", "2", "--steps", String(gSteps), "--warmup", String(gWarm)],
      "gradlab char-GPT 2T",
    );
    T.push(t.v);
    G.push(ok(g) ? g.tokensPerSec : null);
    raw.push({ torch: t.raw, gradlab: g });
  }
  const params = raw.find((x) => ok(x.gradlab))?.gradlab.params;
  const rows = [row("char-GPT training throughput", G, T, { unit: "tokens/s", higher: true, digits: 0, target: 2 })];
  return {
    rows,
    md: `${header}\n${rows.map((x) => x.md).join("\n")}\n\nThe config of bench/torch_gpt.py (4 pre-norm GELU blocks, d 128, 4 heads, block 64, batch 12, AdamW lr 1e-3; ${params ?? "?"} parameters in gradlab's model, built from nn.Embedding + nn.TransformerEncoderLayer(normFirst, causal) + LayerNorm + Linear). gradlab-wasm 2 threads, ${gSteps} timed steps after ${gWarm}, each yielding to the event loop as \`gradlab train\` does; PyTorch ${tSteps} after 20, the faster of 1 and 2 threads per round. Ratio = PyTorch's tokens/s ÷ gradlab's.`,
    raw,
  };
}

/**
 * The MNIST MLP's training step on the WebGPU backend (bench/webgpu_bench.mjs: the lecture's loop,
 * awaiting each step's loss) beside PyTorch's CPU step in the same rounds. The adapter is named; a
 * fallback (software) adapter's times are shown but not compared with anything: they say nothing
 * about GPUs.
 */
async function webgpu(ctx) {
  const { quick, repeats } = ctx;
  const G = [],
    T = [],
    raw = [];
  const probe = await ctx.nodeScript("webgpu_bench.mjs", ["--steps", "0"], "webgpu adapter");
  if (!ok(probe)) return { rows: [], md: `No WebGPU run: ${probe?.error ?? "no result"}`, raw: [probe] };
  const { adapter, fallbackAdapter: fallback } = probe;
  // A software adapter takes seconds per step: a few steps say all there is to say.
  const steps = quick || fallback ? 5 : 100;
  for (let r = 0; r < repeats; r++) {
    ctx.log(`[bench] webgpu round ${r + 1}/${repeats}`);
    const g = await ctx.nodeScript("webgpu_bench.mjs", ["--steps", String(steps), "--warmup", "3"], "gradlab webgpu");
    const t = fallback
      ? { v: null, raw: null }
      : await torchBest(
          ctx,
          "torch_suites.py",
          ["--data", ctx.mnistDir, "--mode", "short", "--steps", String(steps), "--warmup", "30"],
          (x) => x.msPerStep,
          "PyTorch MLP step",
        );
    G.push(ok(g) ? g.msPerStep : null);
    T.push(t.v);
    raw.push({ gradlab: g, torch: t.raw });
  }
  const label = `MNIST MLP step on webgpu (${adapter})`;
  if (fallback) {
    const m = median(G);
    return {
      rows: [],
      md: `| row | gradlab webgpu (median) | PyTorch | ratio |\n|---|---|---|---|\n| ${label} | ${m == null ? "—" : m.toFixed(0)} ms/step | not compared | — |\n\nA **fallback adapter** (software rendering on the CPU): these times are not GPU times and are compared with nothing. Time a real GPU.`,
      raw,
    };
  }
  const rows = [row(label, G, T, { unit: "ms/step" })];
  return {
    rows,
    md: `${header}\n${rows.map((x) => x.md).join("\n")}\n\nThe lecture's loop on webgpu, awaiting each step's loss; PyTorch on the CPU, the faster of 1 and 2 threads per round.`,
    raw,
  };
}
