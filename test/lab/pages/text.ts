/** The text pages: the character GPT's validation loss, attention maps and the recurrent-vs-attention gradients. */
import { expect, it } from "vitest";
import { data, F, manualSeed, models, nn, noGrad, randn, tensor, type Tensor } from "../../../src/index.js";
import { mobyDick } from "../../../src/data/text_node.js";
import type { NamedArray } from "../../../src/io/named_array.js";
import { demo, download, finish, phoneShot, waitState, waitText } from "../context.js";
import { metricText } from "../harness.js";

/** The pages' tokenizer and validation text: chapters 1..n train, chapter n + 1 validates. */
function corpus(n: number): { tok: data.CharTokenizer; val: Int32Array } {
  const ch = mobyDick().slice(0, n + 1);
  const train = ch
      .slice(0, n)
      .map((c) => c.text)
      .join("\n"),
    val = ch[n].text;
  const tok = data.CharTokenizer.fromText([train, val]);
  return { tok, val: tok.encode(val) };
}

/**
 * The pages' GPT rebuilt in Node from the download: models.gpt (checked against PyTorch in
 * test/models/gpt.test.ts) loading the downloaded weights with strict keys.
 */
function gpt(
  sd: Map<string, NamedArray>,
  c: { layers: number; heads: number; width: number; block: number },
  vocabSize: number,
) {
  const m = models.gpt({ vocabSize, blockSize: c.block, nLayer: c.layers, nHead: c.heads, nEmbd: c.width });
  const weights: Record<string, Tensor> = {};
  for (const [k, t] of sd) weights[k] = tensor(t.data as Float32Array, { shape: t.shape });
  m.loadStateDict(weights, { strict: true });
  m.eval();
  return (idx: Tensor): { logits: Tensor; attention: Tensor[] } => ({
    logits: m(idx),
    attention: m.attentionMaps(idx),
  });
}

export function textTests(): void {
  it("text-generation: the validation loss is what gradlab computes in Node from the downloaded GPT", async () => {
    const cfg = { layers: 1, heads: 2, width: 32, block: 16 };
    const p = await demo(
      "text-generation",
      `steps=100&chapters=2&layers=1&heads=2&width=32&block=16&batch=8&temp=0.5&tokens=40&prompt=The%20`,
    );
    await p.page.click('[data-action="train"]');
    await waitState(p.page, '[data-demo="text-generation"] > [data-state]', "done", 120_000);
    const shown = Number(await p.page.locator('[data-metric="val-loss"]').getAttribute("data-value"));
    const sd = await download(p.page);
    const { tok, val } = corpus(2);
    const T = cfg.block,
      n = Math.min(16, Math.floor((val.length - 1) / T));
    const x = new Int32Array(n * T),
      y = new Int32Array(n * T);
    for (let b = 0; b < n; b++)
      for (let j = 0; j < T; j++) {
        x[b * T + j] = val[b * T + j];
        y[b * T + j] = val[b * T + j + 1];
      }
    const net = gpt(sd, cfg, tok.vocabSize);
    const want = noGrad(() =>
      F.crossEntropy(net(tensor(x, { shape: [n, T] })).logits.view(-1, tok.vocabSize), tensor(y)).item(),
    );
    expect(Math.abs(shown - want)).toBeLessThan(2e-3);
    expect(shown).toBeLessThan(Math.log(tok.vocabSize)); // it learned something in 100 steps
    const text = await waitText(p.page, "sample", (t) => t.startsWith("The ") && t.length >= 44, 10_000);
    expect([...text.slice(4)].every((ch) => tok.vocab.includes(ch))).toBe(true);
    await finish(p, "text-generation");
    await phoneShot("text-generation", "steps=50&chapters=1&width=32&block=16&layers=1");
  }, 200_000);
}

/** The attention page's recurrent-vs-attention panel, computed again: ‖∂L/∂x_t‖, L = sum of the last step's output. */
function gradReach(steps: number, width: number, seed: number): Record<"rnn" | "lstm" | "attn", number[]> {
  const norms = (run: (x: Tensor) => Tensor): number[] => {
    manualSeed(seed);
    const x = randn([1, steps, width]).requiresGrad_();
    run(x)
      .narrow(1, steps - 1, 1)
      .sum()
      .backward();
    const g = x.grad!.dataSync();
    return Array.from({ length: steps }, (_, t) => Math.hypot(...g.subarray(t * width, (t + 1) * width)));
  };
  manualSeed(seed + 1);
  const rnn = new nn.RNN(width, width, { batchFirst: true });
  const lstm = new nn.LSTM(width, width, { batchFirst: true });
  const attn = new nn.MultiheadAttention(width, 4, { batchFirst: true });
  return {
    rnn: norms((x) => rnn(x).output),
    lstm: norms((x) => lstm(x).output),
    attn: norms((x) => attn(x, x, x, { isCausal: true, needWeights: false })[0]),
  };
}

export function attentionTests(): void {
  it("attention: each head's weights, the causal mask and the gradient reach match gradlab in Node", async () => {
    const cfg = { layers: 1, heads: 2, width: 32, block: 32 };
    const text = "Call me Ishmael. Call me ";
    const p = await demo(
      "attention",
      "steps=50&chapters=1&layers=1&heads=2&width=32&block=32&batch=8&layer=1&head=2&span=30&text=" +
        encodeURIComponent(text),
    );
    await waitState(p.page, '[data-demo="attention"] > [data-state]', "done", 120_000);
    const sd = await download(p.page);
    const { tok } = corpus(1);
    const net = gpt(sd, cfg, tok.vocabSize);
    const T = [...text].length;
    const w = noGrad(() => net(tensor(tok.encode(text), { shape: [1, T] })).attention[0].dataSync());
    // head 2's row for the last character
    const want = Array.from(w.subarray((1 * T + T - 1) * T, (1 * T + T) * T));
    const shown = (await metricText(p.page, "attn-row")).split(", ").map(Number);
    expect(shown.length).toBe(T);
    shown.forEach((v, k) => expect(Math.abs(v - want[k]), `weight on key ${k}`).toBeLessThan(2e-3));
    expect(Number(await metricText(p.page, "above-diagonal"))).toBe(0);
    expect(await p.page.locator('[data-plot="attention"] canvas').count()).toBe(2);
    // recurrent vs attention over 30 steps
    await waitState(p.page, '[data-panel="reach"]', "ready", 30_000);
    const r = gradReach(30, 32, 0);
    for (const [id, a] of [
      ["rnn", r.rnn],
      ["lstm", r.lstm],
      ["attn", r.attn],
    ] as const) {
      const v = Number(await p.page.locator(`[data-metric="reach-${id}"]`).getAttribute("data-value"));
      expect(Math.abs(Math.log(v / (a[0] / a[29]))), `reach-${id}`).toBeLessThan(1e-2);
    }
    const ratio = async (id: string) =>
      Number(await p.page.locator(`[data-metric="reach-${id}"]`).getAttribute("data-value"));
    expect(await ratio("rnn")).toBeLessThan(await ratio("lstm"));
    expect(await ratio("lstm")).toBeLessThan(await ratio("attn"));
    // the mask shading and the focused head are keyboard controls kept in the link
    await p.page.click('[data-control="mask"]');
    expect(p.page.url()).toContain("mask=0");
    await finish(p, "attention");
    await phoneShot("attention", "steps=50&chapters=1&width=32&layers=1", "phone-attention", (page) =>
      waitState(page, '[data-demo="attention"] > [data-state]', "done", 120_000),
    );
  }, 200_000);
}
