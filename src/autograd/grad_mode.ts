/** Whether ops record a graph. `noGrad(fn)` is `with torch.no_grad():`. */
let enabled = true;

export const isGradEnabled = (): boolean => enabled;

/**
 * Grad mode is one global flag set around a synchronous call: an async function would get it only
 * until its first `await`, and the rest of it would run with the caller's mode, silently. Refused.
 */
function refuseAsync(op: "noGrad" | "enableGrad", fn: unknown, result?: unknown): void {
  const isAsync = typeof fn === "function" && fn.constructor?.name === "AsyncFunction";
  const thenable = result !== undefined && typeof (result as { then?: unknown } | null)?.then === "function";
  if (!isAsync && !thenable) return;
  // Its rejection would otherwise surface later as an unhandled one, after this clearer error.
  if (thenable) (result as PromiseLike<unknown>).then(undefined, () => {});
  throw new TypeError(
    `${op}: got an async function (or one returning a Promise): grad mode would change only ` +
      `until its first await. Wrap the synchronous work instead: const y = ${op}(() => model(x)); await ...`,
  );
}

/**
 * Runs `fn` without building a graph (evaluation, optimizer updates); restores the mode after, even on
 * throw. `fn` must be synchronous: an async function is refused (see above).
 *
 * @example
 * const accuracy = noGrad(() => model(x).argmax(1).eq(y).mean().item());
 */
export function noGrad<T>(fn: () => T): T {
  refuseAsync("noGrad", fn);
  const prev = enabled;
  enabled = false;
  let out: T;
  try {
    out = fn();
  } finally {
    enabled = prev;
  }
  refuseAsync("noGrad", fn, out);
  return out;
}

/** Runs `fn` with graph building on (inside a `noGrad`). Synchronous only, like `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  refuseAsync("enableGrad", fn);
  const prev = enabled;
  enabled = true;
  let out: T;
  try {
    out = fn();
  } finally {
    enabled = prev;
  }
  refuseAsync("enableGrad", fn, out);
  return out;
}

/** `torch.set_grad_enabled(mode)`. */
export function setGradEnabled(mode: boolean): void {
  enabled = mode;
}
