/**
 * WebGPU parity, second half: the kernels of the nn layers (selection, embedding, normalization,
 * convolution, pooling, padding, resizing, recurrent cells, sorting and sampling) against the JS
 * reference. Called by runGpuParity with its helpers; tolerances are justified where they appear.
 * "Bit-identical" checks are ones where the GPU does the reference's float32 operations in the
 * reference's order (data movement, the gathers that replace scatter-adds).
 */
import { jsKernels } from "../../src/backend/js/index.js";
import type { UpsampleArgs } from "../../src/backend/js/upsample.js";
import type { GpuContext } from "../../src/backend/webgpu/context.js";
import type { GpuKernels } from "../../src/backend/webgpu/index.js";
import type { GpuStorage } from "../../src/backend/webgpu/storage.js";

export interface ParityTools {
  ctx: GpuContext;
  K: GpuKernels;
  fails: string[];
  facts: Record<string, unknown>;
  rand: () => number;
  f32: (n: number, lo?: number, hi?: number) => Float32Array;
  i32: (n: number, hi: number) => Int32Array;
  up: (a: Float32Array | Int32Array) => GpuStorage;
  get: (s: GpuStorage) => Promise<Float32Array | Int32Array>;
  close: (
    name: string,
    got: GpuStorage | ArrayLike<number>,
    want: ArrayLike<number>,
    rtol?: number,
    atol?: number,
    scale?: (i: number) => number,
  ) => Promise<void>;
  throws: (f: () => unknown) => Promise<string>;
}
const ULP = 2 ** -23;
const size = (s: readonly number[]): number => s.reduce((p, q) => p * q, 1);

export async function nnParity(t: ParityTools): Promise<void> {
  await selectParity(t);
  await embeddingParity(t);
  await normParity(t);
  await convParity(t);
  await poolParity(t);
  await padParity(t);
  await upsampleParity(t);
  await recurrentParity(t);
  await sortParity(t);
}

async function sortParity({
  ctx,
  K,
  rand,
  f32,
  i32,
  up,
  get,
  close,
  throws,
  fails,
  facts,
}: ParityTools): Promise<void> {
  // topk: exact (comparisons only), ties (rounded values), NaN, both directions, k = size (a sort), int32.
  // [2, 3000, 1, 20] and [1, 1500, 2, 7] take the selection path (few picks from long columns).
  for (const [outer, sz, inner, k] of [
    [3, 10, 1, 3],
    [2, 7, 4, 7],
    [1, 300, 1, 5],
    [4, 1, 3, 1],
    [2, 3000, 1, 20],
    [1, 1500, 2, 7],
  ]) {
    for (const largest of [true, false]) {
      const x = f32(outer * sz * inner, -3, 3).map((v) => Math.round(v * 2) / 2);
      if (x.length > 8) {
        x[2] = NaN;
        x[5] = NaN;
        x[7] = -Infinity;
      }
      const m = outer * k * inner,
        vW = new Float32Array(m),
        iW = new Int32Array(m),
        v = ctx.empty("float32", m),
        ix = ctx.empty("int32", m);
      jsKernels.topk(x, outer, sz, inner, k, largest, vW, iW);
      K.topk(up(x), outer, sz, inner, k, largest, v, ix);
      const tag = `${outer}x${sz}x${inner} k=${k} largest=${largest}`;
      await close(`topk values ${tag}`, v, vW);
      await close(`topk indices ${tag}`, ix, iW);
      const xi = i32(x.length, 9),
        viW = new Int32Array(m),
        vi = ctx.empty("int32", m),
        ii = ctx.empty("int32", m);
      jsKernels.topk(xi, outer, sz, inner, k, largest, viW, iW);
      K.topk(up(xi), outer, sz, inner, k, largest, vi, ii);
      await close(`topk int32 values ${tag}`, vi, viW);
      await close(`topk int32 indices ${tag}`, ii, iW);
    }
  }
  // cumsum: float32 running sums vs float64 (error ≤ size·ULP·Σ|x| for inputs ≤ 2: 4e-6·size), int32 exact.
  for (const [outer, sz, inner] of [
    [3, 10, 1],
    [2, 7, 4],
    [1, 500, 1],
  ]) {
    for (const reverse of [false, true]) {
      const x = f32(outer * sz * inner),
        want = new Float32Array(x.length),
        out = ctx.empty("float32", x.length);
      jsKernels.cumsum(x, outer, sz, inner, reverse, want);
      K.cumsum(up(x), outer, sz, inner, reverse, out);
      await close(`cumsum ${outer}x${sz}x${inner} reverse=${reverse}`, out, want, 0, 4e-6 * sz);
      const xi = i32(x.length, 2 ** 30),
        wi = new Int32Array(x.length),
        oi = ctx.empty("int32", x.length);
      jsKernels.cumsum(xi, outer, sz, inner, reverse, wi);
      K.cumsum(up(xi), outer, sz, inner, reverse, oi);
      await close(`cumsum int32 (wraps) ${outer}x${sz}x${inner} reverse=${reverse}`, oi, wi);
    }
  }
  // multinomial on the same uniforms: the same categories, except where the draw lies within float32
  // rounding of a cumulative boundary (the reference sums in float64) — each such case is checked to be one.
  let draws = 0,
    nearBoundary = 0;
  for (const [rows, n, ns, repl] of [
    [4, 10, 200, true],
    [3, 50, 20, false],
    [2, 6, 4, false],
    [1, 1000, 300, true],
  ] as const) {
    const probs = f32(rows * n, 0, 1).map((v, i) => (i % 3 === 1 ? 0 : v)); // zero weights are never drawn
    const u = new Float64Array(rows * ns).map(() => rand());
    const want = new Int32Array(rows * ns),
      out = ctx.empty("int32", want.length);
    jsKernels.multinomial(probs, rows, n, u, ns, repl, want);
    K.multinomial(up(probs), rows, n, u, ns, repl, out);
    const got = await get(out);
    for (let i = 0; i < got.length; i++) {
      draws++;
      if (got[i] === want[i]) continue;
      const r = Math.floor(i / ns),
        row = Array.from(probs.subarray(r * n, (r + 1) * n));
      if (!repl || probs[r * n + got[i]] === 0) {
        fails.push(`multinomial ${rows}x${n} repl=${repl}: [${i}] got ${got[i]}, want ${want[i]}`);
        break;
      }
      let cum = 0;
      const total = row.reduce((a, b) => a + b, 0),
        target = u[i] * total,
        edge = Math.min(got[i], want[i]);
      for (let j = 0; j <= edge; j++) cum += row[j];
      if (Math.abs(cum - target) > 1e-5 * total) {
        fails.push(`multinomial ${rows}x${n}: [${i}] got ${got[i]}, want ${want[i]}, not at a boundary`);
        break;
      }
      nearBoundary++;
    }
  }
  facts.multinomialDraws = draws;
  facts.multinomialNearBoundary = nearBoundary;
  {
    // errors: the reference's messages, from the host at once and from the device at the next read
    // (rows of 4 weights, samples, replacement): a bad row after a good one, and two bad rows (the first is named).
    const ok = [0.25, 0.25, 0.25, 0.25];
    const bad: Array<[number[], number, boolean]> = [
      [[...ok, 0.5, 0.5, 0, -0.25], 1, true],
      [[...ok, 0, 0, 0, 0], 1, true],
      [[...ok, 0.5, NaN, 0, 0], 1, false],
      [[...ok, 0.5, 0, 0, 0], 2, false],
      [ok.concat(ok), 5, false],
      [[0.5, 0, 0, 0, 0.5, -1, 0, 0], 2, false],
      [[1, 0, 0, 0, 0, 0, 0, 0], 1, true],
    ];
    for (const [rowsW, ns, repl] of bad) {
      const rows = 2,
        pr2 = new Float32Array(rowsW),
        u = new Float64Array(rows * ns).fill(0.5);
      const msgW = await throws(() => jsKernels.multinomial(pr2, rows, 4, u, ns, repl, new Int32Array(rows * ns)));
      const msgHost = await throws(() =>
        K.multinomial(ctx.upload(pr2, { keepHostCopy: true }), rows, 4, u, ns, repl, ctx.empty("int32", rows * ns)),
      );
      const o = ctx.empty("int32", rows * ns);
      const msgDev = await throws(async () => {
        K.multinomial(up(pr2), rows, 4, u, ns, repl, o);
        await get(o);
      });
      if (!msgW || msgHost !== msgW) fails.push(`multinomial host-side error: "${msgHost}" vs "${msgW}"`);
      if (msgDev !== msgW) fails.push(`multinomial device-side error: "${msgDev}" vs "${msgW}"`);
    }
  }
}

async function recurrentParity({ ctx, K, f32, up, close, fails }: ParityTools): Promise<void> {
  // Offsets into larger buffers (a step's slice of the sequence), dhOut present or null. The GPU's
  // tanh/sigmoid are within a few ULP of float64's; products of a few such: 16 ULP relative + 1e-6.
  const n = 3,
    hs = 5,
    o = 7,
    tol = [16 * ULP, 1e-6] as const;
  for (const withOut of [true, false]) {
    for (const relu of [false, true]) {
      const xp = f32(o + n * hs, -3, 3),
        h = f32(o + n * hs, -3, 3),
        hW = h.slice(),
        hs_ = up(h);
      jsKernels.rnnCell(n, hs, relu, xp, o, hW, o);
      K.rnnCell(n, hs, relu, up(xp), o, hs_, o);
      await close(`rnnCell relu=${relu}`, hs_, hW, ...tol);
      const dhOut = f32(2 + n * hs),
        dhRec = f32(n * hs),
        dPre = f32(1 + n * hs),
        dPreW = dPre.slice(),
        dps = up(dPre);
      jsKernels.rnnCellBackward(n, hs, relu, hW, o, withOut ? dhOut : null, 2, dhRec, dPreW, 1);
      K.rnnCellBackward(n, hs, relu, up(hW), o, withOut ? up(dhOut) : null, 2, up(dhRec), dps, 1);
      await close(`rnnCellBackward relu=${relu} dhOut=${withOut}`, dps, dPreW, ...tol);
    }
    {
      // LSTM
      const xp = f32(o + 4 * n * hs, -3, 3),
        gates = f32(4 + 4 * n * hs, -3, 3),
        cPrev = f32(3 + n * hs),
        c = f32(1 + n * hs),
        h = f32(2 + n * hs);
      const gW = gates.slice(),
        cW = c.slice(),
        hW = h.slice(),
        gS = up(gates),
        cS = up(c),
        hS = up(h);
      jsKernels.lstmCell(n, hs, xp, o, gW, 4, cPrev, 3, cW, 1, hW, 2);
      K.lstmCell(n, hs, up(xp), o, gS, 4, up(cPrev), 3, cS, 1, hS, 2);
      await close("lstmCell gates", gS, gW, ...tol);
      await close("lstmCell c", cS, cW, ...tol);
      await close("lstmCell h", hS, hW, ...tol);
      const dhOut = f32(n * hs),
        dhRec = f32(n * hs),
        dc = f32(n * hs),
        dG = f32(5 + 4 * n * hs);
      const dcW = dc.slice(),
        dGW = dG.slice(),
        dcS = up(dc),
        dGS = up(dG);
      jsKernels.lstmCellBackward(n, hs, gW, 4, cPrev, 3, cW, 1, withOut ? dhOut : null, 0, dhRec, dcW, dGW, 5);
      K.lstmCellBackward(
        n,
        hs,
        up(gW),
        4,
        up(cPrev),
        3,
        up(cW),
        1,
        withOut ? up(dhOut) : null,
        0,
        up(dhRec),
        dcS,
        dGS,
        5,
      );
      await close(`lstmCellBackward dGates dhOut=${withOut}`, dGS, dGW, ...tol);
      await close(`lstmCellBackward dc dhOut=${withOut}`, dcS, dcW, ...tol);
    }
    {
      // LSTM and GRU steps reading the previous state from the buffer they write (a sequence's states), no copy
      const L = 3 * n * hs,
        xp = f32(4 * n * hs, -3, 3),
        gates = f32(4 * n * hs, -3, 3),
        cAll = f32(L),
        hAll = f32(L);
      const gW = gates.slice(),
        cW = cAll.slice(),
        hW = hAll.slice(),
        gS = up(gates),
        cS = up(cAll),
        hS = up(hAll);
      const copies = ctx.counters.aliasCopies;
      jsKernels.lstmCell(n, hs, xp, 0, gW, 0, cW, n * hs, cW, 2 * n * hs, hW, 0);
      K.lstmCell(n, hs, up(xp), 0, gS, 0, cS, n * hs, cS, 2 * n * hs, hS, 0);
      await close("lstmCell cPrev in c's buffer", cS, cW, ...tol);
      const xg = f32(3 * n * hs, -3, 3),
        hp = f32(3 * n * hs, -3, 3),
        gg = new Float32Array(3 * n * hs),
        ggS = up(gg);
      jsKernels.gruCell(n, hs, xg, 0, hp, 0, hW, 0, gg, 0, hW, n * hs);
      K.gruCell(n, hs, up(xg), 0, up(hp), 0, hS, 0, ggS, 0, hS, n * hs);
      await close("gruCell hPrev in h's buffer", hS, hW, ...tol);
      if (ctx.counters.aliasCopies !== copies)
        fails.push(
          `lstmCell/gruCell: ${ctx.counters.aliasCopies - copies} copies for a state read from the output buffer`,
        );
    }
    {
      // GRU
      const xp = f32(o + 3 * n * hs, -3, 3),
        hp = f32(2 + 3 * n * hs, -3, 3),
        hPrev = f32(1 + n * hs),
        gates = f32(3 * n * hs),
        h = f32(4 + n * hs);
      const gW = gates.slice(),
        hW = h.slice(),
        gS = up(gates),
        hS = up(h);
      jsKernels.gruCell(n, hs, xp, o, hp, 2, hPrev, 1, gW, 0, hW, 4);
      K.gruCell(n, hs, up(xp), o, up(hp), 2, up(hPrev), 1, gS, 0, hS, 4);
      await close("gruCell gates", gS, gW, ...tol);
      await close("gruCell h", hS, hW, ...tol);
      const dhOut = f32(1 + n * hs),
        dhRec = f32(n * hs),
        dX = f32(2 + 3 * n * hs),
        dHP = f32(3 * n * hs);
      const dhRecW = dhRec.slice(),
        dXW = dX.slice(),
        dHPW = dHP.slice(),
        dhRecS = up(dhRec),
        dXS = up(dX),
        dHPS = up(dHP);
      jsKernels.gruCellBackward(n, hs, gW, 0, hp, 2, hPrev, 1, withOut ? dhOut : null, 1, dhRecW, dXW, 2, dHPW, 0);
      K.gruCellBackward(
        n,
        hs,
        up(gW),
        0,
        up(hp),
        2,
        up(hPrev),
        1,
        withOut ? up(dhOut) : null,
        1,
        dhRecS,
        dXS,
        2,
        dHPS,
        0,
      );
      await close(`gruCellBackward dX dhOut=${withOut}`, dXS, dXW, ...tol);
      await close(`gruCellBackward dHProj dhOut=${withOut}`, dHPS, dHPW, ...tol);
      await close(`gruCellBackward dhRec dhOut=${withOut}`, dhRecS, dhRecW, ...tol);
    }
  }
}

async function upsampleParity({ ctx, K, f32, up, close }: ParityTools): Promise<void> {
  const cases: Array<
    Partial<UpsampleArgs> & { mode: "nearest" | "linear"; inH: number; inW: number; outH: number; outW: number }
  > = [
    { mode: "nearest", inH: 4, inW: 5, outH: 8, outW: 10 },
    { mode: "nearest", inH: 5, inW: 5, outH: 7, outW: 3 },
    { mode: "nearest", inH: 5, inW: 3, outH: 5, outW: 4, scaleH: 1.1, scaleW: 1.5 },
    { mode: "linear", inH: 4, inW: 5, outH: 8, outW: 10 },
    { mode: "linear", inH: 4, inW: 5, outH: 7, outW: 9, alignCorners: true },
    { mode: "linear", inH: 6, inW: 7, outH: 4, outW: 3 },
    { mode: "linear", inH: 1, inW: 6, outH: 1, outW: 13, rows1d: true },
    { mode: "linear", inH: 3, inW: 3, outH: 3, outW: 6, scaleH: null, scaleW: 2 },
  ];
  for (const c of cases) {
    const a: UpsampleArgs = { planes: 3, alignCorners: false, scaleH: null, scaleW: null, ...c };
    const tag = JSON.stringify(c);
    const x = f32(a.planes * a.inH * a.inW),
      n = a.planes * a.outH * a.outW;
    const want = new Float32Array(n),
      out = ctx.empty("float32", n);
    jsKernels.upsample(a, x, want);
    K.upsample(a, up(x), out);
    // Nearest copies (exact); linear: float32 products and sums where the reference's are float64.
    await close(`upsample ${tag}`, out, want, 4 * ULP, 1e-6);
    const dy = f32(n),
      dxW = new Float32Array(x.length),
      dx = ctx.empty("float32", x.length);
    jsKernels.upsampleBackward(a, dy, dxW);
    K.upsampleBackward(a, up(dy), dx);
    // Each weighted term is rounded before its add (the reference adds the float64 product): a ULP per term.
    await close(
      `upsampleBackward ${tag}`,
      dx,
      dxW,
      c.mode === "nearest" ? 0 : 8 * ULP,
      c.mode === "nearest" ? 0 : 2e-6,
    );
  }
}

async function padParity({ ctx, K, f32, i32, up, close }: ParityTools): Promise<void> {
  // Every mode, pads on one and several dims, crops (negative pads), pads larger than the dim (constant/circular).
  const cases: Array<[("constant" | "reflect" | "replicate" | "circular")[], number[], number[]]> = [
    [
      ["constant", "reflect", "replicate", "circular"],
      [2, 3, 5],
      [0, 0, 0, 0, 2, 3],
    ],
    [
      ["constant", "reflect", "replicate", "circular"],
      [3, 4, 6],
      [0, 0, 1, 2, 3, 1],
    ],
    [
      ["constant", "replicate", "circular"],
      [2, 3, 4],
      [0, 0, -1, 2, 2, -1],
    ],
    [
      ["constant", "replicate"],
      [4, 3],
      [5, 1, 0, 6],
    ],
    [
      ["constant", "circular"],
      [2, 2, 2, 3],
      [1, 0, 0, 1, 1, 1, 2, 2],
    ],
  ];
  for (const [modes, shape, pads] of cases) {
    for (const mode of modes) {
      const outShape = shape.map((sz, d) => sz + pads[2 * d] + pads[2 * d + 1]);
      const tag = `${mode} ${JSON.stringify(shape)} ${JSON.stringify(pads)}`;
      const x = f32(size(shape)),
        want = new Float32Array(size(outShape)),
        out = ctx.empty("float32", want.length);
      jsKernels.pad(mode, x, shape, pads, -1.5, want);
      K.pad(mode, up(x), shape, pads, -1.5, out);
      await close(`pad ${tag}`, out, want);
      const xi = i32(x.length, 100),
        wi = new Int32Array(want.length),
        oi = ctx.empty("int32", wi.length);
      jsKernels.pad(mode, xi, shape, pads, 7, wi);
      K.pad(mode, up(xi), shape, pads, 7, oi);
      await close(`pad int32 ${tag}`, oi, wi);
      const dy = f32(want.length),
        dxW = new Float32Array(x.length),
        dx = ctx.empty("float32", x.length);
      jsKernels.padBackward(mode, dy, shape, pads, dxW);
      K.padBackward(mode, up(dy), shape, pads, dx);
      await close(`padBackward ${tag} (bit-identical: the reference's order)`, dx, dxW);
    }
  }
}

async function poolParity({ ctx, K, f32, up, close }: ParityTools): Promise<void> {
  // [h, w, kH, kW, s, pad, dilation]: plain, overlapping with padding and dilation, 1-D, a ceil-mode-like extra output.
  const cases = [
    [8, 8, 2, 2, 2, 0, 1],
    [9, 7, 3, 3, 2, 1, 2],
    [1, 15, 1, 4, 3, 0, 1],
    [6, 6, 3, 3, 2, 1, 1],
  ];
  const planes = 5;
  for (const [h, w, kH, kW, st, pd, dl] of cases) {
    const pH = kH > 1 ? pd : 0;
    const outOf = (size: number, k: number, p: number, d: number): number =>
      Math.floor((size + 2 * p - d * (k - 1) - 1 + st - 1) / st) + 1;
    const p = { kH, kW, sH: kH > 1 ? st : 1, sW: st, pH, pW: pd, dH: dl, dW: dl, outH: 0, outW: 0 };
    p.outH = kH > 1 ? outOf(h, kH, pH, dl) : h;
    p.outW = outOf(w, kW, pd, dl); // ceil mode: a last window may start in the padding
    const tag = `${planes}x${h}x${w} ${JSON.stringify(p)}`;
    const x = f32(planes * h * w);
    x[3] = NaN;
    const n = planes * p.outH * p.outW;
    const want = new Float32Array(n),
      wi = new Int32Array(n),
      out = ctx.empty("float32", n),
      gi = ctx.empty("int32", n);
    jsKernels.maxPool2d(x, planes, h, w, p, want, wi);
    K.maxPool2d(up(x), planes, h, w, p, out, gi);
    await close(`maxPool2d ${tag}`, out, want);
    await close(`maxPool2d indices ${tag}`, gi, wi);
    const ap = { ...p, dH: 1, dW: 1 };
    ap.outH = kH > 1 ? outOf(h, kH, pH, 1) : h;
    ap.outW = outOf(w, kW, pd, 1);
    const an = planes * ap.outH * ap.outW;
    for (const [incl, div] of [
      [false, 0],
      [true, 0],
      [false, 3],
    ] as const) {
      const aw = new Float32Array(an),
        ao = ctx.empty("float32", an);
      jsKernels.avgPool2d(
        x.map((v) => (Number.isNaN(v) ? 0 : v)),
        planes,
        h,
        w,
        ap,
        incl,
        div,
        aw,
      );
      K.avgPool2d(up(x.map((v) => (Number.isNaN(v) ? 0 : v))), planes, h, w, ap, incl, div, ao);
      // float32 sums of ≤ kH·kW values ≤ 2 vs float64, one rounding for the division.
      await close(`avgPool2d ${tag} includePad=${incl} divisor=${div}`, ao, aw, 2 * ULP, 2e-6 * kH * kW);
      const dy = f32(an),
        dxW = new Float32Array(planes * h * w),
        dx = ctx.empty("float32", dxW.length);
      jsKernels.avgPool2dBackward(dy, planes, h, w, ap, incl, div, dxW);
      K.avgPool2dBackward(up(dy), planes, h, w, ap, incl, div, dx);
      // each dy/div is rounded to float32 before its add (the reference adds the float64 quotient).
      await close(`avgPool2dBackward ${tag} includePad=${incl} divisor=${div}`, dx, dxW, 4 * ULP, 2e-6 * kH * kW);
    }
  }
  for (const [h, w, oh, ow] of [
    [8, 8, 3, 3],
    [7, 5, 7, 5],
    [10, 3, 4, 1],
    [1, 9, 1, 4],
    [4, 4, 6, 5],
  ]) {
    const x = f32(planes * h * w),
      n = planes * oh * ow;
    const want = new Float32Array(n),
      out = ctx.empty("float32", n);
    jsKernels.adaptiveAvgPool2d(x, planes, h, w, oh, ow, want);
    K.adaptiveAvgPool2d(up(x), planes, h, w, oh, ow, out);
    await close(`adaptiveAvgPool2d ${h}x${w} -> ${oh}x${ow}`, out, want, 2 * ULP, 2e-6 * h * w);
    const dy = f32(n),
      dxW = new Float32Array(x.length),
      dx = ctx.empty("float32", x.length);
    jsKernels.adaptiveAvgPool2dBackward(dy, planes, h, w, oh, ow, dxW);
    K.adaptiveAvgPool2dBackward(up(dy), planes, h, w, oh, ow, dx);
    await close(`adaptiveAvgPool2dBackward ${h}x${w} -> ${oh}x${ow}`, dx, dxW, 4 * ULP, 2e-6 * oh * ow);
  }
}

async function convParity({ ctx, K, f32, up, close }: ParityTools): Promise<void> {
  // [n, cIn, h, w, cOut, kH, kW, stride, pad, dilation, groups]: LeNet-like, strided + dilated + grouped,
  // 1-D (h = 1), more than 16 channels and positions (several tiles), a kernel wider than the input with padding.
  const cases = [
    [2, 3, 8, 8, 5, 3, 3, 1, 1, 1, 1],
    [2, 4, 9, 7, 6, 3, 2, 2, 1, 2, 2],
    [3, 2, 1, 20, 4, 1, 5, 1, 2, 1, 1],
    [2, 3, 12, 11, 20, 3, 3, 1, 0, 1, 1],
    [1, 2, 3, 3, 3, 5, 5, 1, 2, 1, 1],
    [2, 6, 6, 6, 6, 3, 3, 2, 1, 1, 3],
    [2, 2, 2, 3, 3, 3, 3, 2, 3, 1, 1],
  ]; // (the last: padding wider than the input, taps that never meet it)
  for (const [n, cIn, h, w, cOut, kH, kW, s, pd, dl, groups] of cases) {
    const padH = kH > 1 || h > 1 ? pd : 0;
    const g = {
      n,
      cIn,
      h,
      w,
      cOut,
      kH,
      kW,
      strideH: s,
      strideW: s,
      padH,
      padW: pd,
      dilationH: dl,
      dilationW: dl,
      groups,
      hOut: Math.floor((h + 2 * padH - dl * (kH - 1) - 1) / s) + 1,
      wOut: Math.floor((w + 2 * pd - dl * (kW - 1) - 1) / s) + 1,
    };
    const tag = JSON.stringify(g);
    const x = f32(n * cIn * h * w),
      wt = f32(cOut * (cIn / groups) * kH * kW),
      bias = f32(cOut);
    const ySize = n * cOut * g.hOut * g.wOut,
      xs = up(x),
      ws = up(wt);
    const kLen = (cIn / groups) * kH * kW;
    for (const [withBias, relu] of [
      [false, false],
      [true, true],
    ]) {
      const want = new Float32Array(ySize),
        out = ctx.empty("float32", ySize);
      jsKernels.conv2dForward(x, wt, withBias ? bias : null, want, g, relu);
      K.conv2dForward(xs, ws, withBias ? up(bias) : null, out, g, relu);
      // float32 sums of kLen products of magnitude ≤ 4 vs the reference's float64 (as gemm's bound).
      await close(`conv2dForward ${tag}${withBias ? " +bias relu" : ""}`, out, want, 0, 4e-6 * (kLen + 1));
    }
    const dy = f32(ySize),
      dys = up(dy);
    const dxW = new Float32Array(x.length),
      dx = ctx.empty("float32", x.length);
    jsKernels.conv2dBackwardInput(dy, wt, dxW, g);
    K.conv2dBackwardInput(dys, ws, dx, g);
    await close(`conv2dBackwardInput ${tag}`, dx, dxW, 0, 4e-6 * ((cOut / groups) * kH * kW + 1));
    for (const beta of [0, 1]) {
      const dw0 = f32(wt.length),
        db0 = f32(cOut);
      if (beta === 0) {
        dw0[0] = NaN;
        db0[0] = NaN;
      } // beta = 0 overwrites, NaN included
      const dwW = dw0.slice(),
        dbW = db0.slice(),
        dw = up(dw0),
        db = up(db0);
      jsKernels.conv2dBackwardWeight(x, dy, dwW, dbW, g, beta);
      K.conv2dBackwardWeight(xs, dys, dw, db, g, beta);
      const len = n * g.hOut * g.wOut;
      await close(`conv2dBackwardWeight ${tag} beta=${beta}`, dw, dwW, 0, 4e-6 * (len + 1));
      await close(`conv2dBackwardWeight bias ${tag} beta=${beta}`, db, dbW, 0, 4e-6 * (len + 1));
    }
  }
}

async function selectParity({ ctx, K, f32, i32, up, close }: ParityTools): Promise<void> {
  // where: exact (values move as bits); float and int32 conditions with ±0 and NaN, three-way broadcasts.
  const cases: Array<[number[], number[], number[], number[]]> = [
    [[7], [7], [7], [7]],
    [
      [3, 1],
      [1, 5],
      [3, 5],
      [3, 5],
    ],
    [[], [2, 3], [], [2, 3]],
    [[4, 1, 3], [2, 1], [3], [4, 2, 3]],
    [[2, 1, 2, 1, 2, 1, 2, 3], [2, 2, 2, 2, 2, 2, 2, 1], [1], [2, 2, 2, 2, 2, 2, 2, 3]],
  ];
  for (const [cs, as, bs, os] of cases) {
    const c = f32(size(cs), -1, 1).map((v) => (v < 0 ? 0 : v));
    if (c.length > 3) {
      c[0] = -0;
      c[1] = NaN;
      c[2] = 0;
    }
    const a = f32(size(as)),
      b = f32(size(bs));
    if (a.length > 2) {
      a[0] = -Infinity;
      a[1] = NaN;
    }
    const want = new Float32Array(size(os)),
      out = ctx.empty("float32", want.length);
    jsKernels.where(c, cs, a, as, b, bs, want, os);
    K.where(up(c), cs, up(a), as, up(b), bs, out, os);
    await close(`where ${JSON.stringify([cs, as, bs])}`, out, want);
    const ci = i32(size(cs), 2),
      ai = i32(size(as), 100),
      bi = i32(size(bs), 100);
    const wi = new Int32Array(size(os)),
      oi = ctx.empty("int32", wi.length);
    jsKernels.where(ci, cs, ai, as, bi, bs, wi, os);
    K.where(up(ci), cs, up(ai), as, up(bi), bs, oi, os);
    await close(`where int32 ${JSON.stringify([cs, as, bs])}`, oi, wi);
  }
  for (const [batch, rows, cols] of [
    [1, 5, 5],
    [3, 4, 7],
    [2, 6, 3],
  ]) {
    for (const diag of [-7, -1, 0, 2, 9])
      for (const upper of [false, true]) {
        const x = f32(batch * rows * cols);
        x[1] = -Infinity;
        const want = new Float32Array(x.length),
          out = ctx.empty("float32", x.length);
        jsKernels.triangle(x, batch, rows, cols, diag, upper, want);
        K.triangle(up(x), batch, rows, cols, diag, upper, out);
        await close(`triangle ${batch}x${rows}x${cols} diag=${diag} upper=${upper}`, out, want);
      }
  }
}

async function embeddingParity({ ctx, K, f32, i32, up, get, close, throws, fails }: ParityTools): Promise<void> {
  const rows = 11,
    dim = 6,
    idx = i32(37, rows);
  const w = f32(rows * dim),
    want = new Float32Array(idx.length * dim),
    out = ctx.empty("float32", want.length);
  jsKernels.embedding(w, rows, dim, idx, want);
  K.embedding(up(w), rows, dim, up(idx), out);
  await close("embedding", out, want);
  for (const pad of [-1, 3]) {
    const dy = f32(idx.length * dim),
      dw = f32(rows * dim),
      dwWant = dw.slice(),
      dws = up(dw);
    jsKernels.embeddingBackward(dy, idx, dim, pad, dwWant);
    K.embeddingBackward(up(dy), up(idx), dim, pad, dws);
    await close(`embeddingBackward padding=${pad} (bit-identical: the reference's order)`, dws, dwWant);
  }
  const bad = new Int32Array([0, 2, 11, 1, -1, 40]); // the first bad position is named
  const msgW = await throws(() => jsKernels.embedding(f32(rows * dim), rows, dim, bad, new Float32Array(6 * dim)));
  const msgHost = await throws(() =>
    K.embedding(up(f32(rows * dim)), rows, dim, ctx.upload(bad, { keepHostCopy: true }), ctx.empty("float32", 6 * dim)),
  );
  const o = ctx.empty("float32", 6 * dim);
  const msgDev = await throws(async () => {
    K.embedding(up(f32(rows * dim)), rows, dim, up(bad), o);
    await get(o);
  });
  if (!msgW || msgHost !== msgW) fails.push(`embedding host-side bounds error: "${msgHost}" vs "${msgW}"`);
  if (msgDev !== msgW) fails.push(`embedding device-side bounds error: "${msgDev}" vs "${msgW}"`);
}

async function normParity({ ctx, K, f32, up, close }: ParityTools): Promise<void> {
  // LayerNorm: float32 sums (tree) vs the reference's float64; rows shorter and longer than a workgroup.
  // Normalized outputs are O(1): a few ULP of the row's scale, so an absolute 1e-5 plus 16 ULP relative.
  for (const [rows, d] of [
    [5, 7],
    [3, 300],
    [1, 1],
    [70, 64],
  ]) {
    for (const affine of [false, true]) {
      const x = f32(rows * d, -3, 5),
        weight = affine ? f32(d) : null,
        bias = affine ? f32(d) : null;
      const outW = new Float32Array(x.length),
        meanW = new Float32Array(rows),
        rstdW = new Float32Array(rows);
      jsKernels.layerNormForward({ x, rows, d, weight, bias, eps: 1e-5, out: outW, mean: meanW, rstd: rstdW });
      const out = ctx.empty("float32", x.length),
        mean = ctx.empty("float32", rows),
        rstd = ctx.empty("float32", rows);
      const xs = up(x),
        ws = weight && up(weight);
      K.layerNormForward({ x: xs, rows, d, weight: ws, bias: bias && up(bias), eps: 1e-5, out, mean, rstd });
      const tag = `${rows}x${d}${affine ? " affine" : ""}`;
      await close(`layerNormForward ${tag}`, out, outW, 16 * ULP, 1e-5);
      await close(`layerNormForward mean ${tag}`, mean, meanW, 16 * ULP, 1e-6);
      await close(`layerNormForward rstd ${tag}`, rstd, rstdW, 16 * ULP, 0);
      const dy = f32(x.length);
      const dxW = new Float32Array(x.length),
        dwW = affine ? new Float32Array(d) : null,
        dbW = new Float32Array(d);
      jsKernels.layerNormBackward({
        x,
        dy,
        mean: meanW,
        rstd: rstdW,
        weight,
        rows,
        d,
        dx: dxW,
        dweight: dwW,
        dbias: dbW,
      });
      const dx = ctx.empty("float32", x.length),
        dw = affine ? ctx.empty("float32", d) : null,
        db = ctx.empty("float32", d);
      K.layerNormBackward({
        x: xs,
        dy: up(dy),
        mean: up(meanW),
        rstd: up(rstdW),
        weight: ws,
        rows,
        d,
        dx,
        dweight: dw,
        dbias: db,
      });
      // dx: sums of d products in float32 vs float64, growing with d (as gemm's bound), and three terms
      // of size rstd·|dy·w| (≤ 4·rstd) that cancel (exactly, for d = 1): relative to that scale.
      await close(`layerNormBackward dx ${tag}`, dx, dxW, 1e-6 * (d + 1), 0, (i) => 4 * rstdW[Math.floor(i / d)]);
      if (dw) await close(`layerNormBackward dweight ${tag}`, dw, dwW!, 0, 4e-6 * (rows + 1));
      await close(`layerNormBackward dbias ${tag}`, db, dbW, 0, 4e-6 * (rows + 1));
    }
  }
  // BatchNorm: (n, c, l) with and without affine, training (running stats updated) and eval.
  for (const [n, c, l] of [
    [4, 3, 5],
    [2, 5, 1],
    [8, 2, 50],
  ]) {
    for (const training of [true, false])
      for (const affine of [false, true]) {
        const x = f32(n * c * l, -2, 4),
          weight = affine ? f32(c) : null,
          bias = affine ? f32(c) : null;
        const rm = f32(c),
          rv = f32(c, 0.5, 2),
          rmW = rm.slice(),
          rvW = rv.slice();
        const outW = new Float32Array(x.length),
          meanW = new Float32Array(c),
          rstdW = new Float32Array(c);
        jsKernels.batchNormForward({
          x,
          n,
          c,
          l,
          weight,
          bias,
          runningMean: rmW,
          runningVar: rvW,
          training,
          momentum: 0.1,
          eps: 1e-5,
          out: outW,
          mean: meanW,
          rstd: rstdW,
        });
        const out = ctx.empty("float32", x.length),
          mean = ctx.empty("float32", c),
          rstd = ctx.empty("float32", c);
        const rms = up(rm),
          rvs = up(rv),
          xs = up(x),
          ws = weight && up(weight);
        K.batchNormForward({
          x: xs,
          n,
          c,
          l,
          weight: ws,
          bias: bias && up(bias),
          runningMean: rms,
          runningVar: rvs,
          training,
          momentum: 0.1,
          eps: 1e-5,
          out,
          mean,
          rstd,
        });
        const tag = `${n}x${c}x${l} training=${training}${affine ? " affine" : ""}`;
        await close(`batchNormForward ${tag}`, out, outW, 16 * ULP, 1e-5);
        await close(`batchNormForward rstd ${tag}`, rstd, rstdW, 16 * ULP, 0);
        await close(`batchNormForward runningMean ${tag}`, rms, rmW, 16 * ULP, 1e-6);
        await close(`batchNormForward runningVar ${tag}`, rvs, rvW, 16 * ULP, 1e-6);
        const dy = f32(x.length),
          dxW = new Float32Array(x.length),
          dwW = new Float32Array(c),
          dbW = new Float32Array(c);
        jsKernels.batchNormBackward({
          x,
          dy,
          mean: meanW,
          rstd: rstdW,
          weight,
          n,
          c,
          l,
          training,
          dx: dxW,
          dweight: dwW,
          dbias: dbW,
        });
        const dx = ctx.empty("float32", x.length),
          dw = ctx.empty("float32", c),
          db = ctx.empty("float32", c);
        K.batchNormBackward({
          x: xs,
          dy: up(dy),
          mean: up(meanW),
          rstd: up(rstdW),
          weight: ws,
          n,
          c,
          l,
          training,
          dx,
          dweight: dw,
          dbias: db,
        });
        const m = n * l; // sums over m elements in float32 vs float64
        await close(`batchNormBackward dx ${tag}`, dx, dxW, 0, 4e-6 * (m + 1));
        await close(`batchNormBackward dweight ${tag}`, dw, dwW, 0, 4e-6 * (m + 1));
        await close(`batchNormBackward dbias ${tag}`, db, dbW, 0, 4e-6 * (m + 1));
      }
  }
  {
    // only dbias wanted (dx, dweight null)
    const [n, c, l] = [3, 4, 2],
      x = f32(n * c * l),
      dy = f32(x.length),
      meanW = f32(c),
      rstdW = f32(c, 0.5, 2);
    const dbW = new Float32Array(c),
      db = ctx.empty("float32", c);
    jsKernels.batchNormBackward({
      x,
      dy,
      mean: meanW,
      rstd: rstdW,
      weight: null,
      n,
      c,
      l,
      training: true,
      dx: null,
      dweight: null,
      dbias: dbW,
    });
    K.batchNormBackward({
      x: up(x),
      dy: up(dy),
      mean: up(meanW),
      rstd: up(rstdW),
      weight: null,
      n,
      c,
      l,
      training: true,
      dx: null,
      dweight: null,
      dbias: db,
    });
    await close("batchNormBackward dbias only", db, dbW, 0, 1e-5);
  }
}
