// Convolutions (NCHW, groups, stride, padding, dilation) as implicit GEMMs: no im2col matrix is
// ever built. Per sample and group, the input planes are copied once, zero-padded, into scratch
// (not even that when no padding is needed); then
//   forward   out[P × cog] = A[P × K] · Wᵀ[K × cog], A[p][k] = xpad[pos(p) + off(k)], where
//             pos(p) = oh·sH·Wp + ow·sW is output position p's corner in the padded planes and
//             off(k) = c·Hp·Wp + a·dH·Wp + b·dW tap k = (c, a, b)'s offset from it;
//   dW        dWᵀ[K × cog] += A[P × K]ᵀ · dy[P × cog] over the positions (per-thread partial sums);
//   dX        either the forward of dy (padded by the kernel's reach minus the padding; stride 1)
//             with the weight flipped and transposed, or dA[K × P] = W[cog × K]ᵀ · dy[cog × P] added
//             back through the taps (col2im without the column matrix), whichever costs less.
// The micro-kernels are 4×8 register tiles like assembly/gemm.ts's. The forward's reads A in place
// (4 positions' pointers plus a per-k offset) and B from panels of 8 channels packed once per call:
// an output tile is 4 positions × 8 channels, so every position counts (only the last tile repeats
// a position) and channels are padded to 8; it writes NCHW output with bias and relu from registers.
// Threads call these on disjoint ranges of samples, each with its own scratch (the JS side splits).
import { at, madd, reluVec } from "./simd";

// Geometry: i32 fields at g + 4·index, in the order of ConvGeometry (src/backend/js/conv.ts).
const N = 0, CIN = 1, H = 2, W = 3, COUT = 4, KH = 5, KW = 6, SH = 7, SW = 8, PH = 9, PW = 10, DH = 11, DW = 12,
  GROUPS = 13, HOUT = 14, WOUT = 15;
// @ts-ignore: decorator
@inline function geo(g: usize, field: i32): i32 { return load<i32>(at(g, field)); }
// @ts-ignore: decorator
@inline function up4(x: i32): i32 { return (x + 3) & ~3; }
// @ts-ignore: decorator
@inline function unitStride(g: usize): bool { return geo(g, SH) == 1 && geo(g, SW) == 1; }

const NR: i32 = 8; // channels per packed panel (two v128 lanes of 4)
const MP: i32 = 4; // positions (or taps) per tile

/** Panels of 8 for `rows` rows. */
// @ts-ignore: decorator
@inline function panels(rows: i32): i32 { return (rows + NR - 1) / NR; }

/** Padded extent the output grid reads: ((out − 1)·stride + (k − 1)·dilation + 1) per dim. */
function extentH(g: usize): i32 { return (geo(g, HOUT) - 1) * geo(g, SH) + (geo(g, KH) - 1) * geo(g, DH) + 1; }
function extentW(g: usize): i32 { return (geo(g, WOUT) - 1) * geo(g, SW) + (geo(g, KW) - 1) * geo(g, DW) + 1; }

/** The input planes are their own padded copy: no padding, and the extent is the input. */
function readsInPlace(g: usize): bool {
  return geo(g, PH) == 0 && geo(g, PW) == 0 && extentH(g) == geo(g, H) && extentW(g) == geo(g, W);
}

// Scratch kinds (convScratchFloats).
const FORWARD = 0, BACKWARD_INPUT = 1, BACKWARD_WEIGHT = 2, WEIGHT_PARTIAL = 3, PACKED_FORWARD = 4, PACKED_BACKWARD = 5;

/**
 * Floats needed for `kind`: per-thread scratch of 0 the forward, 1 the input gradient, 2 the weight
 * gradient; 3 one thread's weight-gradient partial sums ([groups][K][cog rounded to 8], then the
 * bias's C_out); 4 / 5 the weight packed for the forward / the input gradient (convPackWeight).
 */
export function convScratchFloats(g: usize, kind: i32): i32 {
  const groups = geo(g, GROUPS), cig = geo(g, CIN) / groups, cog = geo(g, COUT) / groups;
  const kHW = geo(g, KH) * geo(g, KW), K = cig * kHW, P = geo(g, HOUT) * geo(g, WOUT);
  const Hp = extentH(g), Wp = extentW(g), h = geo(g, H), w = geo(g, W);
  if (kind == PACKED_FORWARD) return groups * panels(cog) * K * NR;
  if (kind == PACKED_BACKWARD) return flipsForInput(g) ? groups * panels(cig) * cog * kHW * NR : 0;
  if (kind == WEIGHT_PARTIAL) return groups * K * panels(cog) * NR + up4(geo(g, COUT));
  if (kind == BACKWARD_INPUT) {
    if (flipsForInput(g)) {
      const Hq = h + (geo(g, KH) - 1) * geo(g, DH), Wq = w + (geo(g, KW) - 1) * geo(g, DW);
      return up4(cog * kHW) + up4(h * w) + cog * Hq * Wq;
    }
    return up4(K) + up4(P) + cog * P + NR + cig * Hp * Wp;
  }
  const planes = readsInPlace(g) ? 0 : cig * Hp * Wp;
  if (kind == FORWARD) return up4(K) + up4(P) + planes;
  return up4(K) + planes + P * NR; // BACKWARD_WEIGHT: offsets, planes, packed dyᵀ
}

/**
 * Copies `planes` planes of h × w at src into Hp × Wp planes at dst, placed padTop rows down and
 * padLeft columns right (either may be negative: a crop), zero elsewhere.
 */
function padPlanes(src: usize, planes: i32, h: i32, w: i32, padTop: i32, padLeft: i32, Hp: i32, Wp: i32, dst: usize): void {
  const lo = max(0, padLeft), hi = min(Wp, padLeft + w);
  for (let c = 0; c < planes; c++) {
    const plane = at(src, c * h * w);
    for (let r = 0; r < Hp; r++) {
      const row = at(dst, (c * Hp + r) * Wp), ir = r - padTop;
      if (ir < 0 || ir >= h || lo >= hi) { memory.fill(row, 0, <usize>Wp << 2); continue; }
      if (lo > 0) memory.fill(row, 0, <usize>lo << 2);
      memory.copy(at(row, lo), at(plane, ir * w + lo - padLeft), <usize>(hi - lo) << 2);
      if (hi < Wp) memory.fill(at(row, hi), 0, <usize>(Wp - hi) << 2);
    }
  }
}

/** Byte offsets of the taps (c, a, b) from a position's corner, in planes of Hp × Wp. */
function fillTaps(offs: usize, cig: i32, kH: i32, kW: i32, dH: i32, dW: i32, Hp: i32, Wp: i32): void {
  let k = 0;
  for (let c = 0; c < cig; c++) {
    for (let a = 0; a < kH; a++) {
      for (let b = 0; b < kW; b++, k++) store<i32>(at(offs, k), (c * Hp * Wp + a * dH * Wp + b * dW) << 2);
    }
  }
}

/** Byte offsets of the output positions' corners (oh·sH·Wp + ow·sW) in the padded planes. */
function fillPositions(pos: usize, hOut: i32, wOut: i32, sH: i32, sW: i32, Wp: i32): void {
  for (let oh = 0, p = 0; oh < hOut; oh++) {
    for (let ow = 0; ow < wOut; ow++, p++) store<i32>(at(pos, p), (oh * sH * Wp + ow * sW) << 2);
  }
}

/**
 * Packs, per group and panel of 8 rows, M[r][i] as [i][8] (zero past the rows):
 * mode 0 (forward): rows = the group's cog output channels, i = the K taps, M = w;
 * mode 1 (the input gradient's flipped forward): rows = the cig input channels, i = (o, a, b) of
 *   cog·kH·kW, M[c][(o, a, b)] = w[o][c][kH−1−a][kW−1−b] (the flipped, transposed weight).
 */
export function convPackWeight(g: usize, w: usize, dst: usize, mode: i32): void {
  const groups = geo(g, GROUPS), cig = geo(g, CIN) / groups, cog = geo(g, COUT) / groups;
  const kHW = geo(g, KH) * geo(g, KW), K = cig * kHW;
  const rows = mode == 0 ? cog : cig, inner = mode == 0 ? K : cog * kHW;
  let d = dst;
  for (let gr = 0; gr < groups; gr++) {
    const wg = at(w, gr * cog * K);
    for (let r0 = 0; r0 < rows; r0 += NR) {
      for (let i = 0; i < inner; i++) {
        for (let j = 0; j < NR; j++, d += 4) {
          const r = r0 + j;
          let v: f32 = 0;
          if (r < rows) {
            if (mode == 0) v = load<f32>(at(wg, r * K + i));
            else { const o = i / kHW, t = i - o * kHW; v = load<f32>(at(wg, o * K + r * kHW + kHW - 1 - t)); }
          }
          store<f32>(d, v);
        }
      }
    }
  }
}

/**
 * The forward micro-kernel: a tile of 4 output positions × 8 channels, Σ over K of
 * A[pos_i + offs[k]] · panel[k][0..8], written transposed to out (channel j at out + j·ldo, the 4
 * positions contiguous) plus bias[j] (bias 0: none), relu if asked; only channels < nCh and
 * positions < nPos are stored.
 */
function microForward(K: i32, a0: usize, a1: usize, a2: usize, a3: usize, offs: usize, panel: usize, out: usize, ldo: usize,
  nCh: i32, nPos: i32, bias: usize, relu: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let pb = panel;
  for (let k = 0; k < K; k++) {
    const o = <usize>load<i32>(offs + (<usize>k << 2));
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let s = v128.load32_splat(a0 + o);
    c00 = madd(s, b0, c00); c01 = madd(s, b1, c01);
    s = v128.load32_splat(a1 + o);
    c10 = madd(s, b0, c10); c11 = madd(s, b1, c11);
    s = v128.load32_splat(a2 + o);
    c20 = madd(s, b0, c20); c21 = madd(s, b1, c21);
    s = v128.load32_splat(a3 + o);
    c30 = madd(s, b0, c30); c31 = madd(s, b1, c31);
    pb += NR * 4;
  }
  // Transpose: row i holds position i's channels; channel j's 4 positions are one vector.
  storeChannels(c00, c10, c20, c30, out, ldo, min(nCh, 4), nPos, bias, relu);
  if (nCh > 4) storeChannels(c01, c11, c21, c31, out + 4 * ldo, ldo, nCh - 4, nPos, bias ? bias + 16 : 0, relu);
}

/** Writes channels 0..nCh−1 (≤ 4) of a 4 positions × 4 channels block, transposed, with bias and relu. */
// @ts-ignore: decorator
@inline function storeChannels(r0: v128, r1: v128, r2: v128, r3: v128, out: usize, ldo: usize, nCh: i32, nPos: i32,
  bias: usize, relu: bool): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  storeRow(i32x4.shuffle(t0, t1, 0, 1, 4, 5), out, nPos, bias, relu);
  if (nCh > 1) storeRow(i32x4.shuffle(t0, t1, 2, 3, 6, 7), out + ldo, nPos, bias ? bias + 4 : 0, relu);
  if (nCh > 2) storeRow(i32x4.shuffle(t2, t3, 0, 1, 4, 5), out + 2 * ldo, nPos, bias ? bias + 8 : 0, relu);
  if (nCh > 3) storeRow(i32x4.shuffle(t2, t3, 2, 3, 6, 7), out + 3 * ldo, nPos, bias ? bias + 12 : 0, relu);
}

// @ts-ignore: decorator
@inline function storeRow(v: v128, out: usize, nPos: i32, bias: usize, relu: bool): void {
  if (bias) v = f32x4.add(v, v128.load32_splat(bias));
  if (relu) v = reluVec(v);
  if (nPos == 4) { v128.store(out, v); return; }
  store<f32>(out, f32x4.extract_lane(v, 0));
  if (nPos > 1) store<f32>(out, f32x4.extract_lane(v, 1), 4);
  if (nPos > 2) store<f32>(out, f32x4.extract_lane(v, 2), 8);
}

/**
 * out[rows][P] = A · packed (+ bias, relu) for one sample's group: A[p][k] = src[pos[p] + offs[k]],
 * `packed` the group's panels ([K][8] each, rows in panels of 8); out rows P floats apart.
 */
function forwardTiles(rows: i32, K: i32, P: i32, src: usize, pos: usize, offs: usize, packed: usize, out: usize, bias: usize, relu: bool): void {
  const ldo = <usize>P << 2;
  for (let r0 = 0; r0 < rows; r0 += NR) {
    const panel = packed + (<usize>(r0 * K) << 2), nCh = min(NR, rows - r0);
    const o = at(out, r0 * P), b = bias ? at(bias, r0) : 0;
    for (let p = 0; p < P; p += MP) {
      const nPos = min(MP, P - p), last = P - 1;
      const a0 = src + <usize>load<i32>(at(pos, p));
      const a1 = src + <usize>load<i32>(at(pos, min(p + 1, last))), a2 = src + <usize>load<i32>(at(pos, min(p + 2, last)));
      const a3 = src + <usize>load<i32>(at(pos, min(p + 3, last)));
      microForward(K, a0, a1, a2, a3, offs, panel, at(o, p), ldo, nCh, nPos, b, relu);
    }
  }
}

/**
 * One channel convolved with its own kernel (a depthwise convolution's group): out[oh][ow] =
 * Σ_k w[k]·src[oh·sH·Wp + ow·sW + offs[k]] (+ bias, relu), 8 then 4 columns at a time with column
 * stride 1. `w` is a packed panel: tap k's weight every 8 floats. The 4×8 tiles would use 1 lane in 8.
 */
function depthwisePlane(K: i32, src: usize, offs: usize, w: usize, hOut: i32, wOut: i32, sH: i32, sW: i32, Wp: i32, out: usize,
  bias: usize, relu: bool): void {
  const bv = bias ? load<f32>(bias) : <f32>0, b4 = f32x4.splat(bv);
  for (let oh = 0; oh < hOut; oh++) {
    const row = src + (<usize>(oh * sH * Wp) << 2), dst = at(out, oh * wOut);
    let ow = 0;
    if (sW == 1) {
      for (; ow + 8 <= wOut; ow += 8) {
        let a0 = b4, a1 = b4;
        const r = row + (<usize>ow << 2);
        for (let k = 0; k < K; k++) {
          const x = r + <usize>load<i32>(at(offs, k)), wk = v128.load32_splat(w + (<usize>k << 5));
          a0 = madd(wk, v128.load(x), a0); a1 = madd(wk, v128.load(x, 16), a1);
        }
        if (relu) { a0 = reluVec(a0); a1 = reluVec(a1); }
        v128.store(at(dst, ow), a0); v128.store(at(dst, ow), a1, 16);
      }
      for (; ow + 4 <= wOut; ow += 4) {
        let a0 = b4;
        const r = row + (<usize>ow << 2);
        for (let k = 0; k < K; k++) a0 = madd(v128.load32_splat(w + (<usize>k << 5)), v128.load(r + <usize>load<i32>(at(offs, k))), a0);
        v128.store(at(dst, ow), relu ? reluVec(a0) : a0);
      }
    }
    for (; ow < wOut; ow++) {
      let v = bv;
      const r = row + (<usize>(ow * sW) << 2);
      for (let k = 0; k < K; k++) v += load<f32>(w + (<usize>k << 5)) * load<f32>(r + <usize>load<i32>(at(offs, k)));
      store<f32>(at(dst, ow), relu && !(v > 0 || isNaN(v)) ? 0 : v);
    }
  }
}

/**
 * out[n] = conv(x[n], w) + bias (0: none), then relu if asked, for samples n0..n1−1, with the
 * weight packed by convPackWeight(mode 0). `scratch` holds convScratchFloats(g, 0) floats.
 */
export function conv2dForward(g: usize, x: usize, packed: usize, bias: usize, out: usize, relu: bool, n0: i32, n1: i32, scratch: usize): void {
  const groups = geo(g, GROUPS), cIn = geo(g, CIN), cOut = geo(g, COUT), cig = cIn / groups, cog = cOut / groups;
  const h = geo(g, H), w = geo(g, W), K = cig * geo(g, KH) * geo(g, KW), P = geo(g, HOUT) * geo(g, WOUT);
  const Hp = extentH(g), Wp = extentW(g), inPlace = readsInPlace(g);
  const offs = scratch, pos = at(offs, up4(K)), planes = at(pos, up4(P));
  fillTaps(offs, cig, geo(g, KH), geo(g, KW), geo(g, DH), geo(g, DW), Hp, Wp);
  fillPositions(pos, geo(g, HOUT), geo(g, WOUT), geo(g, SH), geo(g, SW), Wp);
  const groupPacked = <usize>((cog + NR - 1) / NR * NR * K) << 2;
  for (let n = n0; n < n1; n++) {
    for (let gr = 0; gr < groups; gr++) {
      const xg = at(x, (n * cIn + gr * cig) * h * w);
      if (!inPlace) padPlanes(xg, cig, h, w, geo(g, PH), geo(g, PW), Hp, Wp, planes);
      const src = inPlace ? xg : planes, pg = packed + <usize>gr * groupPacked, og = at(out, (n * cOut + gr * cog) * P);
      const bg = bias ? at(bias, gr * cog) : 0;
      if (cig == 1 && cog == 1) depthwisePlane(K, src, offs, pg, geo(g, HOUT), geo(g, WOUT), geo(g, SH), geo(g, SW), Wp, og, bg, relu);
      else forwardTiles(cog, K, P, src, pos, offs, pg, og, bg, relu);
    }
  }
}

/** How conv2dBackwardInput runs: 1 the forward of dy with the flipped weight, 2 dy·W scattered through the taps. */
export function convInputPath(g: usize): i32 { return flipsForInput(g) ? 1 : 2; }

/**
 * With stride 1 both ways work: the flipped forward runs over dy padded by the kernel's reach
 * (mostly zeros for a big kernel on a small map); the scatter multiplies only what counts but
 * pays ~300 multiply-adds' worth per 4-tap × 8-position tile to add it back. Measured per sample
 * (flip vs scatter): LeNet conv1 38 vs 15 µs, conv2 25 vs 16 µs, a ResNet 3×3 (32 channels,
 * 14×14) 74 vs 78 µs — the model below, in multiply-adds, predicts all three.
 */
function flipsForInput(g: usize): bool {
  if (!unitStride(g)) return false;
  const groups = geo(g, GROUPS), cig = geo(g, CIN) / groups, cog = geo(g, COUT) / groups, kHW = geo(g, KH) * geo(g, KW);
  if (cig == 1 && cog == 1) return true; // depthwise: the flipped forward runs on depthwisePlane
  const P = geo(g, HOUT) * geo(g, WOUT), hw = <f64>(geo(g, H) * geo(g, W));
  const flip = <f64>(panels(cig) * NR) * hw * <f64>(cog * kHW);
  const tiles = <f64>((cig * kHW + MP - 1) / MP) * <f64>((P + NR - 1) / NR);
  return flip <= tiles * <f64>(MP * NR * cog + 300);
}

/**
 * dx[n] = the input gradient of conv for samples n0..n1−1 (overwritten), from dy and the weight:
 * packed by convPackWeight(mode 1) when convInputPath(g) is 1, as it is when 2.
 * `scratch` holds convScratchFloats(g, 1) floats.
 */
export function conv2dBackwardInput(g: usize, dy: usize, weight: usize, dx: usize, n0: i32, n1: i32, scratch: usize): void {
  const groups = geo(g, GROUPS), cIn = geo(g, CIN), cOut = geo(g, COUT), cig = cIn / groups, cog = cOut / groups;
  const h = geo(g, H), w = geo(g, W), kH = geo(g, KH), kW = geo(g, KW), dH = geo(g, DH), dW = geo(g, DW);
  const hOut = geo(g, HOUT), wOut = geo(g, WOUT), kHW = kH * kW, K = cig * kHW, P = hOut * wOut;
  if (flipsForInput(g)) {
    // The forward of dy padded by the kernel's reach minus the padding (negative: cropped), onto x's grid.
    const Hq = h + (kH - 1) * dH, Wq = w + (kW - 1) * dW, Kt = cog * kHW;
    const offs = scratch, pos = at(offs, up4(Kt)), planes = at(pos, up4(h * w));
    fillTaps(offs, cog, kH, kW, dH, dW, Hq, Wq);
    fillPositions(pos, h, w, 1, 1, Wq);
    const groupPacked = <usize>((cig + NR - 1) / NR * NR * Kt) << 2;
    for (let n = n0; n < n1; n++) {
      for (let gr = 0; gr < groups; gr++) {
        padPlanes(at(dy, (n * cOut + gr * cog) * P), cog, hOut, wOut, (kH - 1) * dH - geo(g, PH), (kW - 1) * dW - geo(g, PW), Hq, Wq, planes);
        const wg = weight + <usize>gr * groupPacked, dxg = at(dx, (n * cIn + gr * cig) * h * w);
        if (cig == 1 && cog == 1) depthwisePlane(Kt, planes, offs, wg, h, w, 1, 1, Wq, dxg, 0, false);
        else forwardTiles(cig, Kt, h * w, planes, pos, offs, wg, dxg, 0, false);
      }
    }
    return;
  }
  // The scatter: dA[k][p] = Σ_o w[o][k]·dy[o][p], 4 taps × 8 positions at a time with both operands
  // read in place (w's rows; dy's rows, copied with a little zeroed slack so the last tile stays
  // inside), added into zeroed padded planes through the taps (col2im without the column matrix);
  // the planes' inside is then dx.
  const Hp = extentH(g), Wp = extentW(g), sW = geo(g, SW);
  const offs = scratch, pos = at(offs, up4(K)), rows = at(pos, up4(P)), planes = at(rows, cog * P + NR);
  fillTaps(offs, cig, kH, kW, dH, dW, Hp, Wp);
  fillPositions(pos, hOut, wOut, geo(g, SH), sW, Wp);
  memory.fill(at(rows, cog * P), 0, NR << 2);
  const pH = geo(g, PH), pW = geo(g, PW), ldw = <usize>K << 2, ldb = <usize>P << 2;
  for (let n = n0; n < n1; n++) {
    for (let gr = 0; gr < groups; gr++) {
      memory.fill(planes, 0, <usize>(cig * Hp * Wp) << 2);
      memory.copy(rows, at(dy, (n * cOut + gr * cog) * P), <usize>(cog * P) << 2);
      const wg = at(weight, gr * cog * K);
      for (let k = 0; k < K; k += MP) {
        const nTaps = min(MP, K - k), a = at(wg, k);
        for (let p = 0; p < P; p += NR) {
          microTaps(cog, a, ldw, nTaps > 1 ? 4 : 0, nTaps > 2 ? 8 : 0, nTaps > 3 ? 12 : 0, at(rows, p), ldb,
            planes, at(offs, k), nTaps, pos, p, P, sW == 1);
        }
      }
      // dx = the planes' inside (rows pH.., columns pW..); input rows or columns no output reaches stay 0.
      const dxg = at(dx, (n * cIn + gr * cig) * h * w);
      for (let c = 0; c < cig; c++) {
        for (let ih = 0; ih < h; ih++) {
          const row = at(dxg, (c * h + ih) * w), r = ih + pH;
          const cols = r < Hp ? max(0, min(w, Wp - pW)) : 0;
          if (cols > 0) memory.copy(row, at(planes, (c * Hp + r) * Wp + pW), <usize>cols << 2);
          if (cols < w) memory.fill(at(row, cols), 0, <usize>(w - cols) << 2);
        }
      }
    }
  }
}

/**
 * The scatter's micro-kernel: for taps k..k+3 (weights at a + t_i, rows ldw bytes apart per output
 * channel; t_0 = 0) and positions p..p+7 (dy at b, rows ldb bytes apart), dA = Σ_o w·dy, added to
 * planes + pos[q] + offs[i] for the nTaps taps and the positions q < P. Four positions in one
 * output row are contiguous in the planes when `unit` (column stride 1): one vector add then.
 */
function microTaps(cog: i32, a: usize, ldw: usize, t1: usize, t2: usize, t3: usize, b: usize, ldb: usize,
  planes: usize, offs: usize, nTaps: i32, pos: usize, p: i32, P: i32, unit: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let o = 0; o < cog; o++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let s = v128.load32_splat(a);
    c00 = madd(s, b0, c00); c01 = madd(s, b1, c01);
    s = v128.load32_splat(a + t1);
    c10 = madd(s, b0, c10); c11 = madd(s, b1, c11);
    s = v128.load32_splat(a + t2);
    c20 = madd(s, b0, c20); c21 = madd(s, b1, c21);
    s = v128.load32_splat(a + t3);
    c30 = madd(s, b0, c30); c31 = madd(s, b1, c31);
    a += ldw; b += ldb;
  }
  scatterTap(c00, c01, planes + <usize>load<i32>(offs), pos, p, P, unit);
  if (nTaps > 1) scatterTap(c10, c11, planes + <usize>load<i32>(offs, 4), pos, p, P, unit);
  if (nTaps > 2) scatterTap(c20, c21, planes + <usize>load<i32>(offs, 8), pos, p, P, unit);
  if (nTaps > 3) scatterTap(c30, c31, planes + <usize>load<i32>(offs, 12), pos, p, P, unit);
}

/** Adds one tap's values at positions p..p+7 (two vectors) to base + pos[q], for q < P. */
// @ts-ignore: decorator
@inline function scatterTap(lo: v128, hi: v128, base: usize, pos: usize, p: i32, P: i32, unit: bool): void {
  scatterVec(lo, base, pos, p, P, unit);
  if (p + 4 < P) scatterVec(hi, base, pos, p + 4, P, unit);
}

// @ts-ignore: decorator
@inline function scatterVec(v: v128, base: usize, pos: usize, q: i32, P: i32, unit: bool): void {
  const first = load<i32>(at(pos, q));
  if (unit && q + 3 < P && load<i32>(at(pos, q + 3)) - first == 12) {
    const d = base + <usize>first;
    v128.store(d, f32x4.add(v128.load(d), v));
    return;
  }
  addAt(base + <usize>first, f32x4.extract_lane(v, 0));
  if (q + 1 < P) addAt(base + <usize>load<i32>(at(pos, q + 1)), f32x4.extract_lane(v, 1));
  if (q + 2 < P) addAt(base + <usize>load<i32>(at(pos, q + 2)), f32x4.extract_lane(v, 2));
  if (q + 3 < P) addAt(base + <usize>load<i32>(at(pos, q + 3)), f32x4.extract_lane(v, 3));
}

// @ts-ignore: decorator
@inline function addAt(d: usize, v: f32): void { store<f32>(d, load<f32>(d) + v); }

/**
 * The weight-gradient micro-kernel: for 4 taps (A rows at a + o_i, o_0 = 0) and a panel of 8
 * channels of dyᵀ (pk[p][0..8]), Σ over the positions (nRows rows of len, rowStep / colStep bytes
 * apart in A) of A·dyᵀ, added to dst's rows i < nTaps (ldd bytes apart).
 */
function microWeight(nRows: i32, len: i32, rowStep: usize, colStep: usize, a: usize, o1: usize, o2: usize, o3: usize, nTaps: i32,
  pk: usize, dst: usize, ldd: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let pb = pk;
  for (let r = 0; r < nRows; r++) {
    let pa = a + <usize>r * rowStep;
    for (let i = 0; i < len; i++, pa += colStep) {
      const b0 = v128.load(pb), b1 = v128.load(pb, 16);
      let s = v128.load32_splat(pa);
      c00 = madd(s, b0, c00); c01 = madd(s, b1, c01);
      s = v128.load32_splat(pa + o1);
      c10 = madd(s, b0, c10); c11 = madd(s, b1, c11);
      s = v128.load32_splat(pa + o2);
      c20 = madd(s, b0, c20); c21 = madd(s, b1, c21);
      s = v128.load32_splat(pa + o3);
      c30 = madd(s, b0, c30); c31 = madd(s, b1, c31);
      pb += NR * 4;
    }
  }
  addRow(dst, c00, c01);
  if (nTaps > 1) addRow(dst + ldd, c10, c11);
  if (nTaps > 2) addRow(dst + 2 * ldd, c20, c21);
  if (nTaps > 3) addRow(dst + 3 * ldd, c30, c31);
}

// @ts-ignore: decorator
@inline function addRow(d: usize, lo: v128, hi: v128): void {
  v128.store(d, f32x4.add(v128.load(d), lo));
  v128.store(d, f32x4.add(v128.load(d, 16), hi), 16);
}

/**
 * Partial weight (and bias) gradients of samples n0..n1−1 into `partial` (convScratchFloats(g, 3)
 * floats, overwritten): dWᵀ per group [K][cog rounded to 8] (when wantW), then Σ dy per channel
 * (when wantB). `scratch` holds convScratchFloats(g, 2) floats.
 */
export function conv2dBackwardWeight(g: usize, x: usize, dy: usize, wantW: bool, wantB: bool, partial: usize, n0: i32, n1: i32,
  scratch: usize): void {
  const groups = geo(g, GROUPS), cIn = geo(g, CIN), cOut = geo(g, COUT), cig = cIn / groups, cog = cOut / groups;
  const h = geo(g, H), w = geo(g, W), hOut = geo(g, HOUT), wOut = geo(g, WOUT);
  const K = cig * geo(g, KH) * geo(g, KW), P = hOut * wOut, cogR = (cog + NR - 1) / NR * NR;
  const Hp = extentH(g), Wp = extentW(g), inPlace = readsInPlace(g);
  const dwT = partial, db = at(partial, groups * K * cogR);
  memory.fill(partial, 0, <usize>convScratchFloats(g, WEIGHT_PARTIAL) << 2);
  const offs = scratch, planes = at(offs, up4(K)), pk = at(planes, inPlace ? 0 : cig * Hp * Wp);
  fillTaps(offs, cig, geo(g, KH), geo(g, KW), geo(g, DH), geo(g, DW), Hp, Wp);
  const rowStep = <usize>(geo(g, SH) * Wp) << 2, colStep = <usize>geo(g, SW) << 2;
  for (let n = n0; n < n1; n++) {
    if (wantB) {
      for (let o = 0; o < cOut; o++) {
        const row = at(dy, (n * cOut + o) * P);
        let s = f32x4.splat(0), p = 0;
        for (; p + 4 <= P; p += 4) s = f32x4.add(s, v128.load(at(row, p)));
        let t = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
        for (; p < P; p++) t += load<f32>(at(row, p));
        store<f32>(at(db, o), load<f32>(at(db, o)) + t);
      }
    }
    if (!wantW) continue;
    for (let gr = 0; gr < groups; gr++) {
      const xg = at(x, (n * cIn + gr * cig) * h * w);
      if (!inPlace) padPlanes(xg, cig, h, w, geo(g, PH), geo(g, PW), Hp, Wp, planes);
      const src = inPlace ? xg : planes;
      if (cig == 1 && cog == 1) {
        depthwiseWeight(K, src, offs, at(dy, (n * cOut + gr) * P), hOut, wOut, geo(g, SH), geo(g, SW), Wp, at(dwT, gr * K * cogR));
        continue;
      }
      for (let o0 = 0; o0 < cog; o0 += NR) {
        // dyᵀ for channels o0..o0+7 of the group: pk[p][j], zero past the group's channels.
        const nCh = min(NR, cog - o0), dyg = at(dy, (n * cOut + gr * cog + o0) * P);
        for (let p = 0; p < P; p++) {
          for (let j = 0; j < NR; j++) store<f32>(at(pk, p * NR + j), j < nCh ? load<f32>(at(dyg, j * P + p)) : 0);
        }
        for (let k = 0; k < K; k += MP) {
          const nTaps = min(MP, K - k), o = load<i32>(at(offs, k));
          const d1 = nTaps > 1 ? <usize>(load<i32>(at(offs, k + 1)) - o) : 0;
          const d2 = nTaps > 2 ? <usize>(load<i32>(at(offs, k + 2)) - o) : 0;
          const d3 = nTaps > 3 ? <usize>(load<i32>(at(offs, k + 3)) - o) : 0;
          microWeight(hOut, wOut, rowStep, colStep, src + <usize>o, d1, d2, d3, nTaps, pk, at(dwT, (gr * K + k) * cogR + o0), <usize>cogR << 2);
        }
      }
    }
  }
}

/**
 * A depthwise group's weight gradient: dst[k·8] += Σ_{oh, ow} dy[oh][ow]·src[oh·sH·Wp + ow·sW + offs[k]]
 * (the partial sums' [K][8] layout, lane 0); 4 taps at a time (4 independent sums share each load
 * of dy), 4 columns at a time with column stride 1. Taps past K repeat the last and are not stored.
 */
function depthwiseWeight(K: i32, src: usize, offs: usize, dy: usize, hOut: i32, wOut: i32, sH: i32, sW: i32, Wp: i32, dst: usize): void {
  for (let k = 0; k < K; k += 4) {
    const o0 = <usize>load<i32>(at(offs, k)), o1 = <usize>load<i32>(at(offs, min(k + 1, K - 1)));
    const o2 = <usize>load<i32>(at(offs, min(k + 2, K - 1))), o3 = <usize>load<i32>(at(offs, min(k + 3, K - 1)));
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0;
    for (let oh = 0; oh < hOut; oh++) {
      const row = src + (<usize>(oh * sH * Wp) << 2), d = at(dy, oh * wOut);
      let ow = 0;
      if (sW == 1) {
        for (; ow + 4 <= wOut; ow += 4) {
          const v = v128.load(at(d, ow)), r = at(row, ow);
          a0 = madd(v, v128.load(r + o0), a0); a1 = madd(v, v128.load(r + o1), a1);
          a2 = madd(v, v128.load(r + o2), a2); a3 = madd(v, v128.load(r + o3), a3);
        }
      }
      for (; ow < wOut; ow++) {
        const v = load<f32>(at(d, ow)), r = at(row, ow * sW);
        t0 += v * load<f32>(r + o0); t1 += v * load<f32>(r + o1); t2 += v * load<f32>(r + o2); t3 += v * load<f32>(r + o3);
      }
    }
    addLanes(at(dst, k * NR), a0, t0);
    if (k + 1 < K) addLanes(at(dst, (k + 1) * NR), a1, t1);
    if (k + 2 < K) addLanes(at(dst, (k + 2) * NR), a2, t2);
    if (k + 3 < K) addLanes(at(dst, (k + 3) * NR), a3, t3);
  }
}

/** *p += the sum of v's lanes + t. */
// @ts-ignore: decorator
@inline function addLanes(p: usize, v: v128, t: f32): void {
  store<f32>(p, load<f32>(p) + t + f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * dw[o][k] = beta·dw + Σ_t partial_t (dWᵀ per group), db = betaBias·db + Σ_t bias partial_t,
 * over `count` partials `stride` bytes apart; dw / db 0 when not wanted. beta 0 overwrites.
 */
export function convReduceWeight(g: usize, partials: usize, count: i32, stride: usize, dw: usize, db: usize, beta: f32, betaBias: f32): void {
  const groups = geo(g, GROUPS), cOut = geo(g, COUT), cig = geo(g, CIN) / groups, cog = cOut / groups;
  const K = cig * geo(g, KH) * geo(g, KW), cogR = (cog + NR - 1) / NR * NR;
  if (dw) {
    for (let o = 0; o < cOut; o++) {
      const gr = o / cog, col = o - gr * cog;
      for (let k = 0; k < K; k++) {
        const idx = (gr * K + k) * cogR + col;
        let s: f32 = 0;
        for (let t = 0; t < count; t++) s += load<f32>(at(partials + <usize>t * stride, idx));
        const d = at(dw, o * K + k);
        store<f32>(d, beta == 0 ? s : beta * load<f32>(d) + s);
      }
    }
  }
  if (db) {
    const base = groups * K * cogR;
    for (let o = 0; o < cOut; o++) {
      let s: f32 = 0;
      for (let t = 0; t < count; t++) s += load<f32>(at(partials + <usize>t * stride, base + o));
      const d = at(db, o);
      store<f32>(d, betaBias == 0 ? s : betaBias * load<f32>(d) + s);
    }
  }
}
