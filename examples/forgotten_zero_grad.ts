/**
 * The forgotten zeroGrad: PyTorch (and gradlab) accumulate gradients, so without zeroing each step
 * follows the sum of all past gradients — the steps grow and training goes unstable.
 */
import { F, manualSeed, nn, optim, randn, randint } from "gradlab";

function train(zero: boolean): { losses: number[]; gradNorm: number } {
  manualSeed(0);
  const x = randn([256, 20]),
    y = randint(0, 3, [256]);
  const model = new nn.Sequential(new nn.Linear(20, 32), new nn.ReLU(), new nn.Linear(32, 3));
  const opt = new optim.SGD(model.parameters(), { lr: 0.5 });
  const losses: number[] = [];
  for (let step = 0; step < 100; step++) {
    const loss = F.crossEntropy(model(x), y);
    if (zero) opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  const gradNorm = Math.sqrt(model.parameters().reduce((s, p) => s + p.grad!.square().sum().item(), 0));
  return { losses, gradNorm };
}
const good = train(true),
  bad = train(false);
const show = (l: number[]) => [0, 10, 25, 50, 75, 99].map((i) => l[i].toFixed(3)).join(" → ");
console.log(`with zeroGrad():    loss ${show(good.losses)}; final |grad| ${good.gradNorm.toFixed(3)}`);
console.log(
  `without zeroGrad(): loss ${show(bad.losses)}; final |grad| ${bad.gradNorm.toFixed(3)} (the sum of 100 steps' gradients)`,
);
const jumpy = (l: number[]) => l.slice(1).filter((v, i) => v > l[i] * 1.05).length;
console.log(`steps where the loss went up by >5%: ${jumpy(good.losses)} with zeroGrad, ${jumpy(bad.losses)} without`);
const symptom = bad.gradNorm > 10 * good.gradNorm && jumpy(bad.losses) > jumpy(good.losses);
if (!symptom) process.exit(1);
