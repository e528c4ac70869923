/**
 * Selection on WebGPU: `where` (three-way broadcast) and the tril/triu mask. Values move as u32
 * bits (one pipeline per condition dtype serves float32 and int32 values), so ±inf and NaN pass
 * through exactly, as in the reference.
 */
import { broadcastStrides } from "../../../tensor/shape.js";
import { FLAT, grid, type GpuContext } from "../context.js";
import type { GpuStorage } from "../storage.js";
import { at8, collapse, header, pad8, U8 } from "./common.js";

/**
 * A thread per output element; `shape` is the collapsed output shape (row-major), sc/sa/sb the
 * element strides of cond, a, b along it (0 where broadcast). A float condition is true when its
 * bits are not ±0 (NaN counts as true, as `c !== 0` in JS); an int32 one when nonzero.
 */
const whereSource = (condDtype: string) => ({
  key: `where:${condDtype}`,
  code: () => `${header(
    `shape: array<vec4<u32>, 2>, sc: array<vec4<u32>, 2>, sa: array<vec4<u32>, 2>, sb: array<vec4<u32>, 2>,
    rank: u32, n: u32`,
    [
      ["cond", "read", "u32"],
      ["a", "read", "u32"],
      ["b", "read", "u32"],
      ["out", "read_write", "u32"],
    ],
  )}
${FLAT()}
  if (i >= p.n) { return; }
  var rest = i; var ic = 0u; var ia = 0u; var ib = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d = d - 1) {
    let du = u32(d);
    let s = ${at8("shape", "du")};
    let q = rest % s; rest = rest / s;
    ic = ic + q * ${at8("sc", "du")}; ia = ia + q * ${at8("sa", "du")}; ib = ib + q * ${at8("sb", "du")};
  }
  let c = cond[ic];
  let t = ${condDtype === "int32" ? "c != 0u" : "(c & 0x7fffffffu) != 0u"};
  out[i] = select(b[ib], a[ia], t);
}`,
});
const WHERE = { float32: whereSource("float32"), int32: whereSource("int32") };

/** A thread per element of (batch, rows, cols): kept where j < cut(i) (tril) or j ≥ cut(i) (triu). */
const TRIANGLE = {
  key: "triangle",
  code: () => `${header("n: u32, rows: u32, cols: u32, diagonal: i32, upper: u32", [
    ["x", "read", "u32"],
    ["out", "read_write", "u32"],
  ])}
${FLAT()}
  if (i >= p.n) { return; }
  let j = i32(i % p.cols); let r = i32((i / p.cols) % p.rows);
  // The reference's cut: the kept columns of row r are j ≤ r + diagonal (tril) or j ≥ r + diagonal (triu).
  let cut = clamp(select(r + p.diagonal + 1, r + p.diagonal, p.upper != 0u), 0, i32(p.cols));
  let keep = (j < cut) != (p.upper != 0u);
  out[i] = select(0u, x[i], keep);
}`,
};

export function selectKernels(ctx: GpuContext) {
  return {
    where(
      cond: GpuStorage,
      condShape: readonly number[],
      a: GpuStorage,
      aShape: readonly number[],
      b: GpuStorage,
      bShape: readonly number[],
      out: GpuStorage,
      outShape: readonly number[],
    ): void {
      const n = out.length;
      if (!n) return;
      const c = collapse(
        outShape,
        [condShape, aShape, bShape].map((s) => broadcastStrides(s, outShape)),
      );
      ctx.dispatch(
        WHERE[cond.dtype],
        `${U8}${U8}${U8}${U8}uu`,
        [...pad8(c.shape, "where"), ...c.strides.flatMap((s) => pad8(s, "where")), c.shape.length, n],
        [cond, a, b, { s: out, w: true }],
        grid(n),
      );
    },
    triangle(
      x: GpuStorage,
      batch: number,
      rows: number,
      cols: number,
      diagonal: number,
      upper: boolean,
      out: GpuStorage,
    ): void {
      const n = batch * rows * cols;
      if (!n) return;
      ctx.dispatch(TRIANGLE, "uuuiu", [n, rows, cols, diagonal, +upper], [x, { s: out, w: true }], grid(n));
    },
  };
}
