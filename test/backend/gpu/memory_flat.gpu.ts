// 1,000 training steps of a small MLP on webgpu, never calling dispose(), awaiting the loss each
// step as the README asks: the GPU buffer pool stops growing after warm-up (buffers of collected
// tensors come back through the FinalizationRegistry and are reused), and the bytes in use stay
// within what the pool held when warm-up ended. Run by test/memory/webgpu-flat.test.ts.
import { expect, it } from "vitest";
import { F, manualSeed, nn, optim, randint, randn, setBackend, webgpuContext } from "../../../src/index.js";

it("keeps GPU memory in use flat over 1,000 steps without dispose()", async () => {
  await setBackend("webgpu");
  manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Linear(16, 4));
  const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const x = randn([16, 8]),
    y = randint(0, 4, [16]);
  const pool = webgpuContext()!.pool;
  const samples: { step: number; inUse: number; held: number; created: number; loss: number }[] = [];
  for (let step = 1; step <= 1000; step++) {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    const v = await loss.itemAsync();
    if (step % 100 === 0) {
      const s = pool.snapshot();
      samples.push({ step, inUse: s.bytesInUse, held: s.bytesInUse + s.bytesFree, created: s.buffersCreated, loss: v });
    }
  }
  const warm = samples.find((s) => s.step === 500)!,
    last = samples[samples.length - 1];
  const report = JSON.stringify(samples);
  // Without buffers coming back, each of the last 500 steps would create its ~30 temporaries anew
  // (~15,000 buffers); with them, a collection that comes late costs a few hundred at most.
  expect(last.created - warm.created, report).toBeLessThan(500);
  // Memory held by the pool (in use + free) stays within a garbage collection's slack of warm-up's;
  // what is in use saw-tooths between collections below that.
  expect(last.held, report).toBeLessThanOrEqual(warm.held * 1.5);
  for (const s of samples.filter((s) => s.step >= 500)) expect(s.inUse, report).toBeLessThanOrEqual(warm.held * 1.5);
  expect(last.loss, report).toBeLessThan(samples[0].loss); // it trained
}, 300_000);
