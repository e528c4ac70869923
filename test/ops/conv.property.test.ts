/** fast-check properties: convolution output shapes follow PyTorch's formulas; gradients have their inputs' shapes. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { F, randn } from "../../src/index.js";

/** PyTorch's documented sizes (torch.nn.Conv2d / ConvTranspose2d docs). */
const convOut = (len: number, k: number, s: number, p: number, d: number): number =>
  Math.floor((len + 2 * p - d * (k - 1) - 1) / s) + 1;
const convTOut = (len: number, k: number, s: number, p: number, d: number, op: number): number =>
  (len - 1) * s - 2 * p + d * (k - 1) + op + 1;

const small = (min: number, max: number) => fc.integer({ min, max });
/** One spatial dim's arguments. */
const dimArb = fc.record({ len: small(1, 9), k: small(1, 4), s: small(1, 3), p: small(0, 2), d: small(1, 3) });
const channelsArb = fc.record({ n: small(1, 2), groups: small(1, 3), cig: small(1, 2), cog: small(1, 2) });

describe("convolution shape properties", () => {
  it("conv2d: output [N, C_out, H_out, W_out] by the formula, or an error naming both sizes when the kernel overhangs", () => {
    fc.assert(
      fc.property(channelsArb, dimArb, dimArb, ({ n, groups, cig, cog }, hd, wd) => {
        const x = randn([n, cig * groups, hd.len, wd.len], { requiresGrad: true });
        const w = randn([cog * groups, cig, hd.k, wd.k], { requiresGrad: true });
        const opts = { stride: [hd.s, wd.s], padding: [hd.p, wd.p], dilation: [hd.d, wd.d], groups };
        const fits = [hd, wd].every((a) => a.d * (a.k - 1) + 1 <= a.len + 2 * a.p);
        if (!fits) {
          expect(() => F.conv2d(x, w, null, opts)).toThrow(/is larger than the padded input: \d+ > \d+/);
          return;
        }
        const y = F.conv2d(x, w, null, opts);
        expect([...y.shape]).toEqual([
          n,
          cog * groups,
          convOut(hd.len, hd.k, hd.s, hd.p, hd.d),
          convOut(wd.len, wd.k, wd.s, wd.p, wd.d),
        ]);
        y.sum().backward();
        expect([...x.grad!.shape]).toEqual([...x.shape]);
        expect([...w.grad!.shape]).toEqual([...w.shape]);
      }),
      { numRuns: 120 },
    );
  });

  it('conv1d: output [N, C_out, L_out] by the formula; padding "same" keeps L for any kernel and dilation', () => {
    fc.assert(
      fc.property(channelsArb, dimArb, ({ n, groups, cig, cog }, a) => {
        const x = randn([n, cig * groups, a.len]),
          w = randn([cog * groups, cig, a.k]);
        expect([...F.conv1d(x, w, null, { padding: "same", dilation: a.d, groups }).shape]).toEqual([
          n,
          cog * groups,
          a.len,
        ]);
        if (a.d * (a.k - 1) + 1 > a.len + 2 * a.p) return;
        const y = F.conv1d(x, w, null, { stride: a.s, padding: a.p, dilation: a.d, groups });
        expect([...y.shape]).toEqual([n, cog * groups, convOut(a.len, a.k, a.s, a.p, a.d)]);
      }),
      { numRuns: 120 },
    );
  });

  it("convTranspose2d: output by the formula, and conv2d with the same arguments maps it back to the input's size", () => {
    fc.assert(
      fc.property(channelsArb, dimArb, dimArb, small(0, 2), ({ n, groups, cig, cog }, hd, wd, opIn) => {
        const op = [hd, wd].map((a) => Math.min(opIn, Math.max(a.s, a.d) - 1));
        const out = [hd, wd].map((a, i) => convTOut(a.len, a.k, a.s, a.p, a.d, op[i]));
        const x = randn([n, cig * groups, hd.len, wd.len], { requiresGrad: true });
        const w = randn([cig * groups, cog, hd.k, wd.k], { requiresGrad: true });
        const opts = { stride: [hd.s, wd.s], padding: [hd.p, wd.p], dilation: [hd.d, wd.d], groups };
        if (out.some((s) => s < 1)) {
          expect(() => F.convTranspose2d(x, w, null, { ...opts, outputPadding: op })).toThrow(
            /output size .* is too small/,
          );
          return;
        }
        const y = F.convTranspose2d(x, w, null, { ...opts, outputPadding: op });
        expect([...y.shape]).toEqual([n, cog * groups, ...out]);
        y.sum().backward();
        expect([...x.grad!.shape]).toEqual([...x.shape]);
        expect([...w.grad!.shape]).toEqual([...w.shape]);
        // The transposed convolution inverts the convolution's size rule (when the output padding is below the stride).
        if (op.every((o, i) => o < [hd, wd][i].s)) {
          expect(F.conv2d(y.detach(), w.detach(), null, opts).shape.slice(2)).toEqual([hd.len, wd.len]);
        }
      }),
      { numRuns: 120 },
    );
  });
});
