/** Storage kernels on WebGPU: alloc, fill, block copies, casts. Values move as u32 bits. */
import type { DType } from "../../../tensor/dtype.js";
import { FLAT, grid, type GpuContext, refuseFloat64 } from "../context.js";
import type { GpuStorage, HostArray } from "../storage.js";
import { bitsOf, header, WGSL_F2I } from "./common.js";

const FILL = {
  key: "fill",
  code: () => `${header("n: u32, bits: u32", [["out", "read_write", "u32"]])}
${FLAT()} if (i < p.n) { out[i] = p.bits; } }`,
};

const COPY_BLOCKS = {
  key: "copyBlocks",
  code: () => `${header("srcOff: u32, srcStride: u32, dstOff: u32, dstStride: u32, len: u32, total: u32", [
    ["src", "read", "u32"],
    ["dst", "read_write", "u32"],
  ])}
${FLAT()}
  if (i >= p.total) { return; }
  let b = i / p.len;
  let j = i - b * p.len;
  dst[p.dstOff + b * p.dstStride + j] = src[p.srcOff + b * p.srcStride + j];
}`,
};

const CAST_F2I = {
  key: "cast:f2i",
  code: () => `${header("n: u32", [
    ["x", "read", "f32"],
    ["out", "read_write", "i32"],
  ])}
${WGSL_F2I}
${FLAT()} if (i < p.n) { out[i] = f2i(x[i]); } }`,
};

const CAST_I2F = {
  key: "cast:i2f",
  code: () => `${header("n: u32", [
    ["x", "read", "i32"],
    ["out", "read_write", "f32"],
  ])}
${FLAT()} if (i < p.n) { out[i] = f32(x[i]); } }`,
};

export function storageKernels(ctx: GpuContext) {
  const fill = (out: GpuStorage, value: number): void => {
    if (out.length === 0) return;
    ctx.dispatch(FILL, "uu", [out.length, bitsOf(out.dtype, value)], [{ s: out, w: true }], grid(out.length));
  };
  const copyBlocks = (
    src: GpuStorage,
    srcOffset: number,
    srcStride: number,
    dst: GpuStorage,
    dstOffset: number,
    dstStride: number,
    len: number,
    count: number,
  ): void => {
    if (src.dtype !== dst.dtype) throw new Error(`copyBlocks: ${src.dtype} into ${dst.dtype}; the dtypes must match`);
    const total = len * count;
    if (total === 0) return;
    ctx.dispatch(
      COPY_BLOCKS,
      "uuuuuu",
      [srcOffset, srcStride, dstOffset, dstStride, len, total],
      [src, { s: dst, w: true }],
      grid(total),
    );
  };
  return {
    alloc(dtype: DType, n: number): GpuStorage {
      if (dtype === "float64") refuseFloat64("a new tensor");
      const s = ctx.empty(dtype, n);
      fill(s, 0);
      return s;
    },
    fill,
    copyBlocks,
    fromHost(values: HostArray | Float64Array): GpuStorage {
      if (values instanceof Float64Array) refuseFloat64("a tensor from host values");
      return ctx.upload(values);
    },
    writeHost(dst: GpuStorage, values: HostArray | Float64Array): void {
      if (values instanceof Float64Array) refuseFloat64("host values");
      if (values.length !== dst.length)
        throw new Error(`writeHost: ${values.length} values for storage of ${dst.length}`);
      ctx.write(dst, values);
    },
    cast(x: GpuStorage, out: GpuStorage): void {
      const n = x.length;
      if (n === 0) return;
      if (x.dtype === out.dtype) copyBlocks(x, 0, 0, out, 0, 0, n, 1);
      else ctx.dispatch(x.dtype === "float32" ? CAST_F2I : CAST_I2F, "u", [n], [x, { s: out, w: true }], grid(n));
    },
  };
}
