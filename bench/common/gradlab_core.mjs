// The lecture's workload on gradlab, written once and run by both the Node bench
// (bench/gradlab_bench.mjs) and the browser bench (bench/browser/worker.mjs), so the two time the
// same code. `g` is the gradlab module namespace; data come in as flat arrays.
//   MLP 784-256-256-10, ReLU, cross-entropy, SGD lr 0.01 momentum 0.9, batch 64, shuffled.

export const EPOCH_STEPS = 938; // ceil(60000 / 64)

const now = () => performance.now();
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function makeMlp(g) {
  const { nn } = g;
  return new nn.Sequential(
    new nn.Linear(784, 256),
    new nn.ReLU(),
    new nn.Linear(256, 256),
    new nn.ReLU(),
    new nn.Linear(256, 10),
  );
}

/** Datasets as gradlab TensorDatasets (the same thing gradlab/node's mnistDataset builds). */
export function makeDatasets(g, mnist) {
  const t = (d) =>
    new g.data.TensorDataset(
      g.tensor(d.images, { shape: [d.n, 784] }),
      g.tensor(d.labels, { shape: [d.n], dtype: "int32" }),
    );
  return { train: t(mnist.train), test: t(mnist.test) };
}

/** Runs `steps` training steps (cycling the loader across epochs if needed); returns ms and mean loss. */
function trainSteps(g, model, crit, opt, loader, steps) {
  let done = 0,
    total = 0;
  const t0 = now();
  while (done < steps) {
    for (const [x, y] of loader) {
      const loss = crit(model(x.view(-1, 784)), y); // 1-2. forward, loss
      opt.zeroGrad(); // 3. zero grads
      loss.backward(); // 4. backward
      opt.step(); // 5. update
      total += loss.item();
      if (++done >= steps) break;
    }
  }
  return { ms: now() - t0, loss: total / steps };
}

export function testAccuracy(g, model, test) {
  model.eval();
  const [x, y] = test.tensors;
  let correct = 0;
  g.noGrad(() => {
    for (let i = 0; i < test.length; i += 1000) {
      const n = Math.min(1000, test.length - i);
      correct += model(x.narrow(0, i, n).view(-1, 784))
        .argmax(1)
        .eq(y.narrow(0, i, n))
        .sum()
        .item();
    }
  });
  model.train();
  return correct / test.length;
}

/**
 * One (possibly partial) epoch, after a warm-up on a throwaway model.
 * steps < 938: the time is extrapolated to 938 steps and no accuracy is reported.
 */
export function runEpoch(g, ds, { steps = EPOCH_STEPS, warmup = 30, seed = 0 } = {}) {
  const { nn, optim, data } = g;
  // The warm-up trains two throwaway models, half the steps each: V8 re-optimises code that saw one
  // model's layers when the next model's arrive (measured: a second model's first 300 steps at
  // 1.2–1.6 s/epoch after 600 warm steps on one model; a third model's at the steady 0.93 s).
  for (let w = 0; w < 2 && warmup > 0; w++) {
    g.manualSeed(seed + 1000 + w);
    const m = makeMlp(g);
    const l = new data.DataLoader(ds.train, { batchSize: 64, shuffle: true, seed: seed + 1000 + w });
    trainSteps(
      g,
      m,
      new nn.CrossEntropyLoss(),
      new optim.SGD(m.parameters(), { lr: 0.01, momentum: 0.9 }),
      l,
      Math.ceil(warmup / 2),
    );
  }
  g.manualSeed(seed);
  const model = makeMlp(g);
  const loader = new data.DataLoader(ds.train, { batchSize: 64, shuffle: true, seed });
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const r = trainSteps(g, model, new nn.CrossEntropyLoss(), opt, loader, steps);
  const full = steps >= EPOCH_STEPS;
  return {
    steps,
    warmup,
    measuredMs: r.ms,
    epochMs: (r.ms * EPOCH_STEPS) / steps,
    extrapolated: !full,
    trainLoss: r.loss,
    testAccuracy: full ? testAccuracy(g, model, ds.test) : null,
    model,
  };
}

/** Forward passes of batch 1000 (no grad); returns median ms per batch and images/s. */
export function inference(g, model, test, { reps = 10, warmup = 3 } = {}) {
  model.eval();
  const x = test.tensors[0].narrow(0, 0, 1000).contiguous();
  const times = [];
  g.noGrad(() => {
    for (let i = 0; i < warmup + reps; i++) {
      const t0 = now();
      model(x).argmax(1).sum().item(); // item() forces the result, as a caller would
      if (i >= warmup) times.push(now() - t0);
    }
  });
  model.train();
  const ms = median(times);
  return { batch: 1000, ms, imgPerSec: 1000 / (ms / 1000) };
}

/** [name, M, K, N]: C[M,N] = A[M,K] · B[K,N]. The lecture's layer-1 forward and its two backward products, and 1024³. */
export const GEMM_SHAPES = [
  ["fwd 64x784x256", 64, 784, 256],
  ["bwd dX 64x256x784", 64, 256, 784],
  ["bwd dW 256x64x784", 256, 64, 784],
  ["1024^3", 1024, 1024, 1024],
];

/** GFLOP/s of g.matmul at each shape: median of `samples` timings of enough calls to take ~targetMs. */
export function gemm(g, { samples = 7, targetMs = 60 } = {}) {
  const out = {};
  g.noGrad(() => {
    for (const [name, M, K, N] of GEMM_SHAPES) {
      g.manualSeed(1);
      const a = g.randn([M, K]),
        b = g.randn([K, N]);
      const flop = 2 * M * K * N;
      let t0 = now();
      g.matmul(a, b).sum().item();
      let one = now() - t0; // warm-up, and a first guess
      for (let i = 0; i < 2; i++) {
        t0 = now();
        g.matmul(a, b);
        one = Math.min(one, now() - t0);
      }
      const reps = Math.max(1, Math.round(targetMs / Math.max(one, 1e-3)));
      const per = [];
      for (let s = 0; s < samples; s++) {
        t0 = now();
        for (let r = 0; r < reps; r++) g.matmul(a, b);
        per.push((now() - t0) / reps);
      }
      const ms = median(per);
      out[name] = { M, K, N, ms, gflops: flop / (ms * 1e6) };
    }
  });
  return out;
}

/** `repeats` epochs (fresh model, seed r, warm-up before the first only); median time and accuracy. */
export function runEpochs(g, ds, { steps = EPOCH_STEPS, warmup = 30, repeats = 1 } = {}) {
  const runs = [];
  let model = null;
  for (let r = 0; r < repeats; r++) {
    const { model: m, ...e } = runEpoch(g, ds, { steps, warmup: r === 0 ? warmup : 0, seed: r });
    model = m;
    runs.push(e);
  }
  const accs = runs.map((e) => e.testAccuracy).filter((a) => a !== null);
  return {
    epoch: {
      steps,
      warmup,
      repeats,
      extrapolated: steps < EPOCH_STEPS,
      epochMs: median(runs.map((e) => e.epochMs)),
      measuredMs: median(runs.map((e) => e.measuredMs)),
      testAccuracy: accs.length ? median(accs) : null,
      trainLoss: median(runs.map((e) => e.trainLoss)),
      runs: runs.map((e) => ({ epochMs: e.epochMs, testAccuracy: e.testAccuracy, trainLoss: e.trainLoss })),
    },
    model,
  };
}
