/** Whether ops record a graph. `noGrad(fn)` is `with torch.no_grad():`. */
let enabled = true;

export const isGradEnabled = (): boolean => enabled;

/** Runs `fn` without building a graph (evaluation, optimizer updates); restores the mode after, even on throw. */
export function noGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = false;
  try { return fn(); } finally { enabled = prev; }
}

/** Runs `fn` with graph building on (inside a `noGrad`). */
export function enableGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = true;
  try { return fn(); } finally { enabled = prev; }
}

/** `torch.set_grad_enabled(mode)`. */
export function setGradEnabled(mode: boolean): void { enabled = mode; }
