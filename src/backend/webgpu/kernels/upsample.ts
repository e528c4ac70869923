/**
 * Resizing on WebGPU: nearest, linear (along W) and bilinear, with PyTorch's source indices and
 * weights computed on the host by the reference's `upsampleTables` in float32 (the weights are
 * float32 values, so uploading them loses nothing) and uploaded with each call.
 * Forward: a thread per output element, the reference's order (each row along W, then along H).
 * Backward: a thread per dx element gathers the outputs that read it — per axis the output
 * indices whose first or second source is this index (an inverse list built on the host,
 * ascending) — and adds their weighted gradients in the reference's order, so no atomics.
 */
import { twoRows, type UpsampleArgs, upsampleTables } from "../../js/upsample.js";
import { FLAT, grid, type GpuContext } from "../context.js";
import type { GpuStorage } from "../storage.js";
import { header } from "./common.js";

/** idx = [hi0 (outH), hi1 (outH), wi0 (outW), wi1 (outW)], wts = [hw0, hw1, ww0, ww1] likewise. mode: 0 nearest, 1 linear along W, 2 bilinear. */
const FIELDS = "planes: u32, inH: u32, inW: u32, outH: u32, outW: u32, mode: u32";

const UPSAMPLE = {
  key: "upsample",
  code: () => `${header(FIELDS, [
    ["x", "read"],
    ["idx", "read", "i32"],
    ["wts", "read"],
    ["out", "read_write"],
  ])}
${FLAT()}
  if (i >= p.planes * p.outH * p.outW) { return; }
  let j = i % p.outW; let oi = (i / p.outW) % p.outH; let pl = i / (p.outH * p.outW);
  let xp = pl * p.inH * p.inW;
  let r0 = xp + u32(idx[oi]) * p.inW; let r1 = xp + u32(idx[p.outH + oi]) * p.inW;
  let c0 = u32(idx[2u * p.outH + j]); let c1 = u32(idx[2u * p.outH + p.outW + j]);
  if (p.mode == 0u) { out[i] = x[r0 + c0]; return; }
  let ww0 = wts[2u * p.outH + j]; let ww1 = wts[2u * p.outH + p.outW + j];
  let t0 = x[r0 + c0] * ww0 + x[r0 + c1] * ww1;
  if (p.mode == 1u) { out[i] = t0; return; }
  out[i] = t0 * wts[oi] + (x[r1 + c0] * ww0 + x[r1 + c1] * ww1) * wts[p.outH + oi];
}`,
};

/**
 * A thread per dx (pl, kh, kw). inv = [H starts (inH + 1), H list, W starts (inW + 1), W list]
 * with the W part at p.wOff: the outputs whose sources along that axis include the index.
 */
const UPSAMPLE_BACKWARD = {
  key: "upsampleBackward",
  code: () => `${header(`${FIELDS}, wOff: u32`, [
    ["dy", "read"],
    ["idx", "read", "i32"],
    ["wts", "read"],
    ["inv", "read", "i32"],
    ["dx", "read_write"],
  ])}
${FLAT()}
  if (i >= p.planes * p.inH * p.inW) { return; }
  let kw = i32(i % p.inW); let kh = i32((i / p.inW) % p.inH); let pl = i / (p.inH * p.inW);
  let hList = p.inH + 1u; let wList = p.wOff + p.inW + 1u;
  let oo = pl * p.outH * p.outW;
  var acc = 0.0;
  for (var a = inv[kh]; a < inv[kh + 1]; a = a + 1) {
    let oi = u32(inv[hList + u32(a)]);
    let on0 = idx[oi] == kh; let on1 = idx[p.outH + oi] == kh;
    let hw0 = wts[oi]; let hw1 = wts[p.outH + oi];
    for (var b = inv[p.wOff + u32(kw)]; b < inv[p.wOff + u32(kw) + 1u]; b = b + 1) {
      let j = u32(inv[wList + u32(b)]);
      let g = dy[oo + oi * p.outW + j];
      let at0 = idx[2u * p.outH + j] == kw; let at1 = idx[2u * p.outH + p.outW + j] == kw;
      let ww0 = wts[2u * p.outH + j]; let ww1 = wts[2u * p.outH + p.outW + j];
      if (p.mode == 0u) { if (on0 && at0) { acc = acc + g; } continue; }
      if (p.mode == 1u) {
        if (on0 && at0) { acc = acc + ww0 * g; }
        if (on0 && at1) { acc = acc + ww1 * g; }
        continue;
      }
      // The weight product first, then times the gradient (PyTorch's order).
      if (on0 && at0) { acc = acc + (hw0 * ww0) * g; }
      if (on0 && at1) { acc = acc + (hw0 * ww1) * g; }
      if (on1 && at0) { acc = acc + (hw1 * ww0) * g; }
      if (on1 && at1) { acc = acc + (hw1 * ww1) * g; }
    }
  }
  dx[i] = acc;
}`,
};

/** Per input index along an axis: the output indices whose first (or, when `both`, second) source it is; CSR. */
function inverse(i0: Int32Array, i1: Int32Array, inSize: number, both: boolean): number[] {
  const lists: number[][] = Array.from({ length: inSize }, () => []);
  for (let o = 0; o < i0.length; o++) {
    lists[i0[o]].push(o);
    if (both && i1[o] !== i0[o]) lists[i1[o]].push(o);
  }
  const starts: number[] = [];
  let at = 0;
  for (const l of lists) {
    starts.push(at);
    at += l.length;
  }
  starts.push(at);
  return [...starts, ...lists.flatMap((l) => l.sort((a, b) => a - b))];
}

export function upsampleKernels(ctx: GpuContext) {
  const tables = (a: UpsampleArgs) => {
    const [h, w] = upsampleTables(a, true);
    const mode = a.mode === "nearest" ? 0 : twoRows(a) ? 2 : 1;
    const idx = new Int32Array([...h.i0, ...h.i1, ...w.i0, ...w.i1]);
    const wts = new Float32Array([...h.w0, ...h.w1, ...w.w0, ...w.w1]);
    return { h, w, mode, idx, wts };
  };
  const fields = (a: UpsampleArgs, mode: number): number[] => [a.planes, a.inH, a.inW, a.outH, a.outW, mode];
  return {
    upsample(a: UpsampleArgs, x: GpuStorage, out: GpuStorage): void {
      const n = a.planes * a.outH * a.outW;
      if (!n) return;
      const t = tables(a);
      const idx = ctx.upload(t.idx),
        wts = ctx.upload(t.wts);
      ctx.dispatch(UPSAMPLE, "uuuuuu", fields(a, t.mode), [x, idx, wts, { s: out, w: true }], grid(n));
      idx.dispose();
      wts.dispose();
    },
    upsampleBackward(a: UpsampleArgs, dy: GpuStorage, dx: GpuStorage): void {
      const n = a.planes * a.inH * a.inW;
      if (!n) return;
      const t = tables(a);
      const hInv = inverse(t.h.i0, t.h.i1, a.inH, t.mode === 2),
        wInv = inverse(t.w.i0, t.w.i1, a.inW, t.mode !== 0);
      const idx = ctx.upload(t.idx),
        wts = ctx.upload(t.wts),
        inv = ctx.upload(new Int32Array([...hInv, ...wInv]));
      ctx.dispatch(
        UPSAMPLE_BACKWARD,
        "uuuuuuu",
        [...fields(a, t.mode), hInv.length],
        [dy, idx, wts, inv, { s: dx, w: true }],
        grid(n),
      );
      idx.dispose();
      wts.dispose();
      inv.dispose();
    },
  };
}
