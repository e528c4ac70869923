/**
 * The dynamic graph, micrograd-style: every op builds its output and, beside it, a backward closure
 * mapping the output's gradient to its inputs' gradients. `backward()` is a topological sort and one loop.
 */
import type { Tensor } from "../tensor/tensor.js";
import { isGradEnabled, noGrad } from "./grad_mode.js";

/** What produced a tensor: the op's name, its inputs, and how to send a gradient back to them. */
export interface GradFn {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  /** Gradients for each input (null where an input needs none), given the output's gradient. */
  readonly backward: (grad: Tensor) => (Tensor | null)[];
}

/**
 * Attaches a backward closure to `out` if grad mode is on and any input requires grad.
 * Ops call this right after computing their output: `return record(out, [a, b], "MulBackward", g => [...])`.
 */
export function record(out: Tensor, inputs: readonly Tensor[], name: string, backward: GradFn["backward"]): Tensor {
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.gradFn = { name, inputs, backward };
  }
  return out;
}

function topoSort(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: deep nets (or long unrolled graphs) must not overflow the JS stack.
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const inputs = top[0].gradFn?.inputs ?? [];
    if (top[1] < inputs.length) {
      const child = inputs[top[1]++];
      if (child.requiresGrad && !seen.has(child)) { seen.add(child); stack.push([child, 0]); }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  return order;
}

/**
 * Backpropagates from `root`: gradients of leaves (and of tensors that called `retainGrad()`)
 * are **added** to their `.grad`, as in PyTorch — zero them between steps.
 */
export function backward(root: Tensor, gradient?: Tensor): void {
  if (!root.requiresGrad) {
    throw new Error("backward: this tensor does not require grad and has no gradFn — did you compute it inside noGrad(), or forget requiresGrad: true on the inputs?");
  }
  if (gradient && (gradient.shape.length !== root.shape.length || gradient.shape.some((d, i) => d !== root.shape[i]))) {
    throw new Error(`backward: gradient has shape [${gradient.shape.join(", ")}] but the output has shape [${root.shape.join(", ")}] — pass a gradient of the output's shape`);
  }
  if (!gradient && root.numel() !== 1) {
    throw new Error(`backward: grad can be implicitly created only for scalar outputs; this output has shape [${root.shape.join(", ")}] — pass a gradient of the same shape, or reduce it (e.g. .sum() or .mean()) first`);
  }
  noGrad(() => {
    const grads = new Map<Tensor, Tensor>();
    grads.set(root, gradient ?? root.onesLike());
    const order = topoSort(root);
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t); // free intermediate gradients as soon as they are consumed
      if (!t.gradFn || t.retainsGrad) t.accumulateGrad(g);
      if (!t.gradFn) continue;
      const inputGrads = t.gradFn.backward(g);
      t.gradFn.inputs.forEach((inp, k) => {
        const gi = inputGrads[k];
        if (!gi || !inp.requiresGrad) return;
        const prev = grads.get(inp);
        grads.set(inp, prev ? prev.add(gi) : gi);
      });
    }
  });
  // Like PyTorch (retain_graph=False) the graph is freed after backward; a second call raises.
  freeGraph(root);
}

function freeGraph(root: Tensor): void {
  const stack = [root];
  while (stack.length) {
    const t = stack.pop()!;
    const fn = t.gradFn;
    if (!fn || fn.name.endsWith("(freed)")) continue;
    stack.push(...fn.inputs);
    // Dropping the inputs lets the intermediate tensors be collected; a second backward still fails loudly.
    t.gradFn = { name: `${fn.name} (freed)`, inputs: [], backward: () => {
      throw new Error(`backward: trying to backward through ${fn.name} a second time — the graph was freed after the first backward(); recompute the forward pass for each backward (PyTorch's retain_graph is not supported)`);
    } };
  }
}
