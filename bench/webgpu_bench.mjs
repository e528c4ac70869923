#!/usr/bin/env node
// gradlab's MNIST MLP training step on the WebGPU backend, on whatever adapter this machine has
// (in Node without a GPU driver: the SwiftShader one, re-run by common/webgpu_env.mjs). The
// lecture's loop with the one WebGPU rule: each step awaits the loss it logs. Prints one JSON line
// with the adapter, whether it is a fallback (software) adapter, and ms per step after a warm-up.
//   node bench/webgpu_bench.mjs [--steps 20 (0: only name the adapter)] [--warmup 3]
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { EPOCH_STEPS, makeDatasets, makeMlp } from "./common/gradlab_core.mjs";
import { onAdapterOrSwiftShader } from "./common/webgpu_env.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values: o } = parseArgs({
  options: { steps: { type: "string", default: "20" }, warmup: { type: "string", default: "3" } },
});
await onAdapterOrSwiftShader(import.meta.url, { quiet: true });

const g = await import(join(root, "dist", "index.js"));
const { loadMnist } = await import(join(root, "dist", "node.js"));
const { describeAdapter } = await import(join(root, "dist", "backend", "webgpu", "index.js"));
try {
  await g.setBackend("webgpu");
} catch (e) {
  console.log(JSON.stringify({ error: e.message }));
  process.exit(1);
}
const info = g.webgpuContext()?.adapter ?? null;
const about = { adapter: info ? describeAdapter(info) : "unknown", fallbackAdapter: info?.isFallbackAdapter ?? null };
if (Number(o.steps) === 0) {
  console.log(JSON.stringify(about)); // --steps 0: which adapter, nothing timed
  process.exit(0);
}
const ds = makeDatasets(g, { train: loadMnist("train"), test: loadMnist("test") });
g.manualSeed(0);
const model = makeMlp(g);
const crit = new g.nn.CrossEntropyLoss();
const opt = new g.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
const loader = new g.data.DataLoader(ds.train, { batchSize: 64, shuffle: true, seed: 0 });
const steps = Number(o.steps),
  warmup = Number(o.warmup);
let done = 0,
  t0 = 0,
  lossSum = 0;
for (const [x, y] of loader) {
  if (done === warmup) t0 = performance.now();
  const loss = crit(model(x.view(-1, 784)), y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  const v = await loss.itemAsync(); // the WebGPU rule: await the loss you log
  if (done >= warmup) lossSum += v;
  if (++done >= warmup + steps) break;
}
const ms = (performance.now() - t0) / steps;
console.log(
  JSON.stringify({
    ...about,
    steps,
    warmup,
    msPerStep: ms,
    epochMs: ms * EPOCH_STEPS,
    trainLoss: lossSum / steps,
    fallbacks: g.fallbackCounts?.() ?? {},
  }),
);
process.exit(0);
