/**
 * Two linear layers without a non-linearity are one linear layer:
 * W2(W1·x + b1) + b2 = (W2·W1)·x + (W2·b1 + b2).
 */
import { manualSeed, nn, noGrad, randn } from "gradlab";

manualSeed(0);
const deep = new nn.Sequential(new nn.Linear(2, 3), new nn.Linear(3, 1));
const [W1, b1, W2, b2] = deep.parameters();
const single = new nn.Linear(2, 1);
noGrad(() => {
  single.weight.copy_(W2.matmul(W1));
  single.bias!.copy_(W2.matmul(b1).add(b2));
});
const x = randn([5, 2]);
const a = noGrad(() => deep(x)),
  b = noGrad(() => single(x));
const maxDiff = a.sub(b).abs().max().item();
console.log("equivalent single layer W =", single.weight.tolist(), "b =", single.bias!.tolist());
console.log(`max |deep(x) − single(x)| = ${maxDiff.toExponential(2)}`);
// With a ReLU in between the collapse no longer holds.
const bent = new nn.Sequential(deep[0], new nn.ReLU(), deep[1]);
const bentDiff = noGrad(() => bent(x).sub(single(x)).abs().max().item());
console.log(`with ReLU between them: max difference = ${bentDiff.toFixed(4)} (no single linear layer matches)`);
if (maxDiff > 1e-5) process.exit(1);
