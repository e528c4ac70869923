/**
 * Vanishing gradients: per-layer gradient norms for depth 5/10/20, sigmoid vs ReLU (He init),
 * next to the slide's 0.25^L bound for sigmoid.
 */
import { F, manualSeed, nn, randint, randn } from "gradlab";

function layerGradNorms(depth: number, act: "sigmoid" | "relu"): number[] {
  manualSeed(0);
  const layers: nn.Module[] = [];
  for (let i = 0; i < depth; i++) {
    const fc = new nn.Linear(64, 64);
    if (act === "relu") nn.init.kaimingNormal_(fc.weight, { nonlinearity: "relu" });
    else nn.init.xavierNormal_(fc.weight);
    layers.push(fc, act === "relu" ? new nn.ReLU() : new nn.Sigmoid());
  }
  layers.push(new nn.Linear(64, 10));
  const model = new nn.Sequential(...layers);
  F.crossEntropy(model(randn([128, 64])), randint(0, 10, [128])).backward();
  return model
    .parameters()
    .filter((p) => p.ndim === 2)
    .map((w) => Math.sqrt(w.grad!.square().sum().item()));
}

const fmt = (v: number) => v.toExponential(1).padStart(8);
let ok = true;
for (const depth of [5, 10, 20]) {
  for (const act of ["sigmoid", "relu"] as const) {
    const norms = layerGradNorms(depth, act);
    const ratio = norms[0] / norms[norms.length - 2];
    console.log(
      `depth ${String(depth).padStart(2)} ${act.padEnd(7)} first-layer/last-hidden grad ratio ${fmt(ratio)} | per layer: ${norms.map(fmt).join(" ")}`,
    );
    if (act === "sigmoid" && depth === 20 && ratio > 1e-3) ok = false;
    if (act === "relu" && ratio < 1e-2) ok = false;
  }
  console.log(`           sigmoid bound 0.25^${depth} = ${Math.pow(0.25, depth).toExponential(1)}`);
}
if (!ok) process.exit(1);
