/**
 * The top two principal components of a point cloud, for drawing a hidden layer in 2-D. Pure
 * arithmetic (no gradlab), so the browser tests can check a page's projection in Node.
 */

/** Projects rows of `a` (n × d) onto their top-2 principal directions: (n, 2) interleaved. */
export function pca2(
  a: ArrayLike<number>,
  n: number,
  d: number,
  iterations = 80,
): { points: Float32Array; components: Float64Array[] } {
  if (d <= 2) {
    const out = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      out[2 * i] = a[i * d];
      out[2 * i + 1] = d > 1 ? a[i * d + 1] : 0;
    }
    const e = (j: number) => Float64Array.from({ length: d }, (_, k) => (k === j ? 1 : 0));
    return { points: out, components: [e(0), e(1)] };
  }
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += a[i * d + j] / n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = a[i * d + j] - mean[j];
    for (let j = 0; j < d; j++) {
      const x = row[j];
      if (x === 0) continue;
      for (let k = j; k < d; k++) cov[j * d + k] += x * row[k];
    }
  }
  for (let j = 0; j < d; j++) for (let k = 0; k < j; k++) cov[j * d + k] = cov[k * d + j];
  const components: Float64Array[] = [];
  for (let c = 0; c < 2; c++) {
    // Power iteration from a fixed start, deflated against the components already found.
    let v = Float64Array.from({ length: d }, (_, i) => Math.sin(1.7 * i + 1 + c));
    for (let it = 0; it < iterations; it++) {
      const w = new Float64Array(d);
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += cov[j * d + k] * v[k];
        w[j] = s;
      }
      for (const p of components) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += w[j] * p[j];
        for (let j = 0; j < d; j++) w[j] -= dot * p[j];
      }
      let norm = 0;
      for (let j = 0; j < d; j++) norm += w[j] * w[j];
      norm = Math.sqrt(norm) || 1;
      v = w.map((x) => x / norm);
    }
    components.push(v);
  }
  const points = new Float32Array(n * 2);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (a[i * d + j] - mean[j]) * components[c][j];
      points[2 * i + c] = s;
    }
  return { points, components };
}

/**
 * How well classes separate in 2-D: the accuracy of the nearest class mean (each point assigned
 * to the class whose centroid is closest), a number that does not depend on the projection's
 * rotation or sign.
 */
export function nearestCentroidAccuracy(points: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  const n = labels.length,
    cx = new Float64Array(classes),
    cy = new Float64Array(classes),
    cnt = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    cx[labels[i]] += points[2 * i];
    cy[labels[i]] += points[2 * i + 1];
    cnt[labels[i]]++;
  }
  for (let k = 0; k < classes; k++)
    if (cnt[k]) {
      cx[k] /= cnt[k];
      cy[k] /= cnt[k];
    }
  let ok = 0;
  for (let i = 0; i < n; i++) {
    let best = -1,
      bd = Infinity;
    for (let k = 0; k < classes; k++) {
      if (!cnt[k]) continue;
      const dd = (points[2 * i] - cx[k]) ** 2 + (points[2 * i + 1] - cy[k]) ** 2;
      if (dd < bd) {
        bd = dd;
        best = k;
      }
    }
    if (best === labels[i]) ok++;
  }
  return n ? ok / n : NaN;
}
