/**
 * Fused attention on wasm (assembly/attention.ts): the B·H (batch, head) units split across the
 * threads, the caller taking the first share. One call replaces per-head gemm loops, the score
 * scaling, mask, softmax and the head transposes (a GPT block's attention: 48 units of 64×64).
 */
import type { AttentionArgs } from "../../js/attention.js";
import { jsKernels } from "../../js/index.js";
import { f32, threadsNow, type WasmContext, type WasmFamily, withFrame } from "../context.js";
import type { Frame } from "../frame.js";

/** Below this many multiply-adds (all units) the attention runs on one thread. */
const ATTENTION_PARALLEL_MACS = 1 << 17;

/** Pointers to q, k, v (one pointer when they are one array), each moved to its operand's offset. */
function operands(f: Frame, a: AttentionArgs): [number, number, number] {
  const arrs = [a.q, a.k, a.v] as Float32Array[],
    offs = [a.qOffset, a.kOffset, a.vOffset];
  const ptrs = new Map<Float32Array, number>();
  return arrs.map((x, i) => {
    if (!ptrs.has(x)) ptrs.set(x, f.in(x));
    return ptrs.get(x)! + 4 * offs[i];
  }) as [number, number, number];
}

/** Splits [0, units) into per-thread ranges and runs `fn` with `args(u0, u1, thread)` on each. */
function split(
  ctx: WasmContext,
  fn: string,
  units: number,
  macs: number,
  args: (u0: number, u1: number, w: number) => number[],
): void {
  const t = macs >= ATTENTION_PARALLEL_MACS ? Math.min(threadsNow(ctx), units) : 1;
  const run = ctx.ex[fn];
  if (t <= 1) {
    run(...args(0, units, 0));
    return;
  }
  const chunk = Math.ceil(units / t);
  const calls: number[][] = [];
  for (let w = 1; w * chunk < units; w++) calls.push(args(w * chunk, Math.min(units, (w + 1) * chunk), w));
  ctx.pool!.run(fn, calls, () => run(...args(0, chunk, 0)));
}

export const attentionFamily: WasmFamily = (ctx) => ({
  attentionForward(a, out, oRow, weights) {
    if (!f32(a.q, a.k, a.v, out, weights)) {
      jsKernels.attentionForward(a, out, oRow, weights);
      return;
    }
    const { batch, heads, L, S, D, Dv } = a,
      units = batch * heads;
    if (units === 0 || L === 0) return;
    withFrame(ctx, (f) => {
      const [pq, pk, pv] = operands(f, a);
      const po = f.out(out as Float32Array),
        pw = f.overwrite(weights as Float32Array, 0, units * L * S);
      split(ctx, "attentionForward", units, units * L * S * (D + Dv), (u0, u1) => [
        u0,
        u1,
        pq,
        pk,
        pv,
        a.qRow,
        a.kRow,
        a.vRow,
        heads,
        L,
        S,
        D,
        Dv,
        +a.causal,
        a.scale,
        po,
        oRow,
        pw,
      ]);
    });
  },
  attentionBackward(a, weights, dOut, oRow, dq, dk, dv) {
    if (!f32(a.q, a.k, a.v, weights, dOut, dq, dk, dv)) {
      jsKernels.attentionBackward(a, weights, dOut, oRow, dq, dk, dv);
      return;
    }
    const { batch, heads, L, S, D, Dv } = a,
      units = batch * heads;
    if (units === 0 || S === 0) return;
    withFrame(ctx, (f) => {
      const [pq, pk, pv] = operands(f, a);
      const pw = f.in(weights as Float32Array, 0, units * L * S),
        pd = f.in(dOut as Float32Array);
      // The gradients may be one array (a packed projection's): one block, written by every unit.
      const outs = new Map<Float32Array, number>();
      const grad = (x: Float32Array, off: number): number => {
        if (!outs.has(x)) outs.set(x, f.out(x));
        return outs.get(x)! + 4 * off;
      };
      const pdq = grad(dq as Float32Array, a.qOffset),
        pdk = grad(dk as Float32Array, a.kOffset),
        pdv = grad(dv as Float32Array, a.vOffset);
      // dS of one unit (L·S floats) per thread.
      const scratch = f.raw(4 * L * S * Math.max(1, threadsNow(ctx)));
      split(ctx, "attentionBackward", units, 2 * units * L * S * (D + Dv), (u0, u1, w) => [
        u0,
        u1,
        pq,
        pk,
        pv,
        a.qRow,
        a.kRow,
        a.vRow,
        heads,
        L,
        S,
        D,
        Dv,
        +a.causal,
        a.scale,
        pw,
        pd,
        oRow,
        pdq,
        pdk,
        pdv,
        scratch + 4 * L * S * w,
      ]);
    });
  },
});
