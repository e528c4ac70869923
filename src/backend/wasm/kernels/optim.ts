/** Optimizer updates on wasm (assembly/optim.ts): all of a step's parameters in one parallel region. */
import { jsKernels } from "../../js/index.js";
import { ELEMENTWISE_PARALLEL, f32, parallelRange, threadsNow, type WasmFamily, withFrame } from "../context.js";

/** Elements per slice of an optimizer step (~5 µs): a finer tail than fixed halves, few claims. */
const SGD_SLICE = 8192;
/** f64 fields per row of the sgdStepTasks table (see assembly/optim.ts). */
const SGD_ROW = 11;

export const optimFamily: WasmFamily = (ctx) => {
  const { ex, heap } = ctx;
  return {
    sgdSteps(list) {
      const fast = list.filter((a) => f32(a.param, a.grad) && (!a.momentumBuffer || f32(a.momentumBuffer)));
      if (fast.length < list.length) jsKernels.sgdSteps(list.filter((a) => !fast.includes(a)));
      if (fast.length === 0) return;
      withFrame(ctx, (f) => {
        const params = fast.map((a) => {
          const n = a.param.length;
          return { a, n, pp: f.out(a.param as Float32Array), pg: f.in(a.grad as Float32Array, 0, n),
            pb: a.momentumBuffer ? f.out(a.momentumBuffer as Float32Array, 0, n) : 0 };
        });
        // All parameters in one parallel region, as slices the threads claim one at a time: the
        // small tensors (biases) no longer cost a call each, and no thread waits on a fixed share.
        const total = params.reduce((s, p) => s + p.n, 0);
        const t = total >= ELEMENTWISE_PARALLEL ? threadsNow(ctx) : 1;
        const rows: number[] = [];
        for (const { a, n, pp, pg, pb } of params) {
          for (let s = 0; s < n; s += SGD_SLICE) {
            rows.push(pp + 4 * s, pg + 4 * s, pb ? pb + 4 * s : 0, Math.min(SGD_SLICE, n - s), a.lr, a.momentum, a.dampening,
              +a.nesterov, a.weightDecay, +a.maximize, +a.firstStep);
          }
        }
        const table = f.raw(8 * rows.length), next = f.raw(4), count = rows.length / SGD_ROW;
        new Float64Array(heap.buffer, table, rows.length).set(rows);
        new Int32Array(heap.buffer, next, 1)[0] = 0;
        const mine = (): unknown => ex.sgdStepTasks(next, table, count);
        if (t <= 1) mine();
        else ctx.pool!.run("sgdStepTasks", Array.from({ length: t - 1 }, () => [next, table, count]), mine);
      });
    },
    adamStep(args) {
      const { param, grad, expAvg, expAvgSq, lr, beta1, beta2, step } = args;
      if (!f32(param, grad, expAvg, expAvgSq)) { jsKernels.adamStep(args); return; }
      // Same scalar expressions as the reference, so the f64 math inside wasm sees identical inputs.
      const bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
      const n = param.length;
      withFrame(ctx, (f) => {
        const pp = f.out(param as Float32Array), pg = f.in(grad as Float32Array, 0, n);
        const pm = f.out(expAvg as Float32Array, 0, n), pv = f.out(expAvgSq as Float32Array, 0, n);
        parallelRange(ctx, "adamStep", n, (s, len) => [pp + 4 * s, pg + 4 * s, pm + 4 * s, pv + 4 * s, len, lr, beta1, beta2,
          args.eps, args.weightDecay, +args.decoupled, +args.maximize, lr / bc1, Math.sqrt(bc2)]);
      });
    },
  };
};
