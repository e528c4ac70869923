/**
 * GEMM on WebGPU: C = alpha·op(A)·op(B) + beta·C + bias, then relu — one tiled kernel per
 * (transA, transB, bias, relu). A workgroup of 16×16 threads computes a 64×64 tile of C, each
 * thread a 4×4 block (rows ty + 16r, cols tx + 16c); K advances in steps of 16 through
 * workgroup memory, both operands stored there k-major so the inner loop is the same for every
 * transpose. Tile loads follow each operand's contiguous direction, so they coalesce.
 */
import type { GemmArgs } from "../../js/gemm.js";
import type { GpuContext } from "../context.js";
import type { GpuStorage } from "../storage.js";
import type { GpuKernels } from "./common.js";
import { header } from "./common.js";

const BM = 64,
  BN = 64,
  BK = 16;

function gemmSource(tA: boolean, tB: boolean, bias: boolean, relu: boolean) {
  const binds: Array<[string, "read" | "read_write"]> = [
    ["a", "read"],
    ["b", "read"],
    ["c", "read_write"],
  ];
  if (bias) binds.push(["bias", "read"]);
  // Thread t loads elements e = t + 256q (q < 4) of each 64×16 tile, walking the operand's contiguous direction.
  const loadA = tA
    ? `let ii = e % ${BM}u; let kk = e / ${BM}u;
       let gi = row0 + ii; let gk = k0 + kk;
       As[kk][ii] = select(0.0, a[p.aOff + gk * p.m + gi], gi < p.m && gk < p.k);`
    : `let kk = e % ${BK}u; let ii = e / ${BK}u;
       let gi = row0 + ii; let gk = k0 + kk;
       As[kk][ii] = select(0.0, a[p.aOff + gi * p.k + gk], gi < p.m && gk < p.k);`;
  const loadB = tB
    ? `let kk = e % ${BK}u; let jj = e / ${BK}u;
       let gj = col0 + jj; let gk = k0 + kk;
       Bs[kk][jj] = select(0.0, b[p.bOff + gj * p.k + gk], gj < p.n && gk < p.k);`
    : `let jj = e % ${BN}u; let kk = e / ${BN}u;
       let gj = col0 + jj; let gk = k0 + kk;
       Bs[kk][jj] = select(0.0, b[p.bOff + gk * p.n + gj], gj < p.n && gk < p.k);`;
  return {
    key: `gemm:tA${+tA}:tB${+tB}:bias${+bias}:relu${+relu}`,
    code: () => `${header("m: u32, n: u32, k: u32, aOff: u32, bOff: u32, cOff: u32, biasOff: u32, alpha: f32, beta: f32", binds)}
var<workgroup> As: array<array<f32, ${BM}>, ${BK}>;
var<workgroup> Bs: array<array<f32, ${BN}>, ${BK}>;
@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tx = lid.x; let ty = lid.y; let t = ty * 16u + tx;
  let row0 = wid.y * ${BM}u; let col0 = wid.x * ${BN}u;
  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < p.k; k0 = k0 + ${BK}u) {
    for (var q = 0u; q < 4u; q = q + 1u) {
      let e = t + q * 256u;
      { ${loadA} }
      { ${loadB} }
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${BK}u; kk = kk + 1u) {
      var av: array<f32, 4>; var bv: array<f32, 4>;
      for (var r = 0u; r < 4u; r = r + 1u) { av[r] = As[kk][ty + 16u * r]; bv[r] = Bs[kk][tx + 16u * r]; }
      for (var ri = 0u; ri < 4u; ri = ri + 1u) {
        for (var ci = 0u; ci < 4u; ci = ci + 1u) { acc[ri][ci] = acc[ri][ci] + av[ri] * bv[ci]; }
      }
    }
    workgroupBarrier();
  }
  for (var ri = 0u; ri < 4u; ri = ri + 1u) {
    let i = row0 + ty + 16u * ri;
    if (i >= p.m) { continue; }
    for (var ci = 0u; ci < 4u; ci = ci + 1u) {
      let j = col0 + tx + 16u * ci;
      if (j >= p.n) { continue; }
      let idx = p.cOff + i * p.n + j;
      // beta = 0 ignores C entirely (NaN in uninitialised memory included), as the reference.
      var v = select(p.beta * c[idx], 0.0, p.beta == 0.0);
      ${bias ? "v = v + bias[p.biasOff + j];" : ""}
      v = v + p.alpha * acc[ri][ci];
      ${relu ? "v = relu_(v);" : ""}
      c[idx] = v;
    }
  }
}`,
  };
}

const cache = new Map<string, ReturnType<typeof gemmSource>>();
function source(tA: boolean, tB: boolean, bias: boolean, relu: boolean) {
  const k = `${+tA}${+tB}${+bias}${+relu}`;
  let s = cache.get(k);
  if (!s) cache.set(k, (s = gemmSource(tA, tB, bias, relu)));
  return s;
}

type GpuGemmArgs = Parameters<GpuKernels["gemm"]>[0];

export function gemmKernels(ctx: GpuContext) {
  const gemm = (args: GpuGemmArgs): void => {
    const {
      transA,
      transB,
      m,
      n,
      k,
      a,
      b,
      c,
      aOffset = 0,
      bOffset = 0,
      cOffset = 0,
      alpha = 1,
      beta = 0,
      bias,
      biasOffset = 0,
      relu = false,
    } = args;
    for (const [name, s] of [
      ["a", a],
      ["b", b],
      ["c", c],
      ["bias", bias],
    ] as const) {
      if (s && s.dtype !== "float32") throw new Error(`gemm: ${name} is ${s.dtype}; WebGPU gemm takes float32`);
    }
    if (m === 0 || n === 0) return;
    const bind: Array<GpuStorage | { s: GpuStorage; w: true }> = [a, b, { s: c, w: true }];
    if (bias) bind.push(bias);
    ctx.dispatch(
      source(transA, transB, !!bias, relu),
      "uuuuuuuff",
      [m, n, k, aOffset, bOffset, cOffset, biasOffset, alpha, beta],
      bind,
      [Math.ceil(n / BN), Math.ceil(m / BM)],
    );
  };
  return {
    gemm,
    /** Independent products, recorded back to back in the same pass. */
    gemms(list: readonly GpuGemmArgs[]): void {
      for (const g of list) gemm(g);
    },
  };
}

export type { GemmArgs };
