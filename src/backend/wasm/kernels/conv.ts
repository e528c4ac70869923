/**
 * Convolutions on wasm (assembly/conv.ts): implicit GEMMs over each sample, the batch's samples
 * split across threads, each thread with its own scratch; weight gradients summed per thread,
 * then added up once (with beta, straight into a parameter's .grad).
 */
import type { ConvGeometry } from "../../js/conv.js";
import { jsKernels } from "../../js/index.js";
import { f32, threadsNow, type WasmContext, type WasmFamily, withFrame } from "../context.js";
import type { Frame } from "../frame.js";

/** Below this many multiply-adds a call runs on one thread: waking a worker costs ~20–50 µs. */
const CONV_PARALLEL_MACS = 1 << 18;

// Scratch kinds of convScratchFloats.
const FORWARD = 0,
  BACKWARD_INPUT = 1,
  BACKWARD_WEIGHT = 2,
  WEIGHT_PARTIAL = 3,
  PACKED_FORWARD = 4,
  PACKED_BACKWARD = 5;

/** The geometry as assembly/conv.ts reads it: i32 fields in ConvGeometry's order. */
const fields = (g: ConvGeometry): number[] => [
  g.n,
  g.cIn,
  g.h,
  g.w,
  g.cOut,
  g.kH,
  g.kW,
  g.strideH,
  g.strideW,
  g.padH,
  g.padW,
  g.dilationH,
  g.dilationW,
  g.groups,
  g.hOut,
  g.wOut,
];

const sizes = (g: ConvGeometry) => ({
  x: g.n * g.cIn * g.h * g.w,
  y: g.n * g.cOut * g.hOut * g.wOut,
  weight: g.cOut * (g.cIn / g.groups) * g.kH * g.kW,
  macs: g.n * g.cOut * g.hOut * g.wOut * (g.cIn / g.groups) * g.kH * g.kW,
});

export const convFamily: WasmFamily = (ctx: WasmContext) => {
  const { ex } = ctx;

  /** Threads for a call: one per sample at most, one for small calls. */
  const threadsFor = (g: ConvGeometry): number =>
    sizes(g).macs >= CONV_PARALLEL_MACS ? Math.max(1, Math.min(threadsNow(ctx), g.n)) : 1;

  /** Scratch blocks of `kind`, one per thread, equally spaced (the weight partials are read as one strided array). */
  function scratchFor(f: Frame, pg: number, kind: number, t: number): { blocks: number[]; stride: number } {
    const stride = Math.ceil(((ex.convScratchFloats(pg, kind) as number) * 4) / 64) * 64;
    const base = f.raw(stride * t);
    return { blocks: Array.from({ length: t }, (_, i) => base + i * stride), stride };
  }

  /** The weight packed in panels of 8 channels for one call (assembly/conv.ts's convPackWeight, `mode`). */
  function packWeight(f: Frame, pg: number, weight: Float32Array, len: number, kind: number, mode: number): number {
    const packed = f.raw(4 * (ex.convScratchFloats(pg, kind) as number));
    ex.convPackWeight(pg, f.in(weight, 0, len), packed, mode);
    return packed;
  }

  /** Runs export `fn` over samples [0, n) on t threads; `call(n0, n1, i)` gives thread i's arguments. */
  function bySamples(fn: string, n: number, t: number, call: (n0: number, n1: number, i: number) => number[]): void {
    const run = ex[fn];
    if (t <= 1) {
      run(...call(0, n, 0));
      return;
    }
    const chunk = Math.ceil(n / t);
    const calls: number[][] = [];
    for (let s = chunk, i = 1; s < n; s += chunk, i++) calls.push(call(s, Math.min(n, s + chunk), i));
    ctx.pool!.run(fn, calls, () => run(...call(0, Math.min(chunk, n), 0)));
  }

  return {
    conv2dForward(x, weight, bias, out, g, relu = false) {
      if (!f32(x, weight, out) || (bias && !f32(bias))) {
        jsKernels.conv2dForward(x, weight, bias, out, g, relu);
        return;
      }
      const s = sizes(g);
      if (s.y === 0) return;
      withFrame(ctx, (f) => {
        const pg = f.ints(fields(g)),
          t = threadsFor(g);
        const px = f.in(x as Float32Array, 0, s.x),
          pw = packWeight(f, pg, weight as Float32Array, s.weight, PACKED_FORWARD, 0);
        const pb = bias ? f.in(bias as Float32Array, 0, g.cOut) : 0,
          po = f.overwrite(out as Float32Array, 0, s.y);
        const { blocks } = scratchFor(f, pg, FORWARD, t);
        bySamples("conv2dForward", g.n, t, (n0, n1, i) => [pg, px, pw, pb, po, +relu, n0, n1, blocks[i]]);
      });
    },

    conv2dBackwardInput(dy, weight, dx, g) {
      if (!f32(dy, weight, dx)) {
        jsKernels.conv2dBackwardInput(dy, weight, dx, g);
        return;
      }
      const s = sizes(g);
      if (s.x === 0) return;
      withFrame(ctx, (f) => {
        const pg = f.ints(fields(g)),
          t = threadsFor(g);
        const pdy = f.in(dy as Float32Array, 0, s.y),
          pdx = f.overwrite(dx as Float32Array, 0, s.x);
        // Path 1, the forward of dy, takes the weight flipped and packed; path 2, the scatter, reads it as is.
        const prepared =
          ex.convInputPath(pg) === 1
            ? packWeight(f, pg, weight as Float32Array, s.weight, PACKED_BACKWARD, 1)
            : f.in(weight as Float32Array, 0, s.weight);
        const { blocks } = scratchFor(f, pg, BACKWARD_INPUT, t);
        bySamples("conv2dBackwardInput", g.n, t, (n0, n1, i) => [pg, pdy, prepared, pdx, n0, n1, blocks[i]]);
      });
    },

    conv2dBackwardWeight(x, dy, dWeight, dBias, g, beta = 0, betaBias = beta) {
      if (!dWeight && !dBias) return;
      if (!f32(x, dy) || (dWeight && !f32(dWeight)) || (dBias && !f32(dBias))) {
        jsKernels.conv2dBackwardWeight(x, dy, dWeight, dBias, g, beta, betaBias);
        return;
      }
      const s = sizes(g);
      withFrame(ctx, (f) => {
        const pg = f.ints(fields(g)),
          t = threadsFor(g);
        const px = f.in(x as Float32Array, 0, s.x),
          pdy = f.in(dy as Float32Array, 0, s.y);
        // beta = 0 overwrites (NaNs included), so a foreign output need not be copied in.
        const target = (a: Float32Array | null, n: number, b: number): number =>
          !a ? 0 : b === 0 ? f.overwrite(a, 0, n) : f.out(a, 0, n);
        const pdw = target(dWeight as Float32Array | null, s.weight, beta),
          pdb = target(dBias as Float32Array | null, g.cOut, betaBias);
        const { blocks } = scratchFor(f, pg, BACKWARD_WEIGHT, t);
        const partials = scratchFor(f, pg, WEIGHT_PARTIAL, t);
        bySamples("conv2dBackwardWeight", g.n, t, (n0, n1, i) => [
          pg,
          px,
          pdy,
          +!!dWeight,
          +!!dBias,
          partials.blocks[i],
          n0,
          n1,
          blocks[i],
        ]);
        ex.convReduceWeight(pg, partials.blocks[0], t, partials.stride, pdw, pdb, beta, betaBias);
      });
    },
  };
};
