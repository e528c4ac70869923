// Minimal MNIST IDX reader (uncompressed files) for the non-gradlab benches and the browser page.
/** Parses image+label IDX bytes into { images: Float32Array [n*784] in [0,1], labels: Int32Array, n }. */
export function parseMnist(imgBytes, lblBytes) {
  const be = (b, o) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  if (be(imgBytes, 0) !== 0x803 || be(lblBytes, 0) !== 0x801) throw new Error("not MNIST IDX files");
  const n = be(imgBytes, 4);
  const images = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) images[i] = imgBytes[16 + i] / 255;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = lblBytes[8 + i];
  return { images, labels, n, rows: 28, cols: 28 };
}
