/** Resizing kernels on wasm (assembly/upsample.ts), float32; tables from the reference's axisTable. */
import type { Frame } from "../frame.js";
import { jsKernels } from "../../js/index.js";
import { type AxisTable, twoRows, type UpsampleArgs, upsampleTables } from "../../js/upsample.js";
import { ELEMENTWISE_PARALLEL, f32, threadsNow, type WasmContext, type WasmFamily, withFrame } from "../context.js";

/**
 * Runs export `fn` over `units` independent units (planes, rows) whose total work is `work`
 * elements, split into one contiguous range per thread (one thread below ELEMENTWISE_PARALLEL);
 * `call(start, end)` returns the argument list for units [start, end).
 */
function splitUnits(
  ctx: WasmContext,
  fn: string,
  units: number,
  work: number,
  call: (start: number, end: number) => number[],
): void {
  const t = Math.min(work >= ELEMENTWISE_PARALLEL ? threadsNow(ctx) : 1, units);
  const run = ctx.ex[fn];
  if (t <= 1) {
    run(...call(0, units));
    return;
  }
  const chunk = Math.ceil(units / t);
  const calls: number[][] = [];
  for (let s = chunk; s < units; s += chunk) calls.push(call(s, Math.min(units, s + chunk)));
  ctx.pool!.run(fn, calls, () => run(...call(0, chunk)));
}

/** The tables as the kernel reads them: i32 indices, f32 weights. */
function tablePointers(f: Frame, t: AxisTable): number[] {
  return [f.in(t.i0), f.in(t.i1), f.in(Float32Array.from(t.w0)), f.in(Float32Array.from(t.w1))];
}

function argsOf(a: UpsampleArgs, f: Frame): { head: number[]; tables: number[] } {
  const [h, w] = upsampleTables(a, true);
  const [h0, h1, hw0, hw1] = tablePointers(f, h),
    [w0, w1, ww0, ww1] = tablePointers(f, w);
  return { head: [+(a.mode === "linear"), +twoRows(a)], tables: [h0, h1, hw0, hw1, w0, w1, ww0, ww1] };
}

export const upsampleFamily: WasmFamily = (ctx) => ({
  upsample(a, x, out) {
    if (!f32(x, out) || out.length === 0 || x.length === 0) {
      jsKernels.upsample(a, x, out);
      return;
    }
    withFrame(ctx, (f) => {
      const { head, tables } = argsOf(a, f);
      const px = f.in(x as Float32Array),
        po = f.overwrite(out as Float32Array);
      splitUnits(ctx, "upsample", a.planes, out.length, (s, e) => [
        ...head,
        px,
        po,
        s,
        e,
        a.inH,
        a.inW,
        a.outH,
        a.outW,
        ...tables,
      ]);
    });
  },
  upsampleBackward(a, dy, dx) {
    if (!f32(dy, dx) || dy.length === 0 || dx.length === 0) {
      jsKernels.upsampleBackward(a, dy, dx);
      return;
    }
    withFrame(ctx, (f) => {
      const { head, tables } = argsOf(a, f);
      const pdy = f.in(dy as Float32Array),
        pdx = f.overwrite(dx as Float32Array);
      // Planes are independent: each thread zeroes and fills its own planes of dx.
      splitUnits(ctx, "upsampleBackward", a.planes, dy.length, (s, e) => [
        ...head,
        pdy,
        pdx,
        s,
        e,
        a.inH,
        a.inW,
        a.outH,
        a.outW,
        ...tables,
      ]);
    });
  },
});
