// Nearest and (bi)linear resizing of planes [p0, p1), forward and backward, from per-axis tables
// the TypeScript side computes with PyTorch's index rules (axisTable in src/backend/js/upsample.ts):
// h0/h1 and w0/w1 are i32 source indices, hw0/hw1 and ww0/ww1 their f32 weights. `two` = 1 for
// bilinear (two rows along H), 0 for 1-D linear (row h0 as is); nearest reads h0, w0 only.
import { at } from "./simd";

export function upsample(linear: i32, two: i32, x: usize, out: usize, p0: i32, p1: i32, inH: i32, inW: i32, outH: i32,
  outW: i32, h0: usize, h1: usize, hw0: usize, hw1: usize, w0: usize, w1: usize, ww0: usize, ww1: usize): void {
  for (let p = p0; p < p1; p++) {
    const xp = at(x, p * inH * inW);
    for (let i = 0; i < outH; i++) {
      const r0 = at(xp, load<i32>(at(h0, i)) * inW), r1 = at(xp, load<i32>(at(h1, i)) * inW);
      const o = at(out, (p * outH + i) * outW);
      if (!linear) {
        for (let j = 0; j < outW; j++) store<u32>(at(o, j), load<u32>(at(r0, load<i32>(at(w0, j)))));
        continue;
      }
      const a = load<f32>(at(hw0, i)), b = load<f32>(at(hw1, i));
      for (let j = 0; j < outW; j++) {
        const c0 = load<i32>(at(w0, j)), c1 = load<i32>(at(w1, j));
        const l0 = load<f32>(at(ww0, j)), l1 = load<f32>(at(ww1, j));
        // PyTorch's order: each row along W, then the rows along H.
        const t0 = load<f32>(at(r0, c0)) * l0 + load<f32>(at(r0, c1)) * l1;
        store<f32>(at(o, j), two ? t0 * a + (load<f32>(at(r1, c0)) * l0 + load<f32>(at(r1, c1)) * l1) * b : t0);
      }
    }
  }
}

/** dx planes [p0, p1) zeroed, then every dy element's weighted share added to its sources. */
export function upsampleBackward(linear: i32, two: i32, dy: usize, dx: usize, p0: i32, p1: i32, inH: i32, inW: i32,
  outH: i32, outW: i32, h0: usize, h1: usize, hw0: usize, hw1: usize, w0: usize, w1: usize, ww0: usize,
  ww1: usize): void {
  memory.fill(at(dx, p0 * inH * inW), 0, <usize>((p1 - p0) * inH * inW) << 2);
  for (let p = p0; p < p1; p++) {
    const xp = at(dx, p * inH * inW);
    for (let i = 0; i < outH; i++) {
      const r0 = at(xp, load<i32>(at(h0, i)) * inW), r1 = at(xp, load<i32>(at(h1, i)) * inW);
      const g = at(dy, (p * outH + i) * outW);
      if (!linear) {
        for (let j = 0; j < outW; j++) {
          const q = at(r0, load<i32>(at(w0, j)));
          store<f32>(q, load<f32>(q) + load<f32>(at(g, j)));
        }
        continue;
      }
      const a = load<f32>(at(hw0, i)), b = load<f32>(at(hw1, i));
      for (let j = 0; j < outW; j++) {
        const c0 = load<i32>(at(w0, j)), c1 = load<i32>(at(w1, j));
        const l0 = load<f32>(at(ww0, j)), l1 = load<f32>(at(ww1, j));
        const v = load<f32>(at(g, j));
        if (!two) {
          store<f32>(at(r0, c0), load<f32>(at(r0, c0)) + l0 * v);
          store<f32>(at(r0, c1), load<f32>(at(r0, c1)) + l1 * v);
          continue;
        }
        // PyTorch's order: the weight product first, then times the gradient.
        store<f32>(at(r0, c0), load<f32>(at(r0, c0)) + a * l0 * v);
        store<f32>(at(r0, c1), load<f32>(at(r0, c1)) + a * l1 * v);
        store<f32>(at(r1, c0), load<f32>(at(r1, c0)) + b * l0 * v);
        store<f32>(at(r1, c1), load<f32>(at(r1, c1)) + b * l1 * v);
      }
    }
  }
}
