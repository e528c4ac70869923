// Helpers shared by the kernels. `madd` compiles to f32x4.relaxed_madd in the relaxed build (a
// single FMA on x86/ARM) and to mul+add otherwise; ASC_FEATURE_RELAXED_SIMD is a compile-time
// constant, so the untaken branch never reaches the binary.

/** a·b + c, lane-wise. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Takes the next task index from a counter the threads share. */
// @ts-ignore: decorator
@inline export function claim(next: usize): i32 {
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(next, 1);
  const i = load<i32>(next); // single-threaded build
  store<i32>(next, i + 1);
  return i;
}

/** Pointer to element `i` of an f32/i32 array at `p`. */
// @ts-ignore: decorator
@inline export function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** max(x, 0) lane-wise keeping NaN lanes (PyTorch's relu propagates NaN); -0 becomes +0. */
// @ts-ignore: decorator
@inline export function reluVec(x: v128): v128 {
  return v128.and(x, v128.or(f32x4.gt(x, f32x4.splat(0)), f32x4.ne(x, x)));
}
