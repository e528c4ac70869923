/**
 * `nn.utils`: gradient clipping, PyTorch's `clip_grad_norm_` and `clip_grad_value_`.
 *
 * @example
 * loss.backward();
 * nn.utils.clipGradNorm_(model.parameters(), 1.0);
 * optimizer.step();
 */
import { noGrad } from "../autograd/grad_mode.js";
import { tensor } from "../ops/creation.js";
import { add, clamp, div, mul } from "../ops/elementwise.js";
import { norm } from "../ops/reduce.js";
import { clone, stack } from "../ops/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { type AnyModule, Module } from "./module.js";
import { Parameter } from "./parameter.js";

/** The parameters' current gradients, read without taking them from the optimizer's reuse. */
function gradsOf(parameters: Iterable<Tensor> | Tensor): Tensor[] {
  const list =
    parameters instanceof Object && Symbol.iterator in parameters
      ? [...(parameters as Iterable<Tensor>)]
      : [parameters as Tensor];
  return list.map((p) => p.peekGrad()).filter((g): g is Tensor => g !== null);
}

/**
 * Scales all gradients together so their total `normType`-norm (of all of them as one vector) is
 * at most `maxNorm`; returns that total norm (before clipping). coef = maxNorm / (norm + 1e-6),
 * applied only when below 1, exactly as PyTorch. `errorIfNonfinite` throws on a NaN/inf norm.
 */
export function clipGradNorm_(
  parameters: Iterable<Tensor> | Tensor,
  maxNorm: number,
  normType = 2,
  opts: { errorIfNonfinite?: boolean } = {},
): Tensor {
  if (!(maxNorm >= 0)) throw new Error(`clipGradNorm_: maxNorm must be ≥ 0, got ${maxNorm}`);
  const grads = gradsOf(parameters);
  if (grads.length === 0) return tensor(0);
  return noGrad(() => {
    const total = norm(stack(grads.map((g) => norm(g, normType))), normType);
    if (opts.errorIfNonfinite && total.device !== "cpu") {
      throw new Error(
        `clipGradNorm_: errorIfNonfinite reads the norm on the host, and reads on ${total.device} are ` +
          "asynchronous — call clipGradNorm_ without it and check the norm it returns: " +
          "if (!Number.isFinite(await norm.itemAsync())) ...",
      );
    }
    const value = opts.errorIfNonfinite ? total.item() : 0;
    if (!Number.isFinite(value)) {
      throw new Error(
        `clipGradNorm_: the total norm of order ${normType} of the gradients is ${value} — a NaN or inf gradient ` +
          "(a loss that blew up?); pass errorIfNonfinite: false to clip anyway",
      );
    }
    const coef = clamp(div(maxNorm, add(total, 1e-6)), null, 1);
    for (const g of grads) g.copy_(mul(g, coef));
    return total;
  });
}

/** Clamps every gradient element to [−clipValue, clipValue], in place. */
export function clipGradValue_(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  if (!(clipValue >= 0)) throw new Error(`clipGradValue_: clipValue must be ≥ 0, got ${clipValue}`);
  noGrad(() => {
    for (const g of gradsOf(parameters)) g.copy_(clamp(g, -clipValue, clipValue));
  });
}

/**
 * A deep copy of a module (PyTorch users' `copy.deepcopy(model)`): the same class, its own copies of
 * every parameter and buffer with the same values, submodules copied likewise, other fields copied
 * shallowly. nn.TransformerEncoder builds its layers this way, so they start identical, as PyTorch's.
 */
export function deepcopy<M extends AnyModule>(m: M): M {
  const copy = Reflect.construct(Module, [], m.constructor) as M;
  copy.training = m.training;
  const buffers = (m as unknown as { _buffers: Set<string> })._buffers;
  const fields = copy as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(m)) {
    if (buffers.has(k)) copy.registerBuffer(k, v as Tensor | null);
    else if (v instanceof Parameter) fields[k] = new Parameter(v.detach(), v.requiresGrad);
    else if (v instanceof Module) fields[k] = deepcopy(v);
    else if (v instanceof Tensor) fields[k] = noGrad(() => clone(v));
    else if (Array.isArray(v)) fields[k] = [...v];
    else fields[k] = v;
  }
  return copy;
}
