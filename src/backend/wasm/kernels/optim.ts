/** Optimizer updates on wasm (assembly/optim.ts): all of a step's parameters in one parallel region. */
import { jsKernels } from "../../js/index.js";
import { ELEMENTWISE_PARALLEL, f32, threadsNow, type WasmFamily, withFrame } from "../context.js";

/** Elements per slice of an optimizer step (~5 µs): a finer tail than fixed halves, few claims. */
const SGD_SLICE = 8192;
/** f64 fields per row of the sgdStepTasks and adamStepTasks tables (see assembly/optim.ts). */
const SGD_ROW = 11,
  ADAM_ROW = 15;

export const optimFamily: WasmFamily = (ctx) => {
  const { ex, heap } = ctx;

  /**
   * All of a step's parameters in one parallel region, as slices (table rows of `rowSize` f64s)
   * the threads claim one at a time: the small tensors (biases) cost no call each, and no thread
   * waits on a fixed share.
   */
  function runTasks(fn: string, rows: number[], rowSize: number, elements: number): void {
    withFrame(ctx, (f) => {
      const table = f.raw(8 * rows.length),
        next = f.raw(4),
        count = rows.length / rowSize;
      new Float64Array(heap.buffer, table, rows.length).set(rows);
      new Int32Array(heap.buffer, next, 1)[0] = 0;
      const t = elements >= ELEMENTWISE_PARALLEL ? threadsNow(ctx) : 1;
      const mine = (): unknown => ex[fn](next, table, count);
      if (t <= 1) mine();
      else
        ctx.pool!.run(
          fn,
          Array.from({ length: t - 1 }, () => [next, table, count]),
          mine,
        );
    });
  }

  return {
    sgdSteps(list) {
      const fast = list.filter((a) => f32(a.param, a.grad) && (!a.momentumBuffer || f32(a.momentumBuffer)));
      if (fast.length < list.length) jsKernels.sgdSteps(list.filter((a) => !fast.includes(a)));
      if (fast.length === 0) return;
      withFrame(ctx, (f) => {
        const params = fast.map((a) => {
          const n = a.param.length;
          return {
            a,
            n,
            pp: f.out(a.param as Float32Array),
            pg: f.in(a.grad as Float32Array, 0, n),
            pb: a.momentumBuffer ? f.out(a.momentumBuffer as Float32Array, 0, n) : 0,
          };
        });
        const total = params.reduce((s, p) => s + p.n, 0);
        const rows: number[] = [];
        for (const { a, n, pp, pg, pb } of params) {
          for (let s = 0; s < n; s += SGD_SLICE) {
            rows.push(
              pp + 4 * s,
              pg + 4 * s,
              pb ? pb + 4 * s : 0,
              Math.min(SGD_SLICE, n - s),
              a.lr,
              a.momentum,
              a.dampening,
              +a.nesterov,
              a.weightDecay,
              +a.maximize,
              +a.firstStep,
            );
          }
        }
        runTasks("sgdStepTasks", rows, SGD_ROW, total);
      });
    },
    adamSteps(list) {
      const fast = list.filter(
        (a) => f32(a.param, a.grad, a.expAvg, a.expAvgSq) && (!a.maxExpAvgSq || f32(a.maxExpAvgSq)),
      );
      if (fast.length < list.length) jsKernels.adamSteps(list.filter((a) => !fast.includes(a)));
      if (fast.length === 0) return;
      withFrame(ctx, (f) => {
        const rows: number[] = [];
        let total = 0;
        for (const a of fast) {
          const n = a.param.length;
          total += n;
          const pp = f.out(a.param as Float32Array),
            pg = f.in(a.grad as Float32Array, 0, n);
          const pm = f.out(a.expAvg as Float32Array, 0, n),
            pv = f.out(a.expAvgSq as Float32Array, 0, n);
          const px = a.maxExpAvgSq ? f.out(a.maxExpAvgSq as Float32Array, 0, n) : 0;
          // Same scalar expressions as the reference, so the math inside wasm sees identical inputs.
          const bc1 = 1 - Math.pow(a.beta1, a.step),
            bc2 = 1 - Math.pow(a.beta2, a.step);
          for (let s = 0; s < n; s += SGD_SLICE) {
            rows.push(
              pp + 4 * s,
              pg + 4 * s,
              pm + 4 * s,
              pv + 4 * s,
              px ? px + 4 * s : 0,
              Math.min(SGD_SLICE, n - s),
              a.lr,
              a.beta1,
              a.beta2,
              a.eps,
              a.weightDecay,
              +a.decoupled,
              +a.maximize,
              a.lr / bc1,
              Math.sqrt(bc2),
            );
          }
        }
        runTasks("adamStepTasks", rows, ADAM_ROW, total);
      });
    },
  };
};
