/**
 * Embedding lookups on WebGPU. The backward is a gather over the table, not a scatter: one thread
 * per dWeight element (vocab row r, column j) scans the indices in order and adds dy[i, j] for each
 * index[i] = r, exactly the reference's float32 additions in the reference's order — deterministic
 * and bit-identical, with no float atomics (WGSL has none). The scan costs O(count) per element,
 * fine for the batch × sequence counts a step sees.
 * Index checks: host copies are checked at once with the reference's message; otherwise the
 * kernel reports the first bad index (with its position) and the next read throws it, with the
 * same message.
 */
import { checkEmbeddingIndices } from "../../js/embedding.js";
import { ERR, FLAT, grid, type GpuContext, WGSL_ERRORS } from "../context.js";
import type { GpuStorage } from "../storage.js";
import { header } from "./common.js";

/** out[i, j] = weight[index[i], j]: a thread per output element; a bad index writes 0 and is reported. */
const EMBEDDING = {
  key: "embedding",
  code: () => `${header("n: u32, dim: u32, rows: u32", [
    ["weight", "read", "u32"],
    ["index", "read", "i32"],
    ["out", "read_write", "u32"],
  ])}
${WGSL_ERRORS(4)}
// Only the first bad position reports (so the message names the one the reference names); the scan runs on errors only.
fn first_bad(r: u32) -> bool {
  for (var q = 0u; q < r; q = q + 1u) { let v = index[q]; if (v < 0 || u32(v) >= p.rows) { return false; } }
  return true;
}
${FLAT()}
  if (i >= p.n) { return; }
  let r = i / p.dim; let j = i - r * p.dim;
  let k = index[r];
  if (k < 0 || u32(k) >= p.rows) {
    if (j == 0u && first_bad(r)) { report_at(${ERR.embeddingIndex}u, k, p.rows, r); }
    out[i] = 0u; return;
  }
  out[i] = weight[u32(k) * p.dim + j];
}`,
};

/** dWeight[r, j] += Σ_i dy[i, j] over index[i] = r ≠ paddingIdx, in increasing i. */
const EMBEDDING_BACKWARD = {
  key: "embeddingBackward",
  code: () => `${header("n: u32, dim: u32, count: u32, padding: i32", [
    ["dy", "read"],
    ["index", "read", "i32"],
    ["dw", "read_write"],
  ])}
${FLAT()}
  if (i >= p.n) { return; }
  let r = i32(i / p.dim); let j = i % p.dim;
  if (r == p.padding) { return; }
  var acc = dw[i];
  for (var q = 0u; q < p.count; q = q + 1u) { if (index[q] == r) { acc = acc + dy[q * p.dim + j]; } }
  dw[i] = acc;
}`,
};

export function embeddingKernels(ctx: GpuContext) {
  return {
    embedding(weight: GpuStorage, rows: number, dim: number, index: GpuStorage, out: GpuStorage): void {
      if (index.host) checkEmbeddingIndices(index.host as Int32Array, rows);
      const n = index.length * dim;
      if (!n) return;
      ctx.dispatch(EMBEDDING, "uuu", [n, dim, rows], [weight, index, { s: out, w: true }, "errors"], grid(n));
    },
    embeddingBackward(dy: GpuStorage, index: GpuStorage, dim: number, paddingIdx: number, dWeight: GpuStorage): void {
      if (!dWeight.length || !index.length || !dim) return;
      ctx.dispatch(
        EMBEDDING_BACKWARD,
        "uuui",
        [dWeight.length, dim, index.length, paddingIdx],
        [dy, index, { s: dWeight, w: true }],
        grid(dWeight.length),
      );
    },
  };
}
