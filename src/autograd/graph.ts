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

function topoSort(roots: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: deep nets (or long unrolled graphs) must not overflow the JS stack. A root
  // another root depends on is placed by that DFS, below its consumer.
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    const stack: [Tensor, number][] = [[root, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const inputs = top[0].gradFn?.inputs ?? [];
      if (top[1] < inputs.length) {
        const child = inputs[top[1]++];
        if (child.requiresGrad && !seen.has(child)) {
          seen.add(child);
          stack.push([child, 0]);
        }
      } else {
        order.push(top[0]);
        stack.pop();
      }
    }
  }
  return order;
}

export interface BackwardOptions {
  /** Keep the graph so backward can run through it again (PyTorch's retain_graph). */
  retainGraph?: boolean;
  /** Higher-order gradients are not supported: gradients never record a graph. */
  createGraph?: boolean;
}

const fmtShape = (t: Tensor): string => `[${t.shape.join(", ")}]`;

/** Checks roots and their seed gradients, returning the seeds (ones for scalars). */
function seeds(roots: readonly Tensor[], gradients: readonly (Tensor | null | undefined)[], op: string): Tensor[] {
  return roots.map((root, i) => {
    const gradient = gradients[i];
    if (!root.requiresGrad) {
      throw new Error(
        `${op}: this tensor does not require grad and has no gradFn — did you compute it inside noGrad(), or forget requiresGrad: true on the inputs?`,
      );
    }
    if (
      gradient &&
      (gradient.shape.length !== root.shape.length || gradient.shape.some((d, k) => d !== root.shape[k]))
    ) {
      throw new Error(
        `${op}: gradient has shape ${fmtShape(gradient)} but the output has shape ${fmtShape(root)} — pass a gradient of the output's shape`,
      );
    }
    if (!gradient && root.numel() !== 1) {
      throw new Error(
        `${op}: grad can be implicitly created only for scalar outputs; this output has shape ${fmtShape(root)} — pass a gradient of the same shape, or reduce it (e.g. .sum() or .mean()) first`,
      );
    }
    return gradient ?? root.onesLike();
  });
}

/**
 * The backward loop: gradients flow from `roots` (seeded with `grads`) in reverse topological
 * order; `reach(t, g)` receives each leaf's (and retained non-leaf's) total gradient.
 */
function propagate(
  roots: readonly Tensor[],
  grads: readonly Tensor[],
  reach: (t: Tensor, g: Tensor) => void,
  opts: BackwardOptions,
): void {
  if (opts.createGraph) {
    throw new Error(
      "backward: createGraph (higher-order gradients) is not supported — gradlab's backward records no graph",
    );
  }
  noGrad(() => {
    const pending = new Map<Tensor, Tensor>();
    roots.forEach((r, i) => {
      const prev = pending.get(r);
      pending.set(r, prev ? prev.add(grads[i]) : grads[i]);
    });
    const order = topoSort(roots);
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = pending.get(t);
      if (!g) continue;
      pending.delete(t); // free intermediate gradients as soon as they are consumed
      reach(t, g);
      if (!t.gradFn) continue;
      const inputGrads = t.gradFn.backward(g);
      t.gradFn.inputs.forEach((inp, k) => {
        const gi = inputGrads[k];
        if (!gi || !inp.requiresGrad) return;
        const prev = pending.get(inp);
        pending.set(inp, prev ? prev.add(gi) : gi);
      });
    }
  });
  // Like PyTorch (retain_graph=False) the graph is freed after backward; a second call raises.
  if (!opts.retainGraph) for (const r of roots) freeGraph(r);
}

/**
 * Backpropagates from `root`: gradients of leaves (and of tensors that called `retainGrad()`)
 * are **added** to their `.grad`, as in PyTorch — zero them between steps.
 */
export function backward(root: Tensor, gradient?: Tensor, opts: BackwardOptions = {}): void {
  propagate(
    [root],
    seeds([root], [gradient], "backward"),
    (t, g) => {
      if (!t.gradFn || t.retainsGrad) t.accumulateGrad(g);
    },
    opts,
  );
}

/**
 * `torch.autograd.grad`: the gradients of `outputs` with respect to `inputs`, returned instead of
 * added to `.grad` (no tensor's `.grad` changes). An input the outputs do not depend on is an error
 * unless `allowUnused`, which gives null for it.
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  gradOutputs?: Tensor | readonly (Tensor | null)[] | null,
  opts: BackwardOptions & { allowUnused?: boolean } = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor];
  const gos =
    gradOutputs == null
      ? []
      : Array.isArray(gradOutputs)
        ? (gradOutputs as readonly (Tensor | null)[])
        : [gradOutputs as Tensor];
  ins.forEach((t, i) => {
    if (!t.requiresGrad) throw new Error(`autograd.grad: input ${i} ${fmtShape(t)} does not require grad`);
  });
  const wanted = new Map<Tensor, Tensor | null>(ins.map((t) => [t, null]));
  propagate(
    outs,
    seeds(outs, gos, "autograd.grad"),
    (t, g) => {
      if (wanted.has(t)) wanted.set(t, g);
    },
    opts,
  );
  return ins.map((t, i) => {
    const g = wanted.get(t) ?? null;
    if (!g && !opts.allowUnused) {
      throw new Error(
        `autograd.grad: input ${i} ${fmtShape(t)} was not used to compute the outputs — pass allowUnused: true to get null for it`,
      );
    }
    return g && (g.shape.length === t.shape.length ? g : g.reshape(t.shape));
  });
}

function freeGraph(root: Tensor): void {
  const stack = [root];
  while (stack.length) {
    const t = stack.pop()!;
    const fn = t.gradFn;
    if (!fn || fn.name.endsWith("(freed)")) continue;
    stack.push(...fn.inputs);
    // Dropping the inputs lets the intermediate tensors be collected; a second backward still fails loudly.
    t.gradFn = {
      name: `${fn.name} (freed)`,
      inputs: [],
      backward: () => {
        throw new Error(
          `backward: trying to backward through ${fn.name} a second time — the graph was freed after the first backward(); recompute the forward pass, or pass { retainGraph: true } to the first backward`,
        );
      },
    };
  }
}
