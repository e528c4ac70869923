/**
 * Backprop by hand on the lecture's 2-1-1 sigmoid network, one SGD step, every number printed —
 * then the same numbers from autograd.
 * x = (1, 2), y = 1; hidden h = σ(w1·x + b1); output ŷ = σ(w2·h + b2); loss = BCE(ŷ, y).
 */
import { F, tensor } from "gradlab";

const x = [1, 2],
  y = 1,
  lr = 0.5;
let w1 = [0.1, -0.2],
  b1 = 0.0,
  w2 = 0.3,
  b2 = 0.0;
const sig = (z: number) => 1 / (1 + Math.exp(-z));

// Forward
const z1 = w1[0] * x[0] + w1[1] * x[1] + b1;
const h = sig(z1);
const z2 = w2 * h + b2;
const yHat = sig(z2);
const loss = -(y * Math.log(yHat) + (1 - y) * Math.log(1 - yHat));
console.log(
  `forward: z1 = ${z1.toFixed(4)}, h = σ(z1) = ${h.toFixed(4)}, z2 = ${z2.toFixed(4)}, ŷ = ${yHat.toFixed(4)}, loss = ${loss.toFixed(4)}`,
);

// Backward (BCE + sigmoid: dL/dz2 = ŷ − y)
const dz2 = yHat - y;
const dw2 = dz2 * h,
  db2 = dz2;
const dh = dz2 * w2;
const dz1 = dh * h * (1 - h);
const dw1 = [dz1 * x[0], dz1 * x[1]],
  db1 = dz1;
console.log(`backward: dL/dz2 = ŷ − y = ${dz2.toFixed(4)}, dL/dw2 = ${dw2.toFixed(4)}, dL/db2 = ${db2.toFixed(4)}`);
console.log(
  `          dL/dh = ${dh.toFixed(4)}, dL/dz1 = dL/dh·h(1−h) = ${dz1.toFixed(4)}, dL/dw1 = [${dw1.map((v) => v.toFixed(4))}], dL/db1 = ${db1.toFixed(4)}`,
);

// Autograd agrees
const tw1 = tensor([w1], { requiresGrad: true, dtype: "float64" }),
  tb1 = tensor([b1], { requiresGrad: true, dtype: "float64" });
const tw2 = tensor([[w2]], { requiresGrad: true, dtype: "float64" }),
  tb2 = tensor([b2], { requiresGrad: true, dtype: "float64" });
const tx = tensor([x], { dtype: "float64" });
const out = F.sigmoid(F.linear(F.sigmoid(F.linear(tx, tw1, tb1)), tw2, tb2));
const tLoss = F.binaryCrossEntropy(out, tensor([[y]], { dtype: "float64" }));
tLoss.backward();
const agree = [
  [tw1.grad!.dataSync()[0], dw1[0]],
  [tw1.grad!.dataSync()[1], dw1[1]],
  [tb1.grad!.dataSync()[0], db1],
  [tw2.grad!.dataSync()[0], dw2],
  [tb2.grad!.dataSync()[0], db2],
].every(([a, b]) => Math.abs(a - b) < 1e-12);
console.log(
  `autograd: loss ${tLoss.item().toFixed(4)}, gradients ${agree ? "match" : "DIFFER from"} the hand computation`,
);

// Update
w1 = w1.map((w, i) => w - lr * dw1[i]);
b1 -= lr * db1;
w2 -= lr * dw2;
b2 -= lr * db2;
console.log(
  `update (lr ${lr}): w1 = [${w1.map((v) => v.toFixed(4))}], b1 = ${b1.toFixed(4)}, w2 = ${w2.toFixed(4)}, b2 = ${b2.toFixed(4)}`,
);
const yHat2 = sig(w2 * sig(w1[0] * x[0] + w1[1] * x[1] + b1) + b2);
console.log(
  `forward at step 1: ŷ = ${yHat2.toFixed(4)}, loss = ${(-Math.log(yHat2)).toFixed(4)} (was ${loss.toFixed(4)})`,
);
if (!agree || -Math.log(yHat2) >= loss) process.exit(1);
