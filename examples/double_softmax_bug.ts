/**
 * The double-softmax bug: a Softmax layer before CrossEntropyLoss (which applies log-softmax itself)
 * squashes the gradients; on MNIST-like 10-class data the loss sits near ln(10) ≈ 2.30.
 * Run: npx tsx examples/double_softmax_bug.ts [steps=200]
 */
import { F, manualSeed, nn, optim, data } from "gradlab";
import { mnistDataset } from "gradlab/node";

const steps = Number(process.argv[2] ?? 200);
const train = mnistDataset("train", { limit: 64 * steps });

function run(buggy: boolean): number {
  manualSeed(0);
  const layers: nn.Module[] = [
    new nn.Linear(784, 256),
    new nn.ReLU(),
    new nn.Linear(256, 256),
    new nn.ReLU(),
    new nn.Linear(256, 10),
  ];
  if (buggy) layers.push(new nn.Softmax(1)); // the bug
  const model = new nn.Sequential(...layers);
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  let last = 0,
    i = 0;
  for (const [x, y] of new data.DataLoader(train, { batchSize: 64, shuffle: true, seed: 0 })) {
    const loss = F.crossEntropy(model(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    last = 0.9 * last + 0.1 * loss.item();
    if (++i % 50 === 0) console.log(`${buggy ? "softmax → CE" : "logits → CE "} step ${i}: loss ${last.toFixed(3)}`);
  }
  return last;
}
const bugged = run(true),
  fixed = run(false);
console.log(
  `final smoothed loss: with the extra softmax ${bugged.toFixed(3)} (ln 10 = ${Math.log(10).toFixed(3)}), without ${fixed.toFixed(3)}`,
);
if (!(bugged > 1.6 && fixed < 1.0)) process.exit(1);
