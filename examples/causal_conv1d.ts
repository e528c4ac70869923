/**
 * WaveNet's stack of dilated causal convolutions (van den Oord et al., 2016): kernel 2, dilations 1, 2, 4, 8.
 * "Causal": output t may only see inputs ≤ t. A Conv1d looks both ways, so pad only on the left by (k − 1)·d
 * and take no padding in the conv itself — the output keeps the input's length and never peeks ahead.
 */
import { F, manualSeed, nn, randn, type Tensor } from "gradlab";

class CausalConv1d extends nn.Module {
  conv: nn.Conv1d;
  constructor(
    channels: number,
    readonly kernelSize: number,
    readonly dilation: number,
  ) {
    super();
    this.conv = new nn.Conv1d(channels, channels, kernelSize, { dilation });
  }
  override forward(x: Tensor): Tensor {
    // F.pad's list starts at the last dim: [left, right] of the time axis.
    return this.conv(F.pad(x, [(this.kernelSize - 1) * this.dilation, 0]));
  }
}

manualSeed(0);
const k = 2,
  dilations = [1, 2, 4, 8],
  C = 8;
const layers: nn.Module[] = [];
for (const d of dilations) layers.push(new CausalConv1d(C, k, d), new nn.Tanh());
const net = new nn.Sequential(...layers);

// Each layer widens the view by (k − 1)·d steps: 1 + 1 + 2 + 4 + 8 = 16 (4 layers; without dilation it would be 5).
const receptiveField = 1 + dilations.reduce((s, d) => s + (k - 1) * d, 0);
console.log(`receptive field by formula 1 + Σ (k − 1)·d = ${receptiveField} steps`);

const L = 32;
const x = randn([1, C, L], { requiresGrad: true });
const y = net(x);
console.log(`input ${JSON.stringify(x.shape)} → output ${JSON.stringify(y.shape)} (same length: causal padding)`);

// Measured: which inputs does the last output depend on? Exactly those with a non-zero gradient.
y.narrow(2, L - 1, 1)
  .sum()
  .backward();
const gradPerStep = Array.from(x.grad!.abs().sum(1).view(-1).toArray());
const touched = gradPerStep.map((g, t) => (g > 0 ? t : -1)).filter((t) => t >= 0);
console.log(
  `output ${L - 1} depends on inputs ${touched[0]}..${touched[touched.length - 1]}: ` +
    `${touched.length} steps measured from the gradient`,
);

// Causality: change the input at step t0 only; outputs before t0 must not move at all.
const t0 = 20;
const bump = randn([1, C, 1]).mul(5);
const x2 = x.detach().add(F.pad(bump, [t0, L - t0 - 1])); // bump at t0, zeros elsewhere
const diff = Array.from(net(x2).sub(y.detach()).abs().max(1).values.view(-1).toArray());
const before = Math.max(...diff.slice(0, t0)),
  from = diff.slice(t0);
const changed = from.map((v, i) => (v > 0 ? t0 + i : -1)).filter((t) => t >= 0);
console.log(
  `perturbing input ${t0}: max |Δ output| at steps 0..${t0 - 1} = ${before}, ` +
    `outputs changed: ${changed[0]}..${changed[changed.length - 1]}`,
);
const ok =
  touched.length === receptiveField &&
  touched[0] === L - receptiveField &&
  before === 0 &&
  changed[0] === t0 &&
  changed[changed.length - 1] === Math.min(L - 1, t0 + receptiveField - 1);
console.log(ok ? "causal: no output looks ahead, and each sees exactly its receptive field" : "NOT causal");
if (!ok) process.exit(1);
