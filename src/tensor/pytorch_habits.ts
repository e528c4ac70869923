/**
 * Turning PyTorch habits that plain JS would silently accept into errors that say what to write instead:
 * a positional value where gradlab takes an options object (`new optim.SGD(params, 0.01)`), a snake_case
 * option (`{ weight_decay }`) or method (`optimizer.zero_grad()`).
 */

/** "a number (0.01)", "an array", "a Map", "a plain object": how error messages name what they got. */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "number" || typeof v === "boolean") return `a ${typeof v} (${v})`;
  if (typeof v === "string") return `a string ("${v}")`;
  if (typeof v === "function") return "a function";
  const name = (v as object).constructor?.name;
  return name && name !== "Object" ? `a ${name}` : "a plain object";
}

/** `weight_decay` → `weightDecay`. */
export const camelCase = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Checks that `opts` is an options object whose keys are all in `known`, and returns it. A positional
 * value (PyTorch's `SGD(params, 0.01)`) or an unknown key (`{ weight_decay: 1e-4 }`, silently ignored
 * otherwise) is a TypeError that names the slip and shows `usage`.
 *
 * @param op - How the error names the call, e.g. "SGD".
 * @param usage - A correct call, e.g. "new optim.SGD(params, { lr: 0.01, momentum: 0.9 })".
 */
export function checkOptions<T>(op: string, opts: T, known: readonly string[], usage: string): T {
  if (opts === undefined) return opts;
  if (opts === null || typeof opts !== "object" || Array.isArray(opts) || ArrayBuffer.isView(opts)) {
    throw new TypeError(`${op}: expected an options object, got ${describeValue(opts)} — write ${usage}`);
  }
  for (const key of Object.keys(opts)) {
    if (known.includes(key)) continue;
    const camel = camelCase(key);
    throw new TypeError(
      known.includes(camel)
        ? `${op}: unknown option "${key}" — gradlab's options are camelCase: ${camel}`
        : `${op}: unknown option "${key}" (valid: ${known.join(", ")}) — e.g. ${usage}`,
    );
  }
  return opts;
}

/**
 * A Proxy `get` trap for classes PyTorch users call with snake_case names: reading `obj.zero_grad`,
 * `obj.state_dict` or `obj.param_groups` when the object has `zeroGrad`, `stateDict` or `paramGroups`
 * throws a TypeError naming the camelCase member. Every other read is plain `Reflect.get`, so a
 * subclass's own fields (snake_case or not) and anything genuinely absent behave as usual.
 */
export function camelCaseGet(kind: string) {
  return (target: object, prop: string | symbol, receiver: unknown): unknown => {
    const v: unknown = Reflect.get(target, prop, receiver);
    if (v !== undefined || typeof prop !== "string" || !/^[a-z][a-z0-9]*(_[a-z0-9]+)+_?$/.test(prop)) return v;
    const camel = camelCase(prop.replace(/_$/, "")) + (prop.endsWith("_") ? "_" : "");
    if (!(camel in target)) return v;
    const call = typeof Reflect.get(target, camel, receiver) === "function" ? "()" : "";
    throw new TypeError(`${kind} has no ${prop}: gradlab's names are camelCase — use .${camel}${call}`);
  };
}
