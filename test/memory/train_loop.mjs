// Trains the lecture's MLP for many epochs of a small dataset with no dispose()/tidy() anywhere and
// prints memory after each epoch as JSON lines. Run by memory.test.ts in its own process.
import { F, manualSeed, nn, optim, data, randn, randint, setBackend } from "../../dist/index.js";

const backend = process.argv[2] ?? "js";
const epochs = Number(process.argv[3] ?? 40);
if (backend === "wasm") {
  const wasm = await import("../../dist/backend/wasm/index.js");
  await wasm.initWasmBackend();
}
setBackend(backend);
manualSeed(0);
const ds = new data.TensorDataset(randn([640, 784]), randint(0, 10, [640]));
const loader = new data.DataLoader(ds, { batchSize: 64, shuffle: true, seed: 0 });
const model = new nn.Sequential(
  new nn.Linear(784, 256),
  new nn.ReLU(),
  new nn.Linear(256, 256),
  new nn.ReLU(),
  new nn.Linear(256, 10),
);
const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
for (let epoch = 0; epoch < epochs; epoch++) {
  for (const [x, y] of loader) {
    const loss = F.crossEntropy(model(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
  }
  globalThis.gc?.();
  const m = process.memoryUsage();
  console.log(JSON.stringify({ epoch, rss: m.rss, heap: m.heapUsed, external: m.external + m.arrayBuffers }));
}
