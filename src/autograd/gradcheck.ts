/**
 * gradcheck: compares the analytic gradients autograd computes with central finite differences,
 * in float64, like `torch.autograd.gradcheck`.
 *
 * @example
 * gradcheck((x) => x.sigmoid().mul(x).sum(), [randn([3, 4], { dtype: "float64" })]); // true, or throws
 */
import type { Tensor } from "../tensor/tensor.js";
import { Tensor as TensorClass } from "../tensor/tensor.js";
import { Generator } from "../tensor/random.js";
import { noGrad } from "./grad_mode.js";

export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Indices of the inputs to check (default: every floating-point input). */
  wrt?: number[];
  /**
   * float64 leaves `fn` uses without taking them as arguments — a module's parameters after
   * `module.double()` — whose gradients are checked too, perturbed in place.
   */
  params?: readonly Tensor[];
}

/**
 * Checks d/dx_k of sum(fn(inputs) · v) for a fixed random v against (f(x+eps) − f(x−eps)) / 2eps,
 * element by element. Floating inputs are promoted to float64 copies. Returns true or throws an
 * error naming the input, the element and both values.
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  opts: GradcheckOptions = {},
): boolean {
  const eps = opts.eps ?? 1e-6,
    atol = opts.atol ?? 1e-5,
    rtol = opts.rtol ?? 1e-3;
  const wrt = opts.wrt ?? inputs.map((t, i) => (t.dtype === "int32" ? -1 : i)).filter((i) => i >= 0);
  const xs = inputs.map((t, i) => {
    if (!wrt.includes(i)) return t;
    return new TensorClass(Float64Array.from(t.dataSync()), t.shape, true);
  });
  const out0 = fn(...xs);
  if (out0.dtype !== "float64")
    throw new Error(`gradcheck: the function returned ${out0.dtype}; every op on the path must keep float64`);
  const gen = new Generator(1234);
  const v = new TensorClass(
    Float64Array.from(out0.dataSync(), () => gen.random() * 2 - 1),
    out0.shape,
  );
  const scalar = (): number =>
    noGrad(() => {
      const o = fn(...xs);
      let s = 0;
      for (let i = 0; i < o.dataSync().length; i++) s += o.dataSync()[i] * v.dataSync()[i];
      return s;
    });
  for (const p of opts.params ?? []) {
    if (p.dtype !== "float64" || !p.requiresGrad)
      throw new Error("gradcheck: params must be float64 tensors that require grad — call module.double() first");
    p.grad = null;
  }
  out0.backward(v);
  const checked = [
    ...wrt.map((k) => [`input ${k}`, xs[k]] as const),
    ...(opts.params ?? []).map((p, i) => [`param ${i}`, p] as const),
  ];
  for (const [what, x] of checked) {
    const analytic = x.grad?.dataSync() ?? new Float64Array(x.numel());
    for (let i = 0; i < x.numel(); i++) {
      const orig = x.dataSync()[i];
      x.dataSync()[i] = orig + eps;
      const fp = scalar();
      x.dataSync()[i] = orig - eps;
      const fm = scalar();
      x.dataSync()[i] = orig;
      const numeric = (fp - fm) / (2 * eps);
      if (Math.abs(numeric - analytic[i]) > atol + rtol * Math.abs(numeric)) {
        throw new Error(
          `gradcheck: ${what} ${JSON.stringify(x.shape)}, element ${i}: analytic ${analytic[i]} vs numeric ${numeric}`,
        );
      }
    }
  }
  return true;
}
