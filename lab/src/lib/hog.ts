/**
 * Hand-engineered features for the opening question's option (b): a histogram of oriented
 * gradients (HOG, Dalal & Triggs 2005) sized for 28×28 digits. Nothing here is learned: the
 * gradient filter, the 7×7-pixel cells, the 9 orientation bins and the block normalisation are all
 * design decisions, which is the point of the comparison. Pure arithmetic, no gradlab, so the
 * tests can compute the same features in Node.
 */
export const HOG_SIDE = 28;
/** 4×4-pixel cells: about a stroke's width, so each cell sees one stroke's direction. */
export const HOG_CELL = 4;
export const HOG_BINS = 9;
const CELLS = HOG_SIDE / HOG_CELL; // 7 cells per row
const BLOCKS = CELLS - 1; // 2×2-cell blocks at a stride of one cell: 6 per row
/** 6 × 6 blocks × 2 × 2 cells × 9 bins = 1296 features per image. */
export const HOG_FEATURES = BLOCKS * BLOCKS * 4 * HOG_BINS;

/**
 * HOG features of one 28×28 greyscale image (`pixels[offset .. offset + 784)`, any scale) into
 * `out[outOffset .. outOffset + 324)`. Returns `out`.
 */
export function hogInto(pixels: ArrayLike<number>, offset: number, out: Float32Array, outOffset = 0): Float32Array {
  const cells = new Float64Array(CELLS * CELLS * HOG_BINS);
  const px = (r: number, c: number) =>
    r < 0 || c < 0 || r >= HOG_SIDE || c >= HOG_SIDE ? 0 : pixels[offset + r * HOG_SIDE + c];
  for (let r = 0; r < HOG_SIDE; r++) {
    for (let c = 0; c < HOG_SIDE; c++) {
      const gx = px(r, c + 1) - px(r, c - 1),
        gy = px(r + 1, c) - px(r - 1, c);
      const mag = Math.hypot(gx, gy);
      if (mag === 0) continue;
      // Unsigned orientation in [0, π): a stroke's two edges vote for the same bin.
      let angle = Math.atan2(gy, gx);
      if (angle < 0) angle += Math.PI;
      if (angle >= Math.PI) angle -= Math.PI;
      // Split the vote between the two nearest bin centres so a small rotation changes little.
      const pos = (angle / Math.PI) * HOG_BINS - 0.5;
      const lo = Math.floor(pos),
        frac = pos - lo;
      const cell = (Math.floor(r / HOG_CELL) * CELLS + Math.floor(c / HOG_CELL)) * HOG_BINS;
      cells[cell + ((lo + HOG_BINS) % HOG_BINS)] += mag * (1 - frac);
      cells[cell + ((lo + 1) % HOG_BINS)] += mag * frac;
    }
  }
  let o = outOffset;
  for (let br = 0; br < BLOCKS; br++) {
    for (let bc = 0; bc < BLOCKS; bc++) {
      const start = o;
      for (const [dr, dc] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ]) {
        const cell = ((br + dr) * CELLS + bc + dc) * HOG_BINS;
        for (let b = 0; b < HOG_BINS; b++) out[o++] = cells[cell + b];
      }
      normaliseBlock(out, start, o);
    }
  }
  return out;
}

/** L2-Hys: L2-normalise, clip at 0.2 so no single edge dominates, normalise again. */
function normaliseBlock(v: Float32Array, start: number, end: number): void {
  for (let pass = 0; pass < 2; pass++) {
    let sq = 1e-6;
    for (let i = start; i < end; i++) sq += v[i] * v[i];
    const inv = 1 / Math.sqrt(sq);
    for (let i = start; i < end; i++) v[i] = pass === 0 ? Math.min(0.2, v[i] * inv) : v[i] * inv;
  }
}

/** HOG features of the images at `indices` (each 784 values in `pixels`): (indices.length, 1296). */
export function hogBatch(pixels: ArrayLike<number>, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * HOG_FEATURES);
  for (let k = 0; k < indices.length; k++) hogInto(pixels, indices[k] * HOG_SIDE * HOG_SIDE, out, k * HOG_FEATURES);
  return out;
}
