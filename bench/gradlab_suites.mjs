#!/usr/bin/env node
// gradlab's side of the bench suites that are not the steady MLP epoch (see bench/README.md,
// "Suites"). One measurement per process, one JSON line on stdout; PyTorch's side is
// bench/torch_suites.py with the same modes and flags.
//
//   node bench/gradlab_suites.mjs --mode first  [--threads 2] [--steps 938]      first epoch of a fresh process
//   node bench/gradlab_suites.mjs --mode short  [--threads 2] [--steps 200] [--warmup 30]   ms/step after a short warm-up
//   node bench/gradlab_suites.mjs --mode lenet  [--threads 2] [--steps 938] [--warmup 30]   LeNet-5 epoch (batch 64, SGD momentum)
//   node bench/gradlab_suites.mjs --mode conv   [--threads 2]                    conv2d forward GFLOP/s at LeNet's and a ResNet block's shapes
//   node bench/gradlab_suites.mjs --mode gpt    [--threads 2] [--steps 30] [--warmup 5]     char-GPT training tokens/s
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { readdirSync, readFileSync } from "node:fs";
import { EPOCH_STEPS, makeDatasets, makeMlp, median } from "./common/gradlab_core.mjs";

const tProcess = performance.now(); // module evaluation start: Node's own boot is not in it
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values: o } = parseArgs({
  options: {
    mode: { type: "string" },
    threads: { type: "string", default: "2" },
    steps: { type: "string" },
    warmup: { type: "string" },
    seed: { type: "string", default: "0" },
    samples: { type: "string", default: "5" },
  },
});
const threads = Number(o.threads),
  seed = Number(o.seed);

const g = await import(join(root, "dist", "index.js"));
const wasm = await import(join(root, "dist", "backend", "wasm", "index.js"));
const tInit = performance.now();
await wasm.initWasmBackend({ threads });
const info = {
  mode: o.mode,
  threads,
  threadsActive: wasm.getNumThreads(),
  simd: wasm.wasmBackendInfo()?.simd,
  node: process.version,
  initMs: performance.now() - tInit,
};
g.setBackend("wasm");
g.resetFallbackCounts?.();
const { nn, optim, data, F } = g;

/** Steps of `model` on `loader` (cycling epochs), forward/loss/zero/backward/step/item as examples/ do. */
function trainSteps(model, opt, loader, steps, view) {
  let done = 0,
    total = 0;
  const t0 = performance.now();
  while (done < steps) {
    for (const [x, y] of loader) {
      const loss = F.crossEntropy(model(view(x)), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      total += loss.item();
      if (++done >= steps) break;
    }
  }
  return { ms: performance.now() - t0, loss: total / steps };
}

function mnist() {
  return import(join(root, "dist", "node.js")).then(({ loadMnist }) =>
    makeDatasets(g, { train: loadMnist("train"), test: loadMnist("test") }),
  );
}

/** LeNet-5 as in shared/fixtures/pytorch/course_cases.json (lenet5_step), built from nn. */
function lenet() {
  return new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(400, 120),
    new nn.ReLU(),
    new nn.Linear(120, 84),
    new nn.ReLU(),
    new nn.Linear(84, 10),
  );
}

const modes = {
  async first() {
    const ds = await mnist();
    const steps = Number(o.steps ?? EPOCH_STEPS);
    g.manualSeed(seed);
    const model = makeMlp(g);
    const loader = new data.DataLoader(ds.train, { batchSize: 64, shuffle: true, seed });
    const r = trainSteps(model, new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 }), loader, steps, (x) =>
      x.view(-1, 784),
    );
    return {
      steps,
      ms: r.ms,
      epochMs: (r.ms * EPOCH_STEPS) / steps,
      trainLoss: r.loss,
      sinceStartMs: performance.now() - tProcess,
    };
  },
  async short() {
    const ds = await mnist();
    const steps = Number(o.steps ?? 200),
      warmup = Number(o.warmup ?? 30);
    g.manualSeed(seed);
    const model = makeMlp(g);
    const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    const loader = new data.DataLoader(ds.train, { batchSize: 64, shuffle: true, seed });
    trainSteps(model, opt, loader, warmup, (x) => x.view(-1, 784));
    const r = trainSteps(model, opt, loader, steps, (x) => x.view(-1, 784));
    return { steps, warmup, ms: r.ms, msPerStep: r.ms / steps, trainLoss: r.loss };
  },
  async lenet() {
    const ds = await mnist();
    const steps = Number(o.steps ?? EPOCH_STEPS),
      warmup = Number(o.warmup ?? 30);
    const view = (x) => x.view(-1, 1, 28, 28);
    if (warmup) {
      // a throwaway model, as the steady suite does
      g.manualSeed(seed + 1000);
      const m = lenet();
      trainSteps(
        m,
        new optim.SGD(m.parameters(), { lr: 0.01, momentum: 0.9 }),
        new data.DataLoader(ds.train, { batchSize: 64, shuffle: true, seed: seed + 1000 }),
        warmup,
        view,
      );
    }
    g.manualSeed(seed);
    const model = lenet();
    const loader = new data.DataLoader(ds.train, { batchSize: 64, shuffle: true, seed });
    const r = trainSteps(model, new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 }), loader, steps, view);
    return {
      steps,
      warmup,
      ms: r.ms,
      epochMs: (r.ms * EPOCH_STEPS) / steps,
      extrapolated: steps < EPOCH_STEPS,
      trainLoss: r.loss,
    };
  },
  async conv() {
    const shapes = [
      // name, N, C_in, H, W, C_out, k, padding
      ["LeNet conv1 1→6 5×5 pad 2, 28×28", 64, 1, 28, 28, 6, 5, 2],
      ["LeNet conv2 6→16 5×5, 14×14", 64, 6, 14, 14, 16, 5, 0],
      ["ResNet 32→32 3×3 pad 1, 14×14", 64, 32, 14, 14, 32, 3, 1],
    ];
    const out = {};
    g.noGrad(() => {
      for (const [name, n, c, h, w, co, k, p] of shapes) {
        g.manualSeed(1);
        const x = g.randn([n, c, h, w]),
          wt = g.randn([co, c, k, k]),
          b = g.randn([co]);
        const ho = h + 2 * p - k + 1,
          wo = w + 2 * p - k + 1;
        const flop = 2 * n * co * ho * wo * c * k * k;
        for (let i = 0; i < 5; i++) F.conv2d(x, wt, b, { padding: p }).sum().item();
        const per = [];
        for (let s = 0; s < Number(o.samples); s++) {
          let calls = 0;
          const t0 = performance.now();
          while (calls < 3 || performance.now() - t0 < 40) {
            F.conv2d(x, wt, b, { padding: p });
            calls++;
          }
          per.push((performance.now() - t0) / calls);
        }
        const ms = median(per);
        out[name] = { ms, gflops: flop / (ms * 1e6) };
      }
    });
    return { conv: out };
  },
  async gpt() {
    const dir = join(root, "node_modules", "@stdlib", "datasets-moby-dick", "data");
    const ch = {};
    for (const f of readdirSync(dir)) {
      const m = /^chapter_(\d+)\.txt$/.exec(f);
      if (m) ch[Number(m[1])] = readFileSync(join(dir, f), "utf8");
    }
    const all = Object.keys(ch)
      .map(Number)
      .sort((a, b) => a - b)
      .map((i) => ch[i])
      .join("\n");
    const vocab = [...new Set(all)].sort(); // code-point order, as Python's sorted(set(...))
    const stoi = new Map(vocab.map((c, i) => [c, i]));
    const text = Array.from({ length: 120 }, (_, i) => ch[i + 1]).join("\n");
    const ids = Int32Array.from(text, (c) => stoi.get(c));
    const block = 64,
      batch = 12;
    g.manualSeed(seed);
    // models.gpt: the one definition (`gradlab train --model gpt`, the lab), bench/torch_gpt.py's GPT in PyTorch.
    const model = g.models.gpt({ vocabSize: vocab.length, blockSize: block, nLayer: 4, nHead: 4, nEmbd: 128 });
    const params = model.parameters().reduce((s, p) => s + p.numel(), 0);
    const opt = new optim.AdamW(model.parameters(), { lr: 1e-3 });
    let rng = seed + 1;
    const rand = () => {
      rng = (Math.imul(rng, 1664525) + 1013904223) >>> 0;
      return rng / 2 ** 32;
    };
    const step = () => {
      const xs = new Int32Array(batch * block),
        ys = new Int32Array(batch * block);
      for (let b = 0; b < batch; b++) {
        const i = Math.floor(rand() * (ids.length - block - 1));
        xs.set(ids.subarray(i, i + block), b * block);
        ys.set(ids.subarray(i + 1, i + 1 + block), b * block);
      }
      const logits = model(g.tensor(xs, { shape: [batch, block], dtype: "int32" }));
      const loss = F.crossEntropy(logits.view(-1, vocab.length), g.tensor(ys, { dtype: "int32" }));
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss.item();
    };
    const warmup = Number(o.warmup ?? 5),
      steps = Number(o.steps ?? 30);
    // Each step yields to the event loop, as `gradlab train` and the lab's worker do: that is when
    // finalizers hand collected step temporaries back to wasm memory (src/backend/wasm/memory.ts).
    const turn = () => new Promise((r) => setImmediate(r));
    for (let i = 0; i < warmup; i++) {
      step();
      await turn();
    }
    const t0 = performance.now();
    let last = 0;
    for (let i = 0; i < steps; i++) {
      last = step();
      await turn();
    }
    const s = (performance.now() - t0) / 1000;
    return {
      params,
      vocab: vocab.length,
      steps,
      warmup,
      seconds: s,
      tokensPerSec: (steps * batch * block) / s,
      lastLoss: last,
    };
  },
};

if (!modes[o.mode]) {
  console.log(JSON.stringify({ error: `unknown --mode ${o.mode}; one of ${Object.keys(modes).join(", ")}` }));
  process.exit(2);
}
const res = {
  ...info,
  ...(await modes[o.mode]()),
  fallbacks: g.fallbackCounts?.() ?? {},
  poolStats: wasm.wasmBackendInfo()?.poolStats(),
};
console.log(JSON.stringify(res));
process.exit(0); // the pool's workers would keep the process alive
