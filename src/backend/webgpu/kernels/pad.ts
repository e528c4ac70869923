/**
 * Padding on WebGPU (constant, reflect, replicate, circular; negative pads crop) from the
 * reference's plan (src/backend/js/pad.ts, `padPlan`): per output dim, the input index each output
 * index reads (−1: constant fill). The plan's maps are uploaded with each call (a few hundred
 * int32 at most). Forward: a thread per output element. Backward: a thread per dx element gathers
 * every output that read it — per dim, the output indices mapping to its index (an inverse map,
 * built on the host, each list ascending) — in row-major output order, the reference's order of
 * additions, so the result is bit-identical without atomics. Values move as u32 bits (any dtype).
 */
import { type PadMode, padPlan } from "../../js/pad.js";
import { FLAT, grid, type GpuContext } from "../context.js";
import type { GpuStorage } from "../storage.js";
import { at8, bitsOf, header, pad8, U8 } from "./common.js";

/**
 * Uniforms: the plan's in/out shapes (rank ≤ 8) and where each dim's map starts in `maps`.
 * out[i] = x[Σ_d maps[off[d] + i_d]·inStride_d], or the fill bits when a map says −1.
 */
const PAD = {
  key: "pad",
  code: () => `${header(
    `inS: array<vec4<u32>, 2>, outS: array<vec4<u32>, 2>, off: array<vec4<u32>, 2>, rank: u32, n: u32, fill: u32`,
    [
      ["x", "read", "u32"],
      ["maps", "read", "i32"],
      ["out", "read_write", "u32"],
    ],
  )}
${FLAT()}
  if (i >= p.n) { return; }
  var rest = i; var src = 0u; var stride = 1u; var inside = true;
  for (var d = i32(p.rank) - 1; d >= 0; d = d - 1) {
    let du = u32(d);
    let s = ${at8("outS", "du")};
    let m = maps[${at8("off", "du")} + rest % s]; rest = rest / s;
    if (m < 0) { inside = false; }
    src = src + u32(max(m, 0)) * stride; stride = stride * ${at8("inS", "du")};
  }
  out[i] = select(p.fill, x[src], inside);
}`,
};

/**
 * A thread per dx element (index k_d along each dim): for dim d its readers are
 * inv[invOff[d] + start .. end) with start/end = inv[invOff[d] + k_d], inv[invOff[d] + k_d + 1]
 * (offsets relative to the dim's list, which follows its inShape[d] + 1 starts). An odometer walks
 * every combination, the last dim fastest: ascending output order.
 */
const PAD_BACKWARD = {
  key: "padBackward",
  code: () => `${header(
    `inS: array<vec4<u32>, 2>, outS: array<vec4<u32>, 2>, invOff: array<vec4<u32>, 2>, rank: u32, n: u32`,
    [
      ["dy", "read"],
      ["inv", "read", "i32"],
      ["dx", "read_write"],
    ],
  )}
${FLAT()}
  if (i >= p.n) { return; }
  var lo: array<u32, 8>; var hi: array<u32, 8>; var cur: array<u32, 8>;
  var rest = i;
  for (var d = i32(p.rank) - 1; d >= 0; d = d - 1) {
    let du = u32(d);
    let s = ${at8("inS", "du")};
    let k = rest % s; rest = rest / s;
    let base = ${at8("invOff", "du")};
    let list = base + s + 1u;
    lo[du] = list + u32(inv[base + k]); hi[du] = list + u32(inv[base + k + 1u]); cur[du] = lo[du];
    if (lo[du] == hi[du]) { dx[i] = 0.0; return; }  // no output read this element
  }
  var acc = 0.0;
  loop {
    var o = 0u;
    for (var d = 0u; d < p.rank; d = d + 1u) { o = o * ${at8("outS", "d")} + u32(inv[cur[d]]); }
    acc = acc + dy[o];
    // Next combination: the last dim fastest.
    var d = i32(p.rank) - 1;
    loop {
      if (d < 0) { break; }
      let du = u32(d);
      cur[du] = cur[du] + 1u;
      if (cur[du] < hi[du]) { break; }
      cur[du] = lo[du]; d = d - 1;
    }
    if (d < 0) { break; }
  }
  dx[i] = acc;
}`,
};

export function padKernels(ctx: GpuContext) {
  return {
    pad(
      mode: PadMode,
      x: GpuStorage,
      shape: readonly number[],
      pads: readonly number[],
      value: number,
      out: GpuStorage,
    ): void {
      const plan = padPlan(mode, shape, pads);
      const n = plan.outShape.reduce((a, b) => a * b, 1);
      if (!n) return;
      const maps = ctx.upload(plan.maps);
      ctx.dispatch(
        PAD,
        `${U8}${U8}${U8}uuu`,
        [
          ...pad8(plan.inShape, "pad"),
          ...pad8(plan.outShape, "pad"),
          ...pad8(plan.offsets, "pad"),
          plan.inShape.length,
          n,
          bitsOf(x.dtype, value),
        ],
        [x, maps, { s: out, w: true }],
        grid(n),
      );
      maps.dispose();
    },
    padBackward(
      mode: PadMode,
      dy: GpuStorage,
      shape: readonly number[],
      pads: readonly number[],
      dx: GpuStorage,
    ): void {
      const plan = padPlan(mode, shape, pads);
      const n = plan.inShape.reduce((a, b) => a * b, 1);
      if (!n) return;
      // Per dim: inShape[d] + 1 starts, then the output indices grouped by the input index they read.
      const parts: number[] = [],
        invOff: number[] = [];
      plan.inShape.forEach((size, d) => {
        const lists: number[][] = Array.from({ length: size }, () => []);
        for (let o = 0; o < plan.outShape[d]; o++) {
          const m = plan.maps[plan.offsets[d] + o];
          if (m >= 0) lists[m].push(o);
        }
        invOff.push(parts.length);
        let at = 0;
        for (const l of lists) {
          parts.push(at);
          at += l.length;
        }
        parts.push(at);
        for (const l of lists) parts.push(...l);
      });
      const inv = ctx.upload(new Int32Array(parts));
      ctx.dispatch(
        PAD_BACKWARD,
        `${U8}${U8}${U8}uu`,
        [
          ...pad8(plan.inShape, "padBackward"),
          ...pad8(plan.outShape, "padBackward"),
          ...pad8(invOff, "padBackward"),
          plan.inShape.length,
          n,
        ],
        [dy, inv, { s: dx, w: true }],
        grid(n),
      );
      inv.dispose();
    },
  };
}
