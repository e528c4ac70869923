/** fast-check properties: broadcasting matches a naive definition; shape ops are consistent. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arange, randn, tensor, type Tensor } from "../../src/index.js";
import { broadcastShapes, numel, stridesOf } from "../../src/tensor/shape.js";

const dim = fc.integer({ min: 1, max: 4 });
const shapeArb = fc.array(dim, { minLength: 0, maxLength: 4 });

/** Two shapes that broadcast: b takes a suffix of a with some dims set to 1. */
const compatible = shapeArb.chain((a) =>
  fc
    .tuple(
      fc.constant(a),
      fc.integer({ min: 0, max: a.length }),
      fc.array(fc.boolean(), { minLength: a.length, maxLength: a.length }),
    )
    .map(([aa, k, ones]) => [aa, aa.slice(aa.length - k).map((d, i) => (ones[i + aa.length - k] ? 1 : d))] as const),
);

function naiveAt(t: Tensor, outShape: number[], idx: number[]): number {
  const off = outShape.length - t.shape.length;
  const st = stridesOf(t.shape);
  let k = 0;
  t.shape.forEach((d, i) => {
    k += (d === 1 ? 0 : idx[i + off]) * st[i];
  });
  return t.dataSync()[k];
}

describe("broadcasting properties", () => {
  it("a + b equals the elementwise sum at every broadcast index, both argument orders", () => {
    fc.assert(
      fc.property(compatible, fc.boolean(), ([sa, sb], swap) => {
        const [x, y] = swap ? [randn([...sb]), randn([...sa])] : [randn([...sa]), randn([...sb])];
        const out = x.add(y);
        const shape = broadcastShapes(x.shape, y.shape);
        expect([...out.shape]).toEqual(shape);
        const st = stridesOf(shape);
        for (let i = 0; i < numel(shape); i++) {
          const idx = st.map((s, d) => Math.floor(i / s) % shape[d]);
          expect(out.dataSync()[i]).toBeCloseTo(naiveAt(x, shape, idx) + naiveAt(y, shape, idx), 5);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("the gradient of a broadcast input has the input's shape and counts its repeats", () => {
    fc.assert(
      fc.property(compatible, ([sa, sb]) => {
        const a = randn([...sa], { requiresGrad: true }),
          b = randn([...sb], { requiresGrad: true });
        a.add(b).sum().backward();
        expect([...b.grad!.shape]).toEqual([...sb]);
        const repeats = numel(broadcastShapes(sa, sb)) / numel(sb);
        b.grad!.dataSync().forEach((g) => expect(g).toBeCloseTo(repeats, 5));
      }),
      { numRuns: 100 },
    );
  });

  it("incompatible shapes always throw with both shapes in the message", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 2, max: 5 }), (p, q) => {
        fc.pre(p !== q);
        expect(() => randn([p]).mul(randn([q]))).toThrow(`[${p}] and [${q}]`);
      }),
    );
  });
});

describe("shape op properties", () => {
  it("reshape keeps order; permute then inverse permute is the identity; sum over dims matches total", () => {
    fc.assert(
      fc.property(fc.array(dim, { minLength: 1, maxLength: 4 }), (shape) => {
        const n = numel(shape);
        const x = arange(n).float().reshape(shape);
        expect(Array.from(x.reshape([-1]).dataSync())).toEqual(Array.from({ length: n }, (_, i) => i));
        const perm = shape.map((_, i) => i).reverse();
        const back = x.permute(perm).permute(perm.map((_, i) => perm.indexOf(i)));
        expect(Array.from(back.dataSync())).toEqual(Array.from(x.dataSync()));
        expect(x.sum(0).sum().item()).toBeCloseTo(x.sum().item(), 3);
        expect([...x.unsqueeze(0).squeeze(0).shape]).toEqual(shape);
      }),
    );
  });

  it("matmul agrees with a naive triple loop", () => {
    fc.assert(
      fc.property(dim, dim, dim, (m, k, n) => {
        const a = randn([m, k]),
          b = randn([k, n]);
        const c = a.matmul(b);
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let p = 0; p < k; p++) s += a.dataSync()[i * k + p] * b.dataSync()[p * n + j];
            expect(c.dataSync()[i * n + j]).toBeCloseTo(s, 4);
          }
      }),
    );
  });

  it("tensor(nested).tolist() round-trips", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 3, maxLength: 3 }), {
          minLength: 1,
          maxLength: 5,
        }),
        (rows) => {
          expect(tensor(rows).tolist()).toEqual(rows);
        },
      ),
    );
  });
});
