/**
 * MNIST's own preprocessing for a digit from anywhere else (a drawing, a photo of paper): the ink
 * is cropped, scaled to fit a 20×20 box, placed in 28×28 and shifted so its centre of mass sits in
 * the middle — what LeCun et al. did to the NIST digits, so a model trained on MNIST sees the same
 * framing. Shared by `gradlab predict` and the lab's drawing pad.
 *
 * @example
 * const x = mnistStyle(grey, 200, 200);              // Float32Array(784) in [0, 1], or null if blank
 * model(tensor(x!, { shape: [1, 784] })).argmax(1);
 */

/** Pixels brighter than this (after inversion) count as ink for the crop (30/255, as the lab used). */
const INK = 30 / 255;
const CENTRE = 14;

/**
 * @param grey  row-major greyscale in [0, 1], `width`×`height`; dark-on-light pictures (judged by
 *              the border) are inverted to MNIST's light-on-dark
 * @returns 784 values in [0, 1], or null when there is no ink at all
 */
export function mnistStyle(grey: ArrayLike<number>, width: number, height: number): Float32Array | null {
  const img = Float32Array.from(grey);
  let border = 0;
  for (let x = 0; x < width; x++) border += img[x] + img[(height - 1) * width + x];
  for (let y = 0; y < height; y++) border += img[y * width] + img[y * width + width - 1];
  if (border / (2 * (width + height)) > 0.5) for (let i = 0; i < img.length; i++) img[i] = 1 - img[i];

  let x0 = width,
    x1 = -1,
    y0 = height,
    y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (img[y * width + x] > INK) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1,
    bh = y1 - y0 + 1,
    scale = 20 / Math.max(bw, bh);
  // Area-weighted resampling of the crop into a (bw·scale)×(bh·scale) box centred in 28×28.
  const wx = weights(x0, bw, scale, (28 - bw * scale) / 2);
  const wy = weights(y0, bh, scale, (28 - bh * scale) / 2);
  const boxed = new Float32Array(784);
  for (const [oy, ys] of wy) {
    for (const [ox, xs] of wx) {
      // An output pixel spans 1/scale source pixels a side; any part of it outside the crop is background.
      let s = 0;
      for (const [y, a] of ys) for (const [x, b] of xs) s += a * b * img[y * width + x];
      boxed[oy * 28 + ox] = s * scale * scale;
    }
  }

  let m = 0,
    cx = 0,
    cy = 0;
  for (let i = 0; i < 784; i++) {
    m += boxed[i];
    cx += boxed[i] * (i % 28);
    cy += boxed[i] * Math.floor(i / 28);
  }
  // MNIST's digits have their centre of mass at pixel (14, 14) (measured: 14.00, 13.99 over 2,000 test digits).
  const sx = Math.round(CENTRE - cx / m),
    sy = Math.round(CENTRE - cy / m);
  const out = new Float32Array(784);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const nx = x + sx,
        ny = y + sy;
      if (nx >= 0 && nx < 28 && ny >= 0 && ny < 28) out[ny * 28 + nx] = boxed[y * 28 + x];
    }
  }
  return out;
}

/**
 * For each output pixel o (0..27) that the scaled crop covers, the source pixels it overlaps and
 * by how much: output pixel o spans source [(o − offset)/scale, (o + 1 − offset)/scale) from `start`.
 */
function weights(start: number, len: number, scale: number, offset: number): Array<[number, Array<[number, number]>]> {
  const rows: Array<[number, Array<[number, number]>]> = [];
  for (let o = 0; o < 28; o++) {
    const a = Math.max(0, (o - offset) / scale),
      b = Math.min(len, (o + 1 - offset) / scale);
    if (b <= a) continue;
    const ws: Array<[number, number]> = [];
    for (let s = Math.floor(a); s < b; s++) {
      const w = Math.min(b, s + 1) - Math.max(a, s);
      if (w > 0) ws.push([start + s, w]);
    }
    rows.push([o, ws]);
  }
  return rows;
}
