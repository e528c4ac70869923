/**
 * Vanishing gradients through time: a loss at step 50 and the gradient it sends back to each earlier input,
 * for a plain tanh RNN and an LSTM (both with PyTorch's default init, U(−1/√H, 1/√H)), hidden size 64.
 * The RNN multiplies by W_hh·diag(tanh') at every step; the LSTM's cell state is carried by c_t = f ⊙ c_{t−1} + …,
 * a path that only multiplies by the forget gate. Setting the forget-gate bias to 1 (Jozefowicz et al., 2015)
 * opens it further.
 */
import { cat, full, manualSeed, nn, noGrad, randn, type Tensor } from "gradlab";

const H = 64,
  T = 51; // steps 0..50

/** ‖∂L/∂x_t‖ for t = 0..T−1 with L = Σ h_50 (the output at the last step). */
function gradientPerStep(model: nn.RNN | nn.LSTM): number[] {
  const x = randn([T, 1, H], { requiresGrad: true }); // (L, N, D)
  const { output } = model(x);
  output
    .narrow(0, T - 1, 1)
    .sum()
    .backward();
  return Array.from(x.grad!.square().sum([1, 2]).sqrt().toArray());
}

manualSeed(0);
const rnn = gradientPerStep(new nn.RNN(H, H));
manualSeed(0);
const lstm = gradientPerStep(new nn.LSTM(H, H));
manualSeed(0);
const lstmF = new nn.LSTM(H, H);
// Gate blocks are stacked i, f, g, o: rows H..2H of the biases are the forget gate's (b_ih + b_hh = 1 there).
const withForget = (b: Tensor, v: number) => cat([b.narrow(0, 0, H), full([H], v), b.narrow(0, 2 * H, 2 * H)]);
const { bias_ih_l0, bias_hh_l0 } = Object.fromEntries(lstmF.namedParameters()); // PyTorch's names
noGrad(() => {
  bias_ih_l0.copy_(withForget(bias_ih_l0, 1));
  bias_hh_l0.copy_(withForget(bias_hh_l0, 0));
});
const lstmFb = gradientPerStep(lstmF);

const e = (v: number) => v.toExponential(1).padStart(9);
console.log("‖∂L/∂x_t‖ with L = Σ h_50, by distance 50 − t:");
console.log("distance   tanh RNN       LSTM   LSTM (forget bias 1)");
for (const d of [0, 1, 2, 5, 10, 20, 30, 40, 50]) {
  console.log(`${String(d).padStart(8)} ${e(rnn[T - 1 - d])} ${e(lstm[T - 1 - d])} ${e(lstmFb[T - 1 - d])}`);
}
// Relative to what the last step itself receives, so the two models' different output scales cancel.
const rel = (g: number[]) => g[0] / g[T - 1];
console.log(
  `reaching step 0, relative to step 50: tanh RNN ${rel(rnn).toExponential(1)}, ` +
    `LSTM ${rel(lstm).toExponential(1)}, LSTM with forget bias 1 ${rel(lstmFb).toExponential(1)}`,
);
const ratio = rel(lstm) / rel(rnn);
console.log(`the LSTM keeps ${ratio.toExponential(1)}× more of the gradient than the RNN over 50 steps`);
if (!(ratio > 100 && rel(lstmFb) > rel(lstm))) process.exit(1);
