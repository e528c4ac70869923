/** CI runs every example (each lecture slide's code); the long trainings run shortened (`shortened`). */
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const shortened: Record<string, string[]> = {
  "mnist_mlp.ts": ["1", "12000"], // 1 epoch on 12,000 images
  "double_softmax_bug.ts": ["150"],
  "mnist_lenet.ts": ["1", "12000"], // 1 epoch on 12,000 images
  "makemore_names.ts": ["2000"], // 2,000 steps per neural model
  "char_lstm.ts": ["120"],
  "char_gpt.ts": ["100", "80"], // 100 steps, 80-character samples
  "attention_maps.ts": ["150"],
};
const expected: Record<string, RegExp> = {
  "xor.ts": /hand-picked: 4\/4 correct[\s\S]*learned: 4\/4 correct/,
  "mnist_mlp.ts": /epoch 1: train loss [\d.]+, test accuracy 0\.(8[3-9]|9)/,
  "backprop_by_hand.ts": /gradients match the hand computation/,
  "linear_collapse.ts": /max \|deep\(x\) − single\(x\)\| = /,
  "vanishing_gradients.ts": /depth 20 sigmoid/,
  "double_softmax_bug.ts": /with the extra softmax 2\.[0-3]/,
  "forgotten_zero_grad.ts": /without zeroGrad\(\)/,
  "train_eval_modes.ts": /eval on a single sample works/,
  "softmax_temperature.ts": /T = 0\.5: p = \[0\.8638, 0\.1169, 0\.0193\]/,
  "mnist_lenet.ts": /Total params: 61,706[\s\S]*epoch 1: train loss [\d.]+, test accuracy 0\.(8[3-9]|9)/,
  "resnet_block.ts": /\[8,32,14,14\][\s\S]*depth 16: without the skip the gradient explodes \(train\) or vanishes/,
  "causal_conv1d.ts": /inputs 16\.\.31: 16 steps[\s\S]*at steps 0\.\.19 = 0, outputs changed: 20\.\.31/,
  "rnn_vs_lstm_gradient.ts": /tanh RNN 1\.\de-1\d, LSTM[\s\S]*the LSTM keeps \d\.\de\+([3-9]|\d\d)× more/,
  "makemore_names.ts": /bigram counts\s+val loss 2\.[2-6]\d+[\s\S]*both neural models beat the bigram table/,
  "char_lstm.ts": /step {4}0: val loss 4\.[34]\d+[\s\S]*sample[\s\S]*loss 4\.\d+ → val 2\.\d+: it learned/,
  "char_gpt.ts": /114,641 parameters[\s\S]*step {4}0: val loss 4\.\d+[\s\S]*val loss 4\.\d+ → 2\.\d+: it learned/,
  "attention_maps.ts":
    /"C" {2}100( {3}·){15}[\s\S]*above the diagonal: 0; largest \|row sum − 1\|: (\de-([6-9]|\d\d)|0e\+0)/,
  "honest_splits.ts": /group \(by patient\)\s+split: val accuracy [\d.]+, patients on both sides: 0/,
};
// Awaited child processes: a worker blocked in execFileSync cannot answer vitest's RPC (it times out under load).
const run = promisify(execFile);
const examples = readdirSync(new URL("../examples", import.meta.url)).filter((f) => f.endsWith(".ts"));

describe("examples", () => {
  it("every example type-checks against the published types (dist/*.d.ts)", async () => {
    await run(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "examples/tsconfig.json"]);
  });
  it("every example has an expectation", () => {
    expect(examples.sort()).toEqual(Object.keys(expected).sort());
  });
  it.each(examples)("%s runs and prints what the slide says", async (file) => {
    const { stdout } = await run("npx", ["tsx", `examples/${file}`, ...(shortened[file] ?? [])], { timeout: 600_000 });
    expect(stdout).toMatch(expected[file]);
  });
});
