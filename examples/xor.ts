/**
 * XOR: no line separates it; a 2-2-1 ReLU MLP does — first with the slide's hand-picked weights, then learned.
 * h = ReLU(W·x + c), W = [[1, 1], [1, 1]], c = [0, −1];  y = w·h + b, w = [1, −2], b = 0.
 */
import { manualSeed, nn, noGrad, optim, tensor } from "gradlab";

const X = tensor([
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
]);
const Y = tensor([[0], [1], [1], [0]]);

const handPicked = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Linear(2, 1));
handPicked.loadStateDict({
  "0.weight": tensor([
    [1, 1],
    [1, 1],
  ]),
  "0.bias": tensor([0, -1]),
  "2.weight": tensor([[1, -2]]),
  "2.bias": tensor([0]),
});
const out = noGrad(() => handPicked(X));
console.log("hand-picked weights:", out.reshape([-1]).tolist(), "targets:", Y.reshape([-1]).tolist());
const handCorrect = out.gt(0.5).eq(Y).sum().item();
console.log(`hand-picked: ${handCorrect}/4 correct`);

// A linear model cannot get all four: the best line leaves at least one point wrong.
manualSeed(0);
const linear = new nn.Linear(2, 1);
const linOpt = new optim.SGD(linear.parameters(), { lr: 0.5 });
for (let i = 0; i < 500; i++) {
  const loss = nn.functional.binaryCrossEntropyWithLogits(linear(X), Y);
  linOpt.zeroGrad();
  loss.backward();
  linOpt.step();
}
const linCorrect = noGrad(() => linear(X).gt(0).eq(Y).sum().item());
console.log(`linear model after training: ${linCorrect}/4 correct (XOR is not linearly separable)`);

// Learned: a small MLP with BCE on logits.
manualSeed(1);
const model = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 1));
const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
for (let step = 0; step < 300; step++) {
  const loss = nn.functional.binaryCrossEntropyWithLogits(model(X), Y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  if (step % 100 === 0) console.log(`step ${step}: loss ${loss.item().toFixed(4)}`);
}
const learnedCorrect = noGrad(() => model(X).gt(0).eq(Y).sum().item());
console.log(`learned: ${learnedCorrect}/4 correct`);
if (handCorrect !== 4 || learnedCorrect !== 4 || linCorrect === 4) process.exit(1);
