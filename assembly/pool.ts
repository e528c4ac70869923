// Pooling over (planes, h, w): max with argmax indices, average, adaptive average, and the two
// average backwards. Same windows and summation order as src/backend/js/pool.ts (sums in f64), so
// results agree with the reference; the glue splits planes across threads.
import { at } from "./simd";

export function maxPool2d(x: usize, out: usize, idx: usize, planes: i32, h: i32, w: i32, kH: i32, kW: i32, sH: i32,
  sW: i32, pH: i32, pW: i32, dH: i32, dW: i32, outH: i32, outW: i32): void {
  if (kH == 2 && kW == 2 && sH == 2 && sW == 2 && pH == 0 && pW == 0 && dH == 1 && dW == 1 && 2 * outH <= h &&
    2 * outW <= w) {
    maxPool2x2(x, out, idx, planes, h, w, outH, outW);
    return;
  }
  for (let c = 0; c < planes; c++) {
    const px = at(x, c * h * w), po = c * outH * outW;
    for (let oh = 0; oh < outH; oh++) {
      let h0 = oh * sH - pH;
      const h1 = min(h0 + (kH - 1) * dH + 1, h);
      while (h0 < 0) h0 += dH;
      for (let ow = 0; ow < outW; ow++) {
        let w0 = ow * sW - pW;
        const w1 = min(w0 + (kW - 1) * dW + 1, w);
        while (w0 < 0) w0 += dW;
        let best: f32 = -Infinity, bi = h0 * w + w0;
        for (let ih = h0; ih < h1; ih += dH) {
          const row = ih * w;
          for (let iw = w0; iw < w1; iw += dW) {
            const v = load<f32>(at(px, row + iw));
            if (v > best || isNaN(v)) { best = v; bi = row + iw; }
          }
        }
        store<f32>(at(out, po + oh * outW + ow), best);
        store<i32>(at(idx, po + oh * outW + ow), bi);
      }
    }
  }
}

/**
 * maxPool2d with 2×2 windows, stride 2, no padding, every window inside the input (LeNet's pooling):
 * four outputs at a time. The four candidates of a window are taken in the reference's scan order
 * (top-left, top-right, bottom-left, bottom-right) with its rule — a larger value or a NaN replaces
 * the best so far — so ties keep the first and a NaN window reports its last NaN, as the reference does.
 */
function maxPool2x2(x: usize, out: usize, idx: usize, planes: i32, h: i32, w: i32, outH: i32, outW: i32): void {
  const lane2 = i32x4(0, 2, 4, 6), one = i32x4.splat(1), wv = i32x4.splat(w);
  const k1 = i32x4.splat(1), k2 = i32x4.splat(2), k3 = i32x4.splat(3);
  for (let c = 0; c < planes; c++) {
    const px = at(x, c * h * w), po = c * outH * outW;
    for (let oh = 0; oh < outH; oh++) {
      const r0 = at(px, 2 * oh * w), r1 = at(r0, w), o = po + oh * outW;
      let ow = 0;
      for (; ow + 4 <= outW; ow += 4) {
        const a0 = v128.load(at(r0, 2 * ow)), a1 = v128.load(at(r0, 2 * ow + 4));
        const b0 = v128.load(at(r1, 2 * ow)), b1 = v128.load(at(r1, 2 * ow + 4));
        let best = i8x16.shuffle(a0, a1, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
        let k = i32x4.splat(0);
        let v = i8x16.shuffle(a0, a1, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
        let take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
        best = v128.bitselect(v, best, take); k = v128.bitselect(k1, k, take);
        v = i8x16.shuffle(b0, b1, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
        take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
        best = v128.bitselect(v, best, take); k = v128.bitselect(k2, k, take);
        v = i8x16.shuffle(b0, b1, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
        take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
        best = v128.bitselect(v, best, take); k = v128.bitselect(k3, k, take);
        // Index in the plane: (2·oh + k>>1)·w + 2·ow + (k&1).
        const base = i32x4.add(i32x4.splat(2 * oh * w + 2 * ow), lane2);
        const bi = i32x4.add(base, i32x4.add(i32x4.mul(i32x4.shr_u(k, 1), wv), v128.and(k, one)));
        v128.store(at(out, o + ow), best);
        v128.store(at(idx, o + ow), bi);
      }
      for (; ow < outW; ow++) {
        const i0 = 2 * oh * w + 2 * ow;
        let best = load<f32>(at(px, i0)), bi = i0;
        const v1 = load<f32>(at(px, i0 + 1)), v2 = load<f32>(at(px, i0 + w)), v3 = load<f32>(at(px, i0 + w + 1));
        if (v1 > best || isNaN(v1)) { best = v1; bi = i0 + 1; }
        if (v2 > best || isNaN(v2)) { best = v2; bi = i0 + w; }
        if (v3 > best || isNaN(v3)) { best = v3; bi = i0 + w + 1; }
        store<f32>(at(out, o + ow), best);
        store<i32>(at(idx, o + ow), bi);
      }
    }
  }
}

// Window of output (oh, ow) clipped to the input, and its divisor (0: all padding). AS has no
// tuples: the bounds go through module globals, read right after the call on the same thread.
let wh0: i32 = 0, wh1: i32 = 0, ww0: i32 = 0, ww1: i32 = 0;
// @ts-ignore: decorator
@inline function avgWindow(oh: i32, ow: i32, h: i32, w: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32,
  countIncludePad: bool, divisor: i32): i32 {
  let h0 = oh * sH - pH, w0 = ow * sW - pW;
  let h1 = min(h0 + kH, h + pH), w1 = min(w0 + kW, w + pW);
  const padded = (h1 - h0) * (w1 - w0);
  h0 = max(h0, 0); w0 = max(w0, 0); h1 = min(h1, h); w1 = min(w1, w);
  wh0 = h0; wh1 = h1; ww0 = w0; ww1 = w1;
  if (h0 >= h1 || w0 >= w1) return 0;
  return divisor > 0 ? divisor : countIncludePad ? padded : (h1 - h0) * (w1 - w0);
}

export function avgPool2d(x: usize, out: usize, planes: i32, h: i32, w: i32, kH: i32, kW: i32, sH: i32, sW: i32,
  pH: i32, pW: i32, outH: i32, outW: i32, countIncludePad: bool, divisor: i32): void {
  for (let c = 0; c < planes; c++) {
    const px = at(x, c * h * w), po = at(out, c * outH * outW);
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const div = avgWindow(oh, ow, h, w, kH, kW, sH, sW, pH, pW, countIncludePad, divisor);
        let s: f64 = 0;
        for (let ih = wh0; ih < wh1; ih++) for (let iw = ww0; iw < ww1; iw++) s += <f64>load<f32>(at(px, ih * w + iw));
        store<f32>(at(po, oh * outW + ow), div ? <f32>(s / <f64>div) : 0);
      }
    }
  }
}

export function avgPool2dBackward(dy: usize, dx: usize, planes: i32, h: i32, w: i32, kH: i32, kW: i32, sH: i32, sW: i32,
  pH: i32, pW: i32, outH: i32, outW: i32, countIncludePad: bool, divisor: i32): void {
  memory.fill(dx, 0, <usize>planes * <usize>(h * w) << 2);
  for (let c = 0; c < planes; c++) {
    const px = at(dx, c * h * w), po = at(dy, c * outH * outW);
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const div = avgWindow(oh, ow, h, w, kH, kW, sH, sW, pH, pW, countIncludePad, divisor);
        if (!div) continue;
        const g = <f32>(<f64>load<f32>(at(po, oh * outW + ow)) / <f64>div);
        for (let ih = wh0; ih < wh1; ih++) {
          for (let iw = ww0; iw < ww1; iw++) { const p = at(px, ih * w + iw); store<f32>(p, load<f32>(p) + g); }
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function start(i: i32, size: i32, n: i32): i32 { return (i * size) / n; }
// @ts-ignore: decorator
@inline function end(i: i32, size: i32, n: i32): i32 { return ((i + 1) * size + n - 1) / n; }

export function adaptiveAvgPool2d(x: usize, out: usize, planes: i32, h: i32, w: i32, outH: i32, outW: i32): void {
  for (let c = 0; c < planes; c++) {
    const px = at(x, c * h * w), po = at(out, c * outH * outW);
    for (let oh = 0; oh < outH; oh++) {
      const h0 = start(oh, h, outH), h1 = end(oh, h, outH);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = start(ow, w, outW), w1 = end(ow, w, outW);
        let s: f64 = 0;
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) s += <f64>load<f32>(at(px, ih * w + iw));
        store<f32>(at(po, oh * outW + ow), <f32>(s / <f64>((h1 - h0) * (w1 - w0))));
      }
    }
  }
}

export function adaptiveAvgPool2dBackward(dy: usize, dx: usize, planes: i32, h: i32, w: i32, outH: i32,
  outW: i32): void {
  memory.fill(dx, 0, <usize>planes * <usize>(h * w) << 2);
  for (let c = 0; c < planes; c++) {
    const px = at(dx, c * h * w), po = at(dy, c * outH * outW);
    for (let oh = 0; oh < outH; oh++) {
      const h0 = start(oh, h, outH), h1 = end(oh, h, outH);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = start(ow, w, outW), w1 = end(ow, w, outW);
        const g = <f32>(<f64>load<f32>(at(po, oh * outW + ow)) / <f64>((h1 - h0) * (w1 - w0)));
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) { const p = at(px, ih * w + iw); store<f32>(p, load<f32>(p) + g); }
        }
      }
    }
  }
}
