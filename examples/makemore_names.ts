/**
 * makemore on 8,422 English first names: three character-level models of "which letter comes next", each scored by
 * its validation loss (mean −log p of the true next character; uniform guessing over 28 characters = ln 28 = 3.33).
 * 1. bigram counts: p(next | previous) read off a table of counts — no training at all;
 * 2. MLP (Bengio et al., 2003): embed the last 3 characters, one tanh hidden layer;
 * 3. WaveNet-ish: 8 characters merged pairwise in a tree (8 → 4 → 2 → 1), Linear + BatchNorm + tanh per level.
 * Run: npx tsx examples/makemore_names.ts [steps=20000]   (training steps per neural model, batch 32)
 */
import {
  F,
  Generator,
  manualSeed,
  multinomial,
  nn,
  noGrad,
  optim,
  randint,
  randperm,
  tensor,
  type Tensor,
} from "gradlab";
import { firstNames } from "gradlab/node";

const steps = Number(process.argv[2] ?? 20000);
manualSeed(42);
const names = firstNames().map((s) => s.toLowerCase());
const chars = [".", ...[...new Set(names.join(""))].sort()]; // "." marks both the start and the end of a name
const V = chars.length;
const stoi = new Map(chars.map((c, i) => [c, i]));

// An honest split: whole names, shuffled, 90% train / 10% validation.
const order = randperm(names.length);
const nTrain = Math.floor(0.9 * names.length);
const trainNames = Array.from(order.subarray(0, nTrain), (i) => names[i]);
const valNames = Array.from(order.subarray(nTrain), (i) => names[i]);
console.log(
  `${names.length} names, ${V} characters (${chars.join("")}), ${trainNames.length} train / ${valNames.length} val`,
);

/** Every (previous `block` characters, next character) pair of the names: X (n, block), Y (n), int32. */
function dataset(words: string[], block: number): [Tensor, Tensor] {
  const xs: number[] = [],
    ys: number[] = [];
  for (const w of words) {
    const context = new Array<number>(block).fill(0);
    for (const ch of [...w, "."]) {
      const ix = stoi.get(ch)!;
      xs.push(...context);
      ys.push(ix);
      context.shift();
      context.push(ix);
    }
  }
  return [
    tensor(Int32Array.from(xs), { shape: [ys.length, block] }),
    tensor(Int32Array.from(ys), { shape: [ys.length] }),
  ];
}

const gen = new Generator(2147483647);
/** Names drawn one character at a time from `nextProbs(context)` (a (V) probability vector) until ".". */
function sampleNames(block: number, nextProbs: (context: Tensor) => Tensor, n = 6): string[] {
  return noGrad(() =>
    Array.from({ length: n }, () => {
      const context = new Array<number>(block).fill(0);
      let name = "";
      for (;;) {
        const ix = multinomial(nextProbs(tensor(Int32Array.from(context), { shape: [1, block] })), 1, {
          generator: gen,
        }).item();
        if (ix === 0 || name.length > 30) return name;
        name += chars[ix];
        context.shift();
        context.push(ix);
      }
    }),
  );
}

// 1. Bigram counts: N[a, b] = how often b follows a; p(b | a) = (N[a, b] + 1) / Σ_b' (N[a, b'] + 1) (add-one smoothing).
const [xb, yb] = dataset(trainNames, 1);
const counts = new Float32Array(V * V);
const [xbA, ybA] = [xb.toArray(), yb.toArray()];
for (let i = 0; i < ybA.length; i++) counts[xbA[i] * V + ybA[i]]++;
const smoothed = tensor(counts, { shape: [V, V] }).add(1);
const P = smoothed.div(smoothed.sum(1, true));
const [xbVal, ybVal] = dataset(valNames, 1);
const bigramLoss = P.log().view(-1).indexSelect(0, xbVal.view(-1).mul(V).add(ybVal)).mean().neg().item();
console.log(`\n1. bigram counts      val loss ${bigramLoss.toFixed(4)}`);
console.log(`   samples: ${sampleNames(1, (c) => P.indexSelect(0, c.view(-1))).join(", ")}`);

/** Minibatch SGD on cross-entropy (lr 0.1, then 0.01 for the last quarter); returns the validation loss. */
function trainAndEvaluate(model: nn.Module, block: number): number {
  const [Xtr, Ytr] = dataset(trainNames, block);
  const [Xval, Yval] = dataset(valNames, block);
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
  for (let step = 0; step < steps; step++) {
    if (step === Math.floor(0.75 * steps)) optimizer.paramGroups[0].lr = 0.01;
    const ix = randint(0, Ytr.shape[0], [32]);
    const loss = F.crossEntropy(model(Xtr.indexSelect(0, ix)), Ytr.indexSelect(0, ix));
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  }
  model.eval(); // BatchNorm: use the running statistics
  return noGrad(() => F.crossEntropy(model(Xval), Yval).item());
}
const nextFrom = (model: nn.Module) => (context: Tensor) => F.softmax(model(context), -1).view(-1);

// 2. MLP: 3 characters → 3 embeddings of 10 → concatenated 30 → 200 tanh units → 28 logits.
const mlp = new nn.Sequential(
  new nn.Embedding(V, 10),
  new nn.Flatten(),
  new nn.Linear(30, 200),
  new nn.Tanh(),
  new nn.Linear(200, V),
);
const mlpLoss = trainAndEvaluate(mlp, 3);
const count = (m: nn.Module) => m.parameters().reduce((n, p) => n + p.numel(), 0);
console.log(
  `\n2. MLP (block 3)      val loss ${mlpLoss.toFixed(4)}   ${count(mlp).toLocaleString("en")} parameters, ` +
    `${steps} steps`,
);
console.log(`   samples: ${sampleNames(3, nextFrom(mlp)).join(", ")}`);

/** (B, T, C) → (B, T/n, C·n): n neighbouring characters' vectors side by side, the next level's input. */
class MergePairs extends nn.Module {
  override forward(x: Tensor): Tensor {
    const [B, T, C] = x.shape;
    return x.view(B, T / 2, C * 2);
  }
}
/** Linear → BatchNorm1d over every (example, position) → tanh, on (B, T, C) input. */
class Level extends nn.Module {
  fc: nn.Linear;
  bn: nn.BatchNorm1d;
  constructor(inF: number, outF: number) {
    super();
    this.fc = new nn.Linear(inF, outF, { bias: false }); // BatchNorm's β is the bias
    this.bn = new nn.BatchNorm1d(outF);
  }
  override forward(x: Tensor): Tensor {
    const h = this.fc(x);
    const [B, T, C] = h.shape;
    return this.bn(h.view(B * T, C))
      .view(B, T, C)
      .tanh();
  }
}

// 3. WaveNet-ish: 8 characters → embeddings (8, 10) → pairs (4, 20) → (4, H) → pairs (2, 2H) → (2, H) → (1, 2H) → H.
const H = 68;
const wavenet = new nn.Sequential(
  new nn.Embedding(V, 10),
  new MergePairs(),
  new Level(20, H),
  new MergePairs(),
  new Level(2 * H, H),
  new MergePairs(),
  new Level(2 * H, H),
  new nn.Flatten(),
  new nn.Linear(H, V),
);
const wavenetLoss = trainAndEvaluate(wavenet, 8);
console.log(
  `\n3. WaveNet (block 8)  val loss ${wavenetLoss.toFixed(4)}   ${count(wavenet).toLocaleString("en")} ` +
    `parameters, ${steps} steps`,
);
console.log(`   samples: ${sampleNames(8, nextFrom(wavenet)).join(", ")}`);

const ok = bigramLoss > 2.2 && bigramLoss < 2.7 && mlpLoss < bigramLoss && wavenetLoss < bigramLoss;
console.log(ok ? "\nboth neural models beat the bigram table on names they never saw" : "\nunexpected losses");
if (!ok) process.exit(1);
