/**
 * Elementwise kernels on WebGPU. Each unary op is a table entry (forward and derivative as WGSL
 * expressions), typed `Record<UnaryOp, ...>` over the shared op-code table: a new op that is not
 * given here fails to compile. Every (op, dtypes) pair is its own pipeline, compiled on first use.
 */
import { broadcastStrides } from "../../../tensor/shape.js";
import type { BinaryOp, UnaryOp } from "../../js/elementwise.js";
import { FLAT, grid, type GpuContext } from "../context.js";
import type { GpuStorage } from "../storage.js";
import { at8, collapse, header, loadF, pad8, storeF, U8, WGSL_F2I } from "./common.js";

/** f(x) and dy/dx from x, the output y and `alpha` (leakyRelu's slope), in WGSL. */
export const UNARY_WGSL: Record<UnaryOp, { f: string; d: string }> = {
  neg: { f: "-x", d: "-1.0" },
  exp: { f: "m_exp(x)", d: "y" },
  log: { f: "m_log(x)", d: "1.0 / x" },
  log1p: { f: "m_log1p(x)", d: "1.0 / (1.0 + x)" },
  sqrt: { f: "m_sqrt(x)", d: "0.5 / y" },
  abs: { f: "abs(x)", d: "m_sign(x)" },
  square: { f: "x * x", d: "2.0 * x" },
  reciprocal: { f: "m_recip(x)", d: "-y * y" },
  relu: { f: "relu_(x)", d: "select(0.0, 1.0, x > 0.0)" },
  leakyRelu: { f: "select(p.alpha * x, x, x > 0.0)", d: "select(p.alpha, 1.0, x > 0.0)" },
  sigmoid: { f: "m_sigmoid(x)", d: "y * (1.0 - y)" },
  tanh: { f: "m_tanh(x)", d: "1.0 - y * y" },
  gelu: { f: "m_gelu(x)", d: "m_gelu_grad(x)" },
  geluTanh: { f: "m_gelu_tanh(x)", d: "m_gelu_tanh_grad(x)" },
  silu: { f: "x * m_sigmoid(x)", d: "silu_grad(x)" },
};

/** Helpers the table uses, with JS's special values (WGSL leaves 1/0, sqrt(−1), sign(NaN) undefined). */
const UNARY_HELPERS = /* wgsl */ `
fn m_sqrt(x: f32) -> f32 {
  if (is_nan(x) || x < 0.0) { return nan_(); }
  if (x == 0.0 || is_inf(x)) { return x; }
  return sqrt(x);
}
fn m_sign(x: f32) -> f32 {
  if (x > 0.0) { return 1.0; }
  if (x < 0.0) { return -1.0; }
  return x;
}
fn m_recip(x: f32) -> f32 {
  if (x == 0.0) { return copysign_(inf_(), x); }
  if (is_inf(x)) { return copysign_(0.0, x); }
  return 1.0 / x;
}
fn silu_grad(x: f32) -> f32 { let s = m_sigmoid(x); return s * (1.0 + x * (1.0 - s)); }
`;

const INT_BINARY = new Set<BinaryOp>([
  "add",
  "sub",
  "mul",
  "div",
  "pow",
  "maximum",
  "minimum",
  "eq",
  "gt",
  "lt",
  "ge",
  "le",
  "ne",
]);
const COMPARE = new Set<BinaryOp>(["eq", "gt", "lt", "ge", "le", "ne"]);

/** Float binary ops with JS's semantics (NaN-aware comparisons, division by ±0 and ±inf). */
const FLOAT_BINARY: Record<BinaryOp, string> = {
  add: "a + b",
  sub: "a - b",
  mul: "a * b",
  div: "m_div(a, b)",
  pow: "m_pow(a, b)",
  maximum: "max_nan(a, b)",
  minimum: "min_nan(a, b)",
  eq: "f32(!nan2 && a == b)",
  ne: "f32(nan2 || a != b)",
  gt: "f32(!nan2 && a > b)",
  lt: "f32(!nan2 && a < b)",
  ge: "f32(!nan2 && a >= b)",
  le: "f32(!nan2 && a <= b)",
};
/** int32 ops where both inputs and the output are int32: exact, wrapping as JS's ToInt32 does. */
const INT_OPS: Record<BinaryOp, string> = {
  add: "a + b",
  sub: "a - b",
  mul: "a * b",
  div: "i_div(a, b)",
  pow: "i_pow(a, b)",
  maximum: "max(a, b)",
  minimum: "min(a, b)",
  eq: "i32(a == b)",
  ne: "i32(a != b)",
  gt: "i32(a > b)",
  lt: "i32(a < b)",
  ge: "i32(a >= b)",
  le: "i32(a <= b)",
};
const BINARY_HELPERS = /* wgsl */ `
fn m_div(a: f32, b: f32) -> f32 {
  if (b == 0.0) {
    if (a == 0.0 || is_nan(a)) { return nan_(); }
    return bitcast<f32>(INF_BITS | ((bitcast<u32>(a) ^ bitcast<u32>(b)) & 0x80000000u));
  }
  if (is_inf(b)) {
    if (is_inf(a) || is_nan(a)) { return nan_(); }
    return bitcast<f32>((bitcast<u32>(a) ^ bitcast<u32>(b)) & 0x80000000u);
  }
  return a / b;
}
// JS: ToInt32(a / b): truncates; a / 0 is ±inf or NaN, which ToInt32 makes 0.
fn i_div(a: i32, b: i32) -> i32 { if (b == 0) { return 0; } return a / b; }
fn i_pow(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(1, -1, (b & 1) != 0); }
    return 0;
  }
  var r = 1; var x = a; var k = u32(b);
  loop { if ((k & 1u) != 0u) { r = r * x; } k = k >> 1u; if (k == 0u) { break; } x = x * x; }
  return r;
}
`;

function unarySource(op: UnaryOp, xt: string, ot: string) {
  return {
    key: `unary:${op}:${xt}:${ot}`,
    code: () => `${header("n: u32, alpha: f32", [
      ["xs", "read", "u32"],
      ["out", "read_write", "u32"],
    ])}
${UNARY_HELPERS}${WGSL_F2I}
${FLAT()}
  if (i >= p.n) { return; }
  let x = ${loadF(xt, "xs[i]")};
  out[i] = ${storeF(ot, UNARY_WGSL[op].f)};
}`,
  };
}

function unaryBackwardSource(op: UnaryOp) {
  return {
    key: `unaryBackward:${op}`,
    code: () => `${header("n: u32, alpha: f32", [
      ["xs", "read"],
      ["ys", "read"],
      ["dy", "read"],
      ["dx", "read_write"],
    ])}
${UNARY_HELPERS}
${FLAT()}
  if (i >= p.n) { return; }
  let x = xs[i]; let y = ys[i];
  dx[i] = dy[i] * (${UNARY_WGSL[op].d});
}`,
  };
}

/**
 * Broadcasting: each input is read at index i (same shape), 0 (a scalar) or through strides over
 * the merged output shape (mode 2); modes are uniforms, so one pipeline serves every shape.
 */
function binarySource(op: BinaryOp, at: string, bt: string, ot: string) {
  const ints = at === "int32" && bt === "int32" && INT_BINARY.has(op) && (ot === "int32" || COMPARE.has(op));
  const body = ints
    ? `let a = bitcast<i32>(as_[ia]); let b = bitcast<i32>(bs[ib]);
       let v = ${INT_OPS[op]};
       out[i] = ${ot === "int32" ? "bitcast<u32>(v)" : "bitcast<u32>(f32(v))"};`
    : `let a = ${loadF(at, "as_[ia]")}; let b = ${loadF(bt, "bs[ib]")};
       let nan2 = is_nan(a) || is_nan(b);
       out[i] = ${storeF(ot, FLOAT_BINARY[op])};`;
  return {
    key: `binary:${op}:${at}:${bt}:${ot}`,
    code: () => `${header(
      "shape: array<vec4<u32>, 2>, sa: array<vec4<u32>, 2>, sb: array<vec4<u32>, 2>, rank: u32, n: u32, " +
        "modeA: u32, modeB: u32",
      [
        ["as_", "read", "u32"],
        ["bs", "read", "u32"],
        ["out", "read_write", "u32"],
      ],
    )}
${BINARY_HELPERS}${WGSL_F2I}
${FLAT()}
  if (i >= p.n) { return; }
  var ia = select(0u, i, p.modeA == 0u);
  var ib = select(0u, i, p.modeB == 0u);
  if (p.modeA == 2u || p.modeB == 2u) {
    var rest = i; var ja = 0u; var jb = 0u;
    for (var d = i32(p.rank) - 1; d >= 0; d = d - 1) {
      let du = u32(d);
      let s = ${at8("shape", "du")};
      let q = rest % s; rest = rest / s;
      ja = ja + q * ${at8("sa", "du")}; jb = jb + q * ${at8("sb", "du")};
    }
    if (p.modeA == 2u) { ia = ja; }
    if (p.modeB == 2u) { ib = jb; }
  }
  ${body}
}`,
  };
}

const CLAMP = {
  key: "clamp",
  code: () => `${header("n: u32, lo: f32, hi: f32", [
    ["x", "read"],
    ["out", "read_write"],
  ])}
${FLAT()} if (i < p.n) { out[i] = min_nan(max_nan(x[i], p.lo), p.hi); } }`,
};
const AXPY = {
  key: "axpy",
  code: () => `${header("n: u32, alpha: f32", [
    ["x", "read"],
    ["y", "read_write"],
  ])}
${FLAT()} if (i < p.n) { y[i] = y[i] + p.alpha * x[i]; } }`,
};

function memo<A extends unknown[], R>(f: (...a: A) => R): (...a: A) => R {
  const m = new Map<string, R>();
  return (...a) => {
    const k = a.join(":");
    let r = m.get(k);
    if (!r) m.set(k, (r = f(...a)));
    return r;
  };
}
const unaryS = memo(unarySource),
  unaryBackS = memo(unaryBackwardSource),
  binaryS = memo(binarySource);

function requireF32(op: string, ...xs: GpuStorage[]): void {
  for (const x of xs) if (x.dtype !== "float32") throw new Error(`${op}: WebGPU takes float32 here, got ${x.dtype}`);
}

export function elementwiseKernels(ctx: GpuContext) {
  return {
    unary(op: UnaryOp, x: GpuStorage, out: GpuStorage, alpha = 0.01): void {
      if (!x.length) return;
      ctx.dispatch(unaryS(op, x.dtype, out.dtype), "uf", [x.length, alpha], [x, { s: out, w: true }], grid(x.length));
    },
    unaryBackward(op: UnaryOp, x: GpuStorage, y: GpuStorage, dy: GpuStorage, dx: GpuStorage, alpha = 0.01): void {
      requireF32(`unaryBackward ${op}`, x, y, dy, dx);
      if (!dy.length) return;
      ctx.dispatch(unaryBackS(op), "uf", [dy.length, alpha], [x, y, dy, { s: dx, w: true }], grid(dy.length));
    },
    binary(
      op: BinaryOp,
      a: GpuStorage,
      aShape: readonly number[],
      b: GpuStorage,
      bShape: readonly number[],
      out: GpuStorage,
      outShape: readonly number[],
    ): void {
      const n = out.length;
      if (!n) return;
      const mode = (s: GpuStorage): number => (s.length === n ? 0 : s.length === 1 ? 1 : 2);
      const modeA = mode(a),
        modeB = mode(b);
      let shape: number[] = [],
        sa: number[] = [],
        sb: number[] = [];
      if (modeA === 2 || modeB === 2) {
        const c = collapse(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)]);
        shape = c.shape;
        [sa, sb] = c.strides;
      }
      ctx.dispatch(
        binaryS(op, a.dtype, b.dtype, out.dtype),
        `${U8}${U8}${U8}uuuu`,
        [...pad8(shape, `binary ${op}`), ...pad8(sa, "binary"), ...pad8(sb, "binary"), shape.length, n, modeA, modeB],
        [a, b, { s: out, w: true }],
        grid(n),
      );
    },
    clamp(x: GpuStorage, lo: number, hi: number, out: GpuStorage): void {
      requireF32("clamp", x, out);
      if (x.length) ctx.dispatch(CLAMP, "uff", [x.length, lo, hi], [x, { s: out, w: true }], grid(x.length));
    },
    axpy(alpha: number, x: GpuStorage, y: GpuStorage): void {
      requireF32("axpy", x, y);
      if (x.length) ctx.dispatch(AXPY, "uf", [x.length, alpha], [x, { s: y, w: true }], grid(x.length));
    },
  };
}
