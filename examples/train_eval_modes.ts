/**
 * train() vs eval(): Dropout masks only in train mode; BatchNorm uses batch statistics in train mode
 * and its running statistics in eval mode. noGrad() skips building the graph for evaluation.
 */
import { manualSeed, nn, noGrad, ones, randn } from "gradlab";

manualSeed(0);
const drop = new nn.Dropout(0.5);
const x = ones([1, 8]);
console.log("Dropout train:", drop(x).tolist());
drop.eval();
console.log("Dropout eval: ", drop(x).tolist());

const bn = new nn.BatchNorm1d(3);
for (let i = 0; i < 50; i++) bn(randn([32, 3]).mul(2).add(5));
console.log(
  "running_mean ≈ 5:",
  Array.from(bn.running_mean!.dataSync(), (v) => v.toFixed(2)),
);
console.log(
  "running_var ≈ 4: ",
  Array.from(bn.running_var!.dataSync(), (v) => v.toFixed(2)),
);
bn.eval();
const single = noGrad(() => bn(randn([1, 3]).mul(2).add(5)));
console.log("eval on a single sample works:", single.tolist(), "requiresGrad:", single.requiresGrad);
