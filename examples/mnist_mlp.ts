/**
 * The lecture's MLP and its five-line training loop, on MNIST (784-256-256-10, ReLU, SGD lr 0.01 momentum 0.9, batch 64).
 * Run: npx tsx examples/mnist_mlp.ts [epochs=10] [limit]   (limit: use only the first N training images)
 */
import { manualSeed, nn, noGrad, optim, data, type Tensor } from "gradlab";
import { mnistDataset } from "gradlab/node";

class MLP extends nn.Module {
  net: nn.Sequential;
  constructor(dIn = 784, dH = 256, dOut = 10) {
    super();
    this.net = new nn.Sequential(
      new nn.Linear(dIn, dH),
      new nn.ReLU(),
      new nn.Linear(dH, dH),
      new nn.ReLU(),
      new nn.Linear(dH, dOut), // raw logits — no softmax here
    );
  }
  override forward(x: Tensor): Tensor {
    return this.net(x);
  }
}

const epochs = Number(process.argv[2] ?? 10);
const limit = process.argv[3] ? Number(process.argv[3]) : undefined;
manualSeed(0);
const trainSet = mnistDataset("train", { limit });
const testSet = mnistDataset("test");
const loader = new data.DataLoader(trainSet, { batchSize: 64, shuffle: true, seed: 0 });

const model = new MLP(784, 256, 10);
const criterion = new nn.CrossEntropyLoss();
const optimizer = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });

function testAccuracy(): number {
  model.eval();
  const [x, y] = testSet.tensors;
  const correct = noGrad(() => model(x.view(-1, 784)).argmax(1).eq(y).sum().item());
  model.train();
  return correct / testSet.length;
}

const start = performance.now();
for (let epoch = 0; epoch < epochs; epoch++) {
  let total = 0,
    steps = 0;
  const t0 = performance.now();
  for (const [x, y] of loader) {
    const logits = model(x.view(-1, 784)); // 1. forward
    const loss = criterion(logits, y); // 2. loss
    optimizer.zeroGrad(); // 3. zero grads
    loss.backward(); // 4. backward
    optimizer.step(); // 5. update
    total += loss.item();
    steps++;
  }
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `epoch ${epoch + 1}: train loss ${(total / steps).toFixed(4)}, test accuracy ${testAccuracy().toFixed(4)}, ${secs.toFixed(1)} s`,
  );
}
console.log(`total ${((performance.now() - start) / 1000).toFixed(1)} s`);
