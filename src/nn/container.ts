/**
 * Containers: Sequential (modules applied in order, keyed "0", "1", ...), ModuleList (a list
 * whose modules are registered, with no forward of its own) and ModuleDict (modules by name).
 *
 * @example
 * const net = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Linear(2, 1));
 * net.stateDict() // keys "0.weight", "0.bias", "2.weight", "2.bias"
 */
import type { Tensor } from "../tensor/tensor.js";
import { Conv2d } from "./conv.js";
import { ReLU } from "./layers.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";

/** Modules stored under the keys "0", "1", ... — the naming PyTorch's state_dict keys follow. */
abstract class IndexedModules extends Module {
  [index: number]: Module;

  constructor(mods: readonly Module[]) {
    super();
    mods.forEach((m) => this.append(m));
  }

  override get length(): number {
    return [...this.namedChildren()].length;
  }

  /** Appends a module under the next index. */
  append(m: Module): this {
    if (Array.isArray(m)) {
      throw new TypeError(
        `${this.constructor.name}: argument ${this.length} is an array — pass the modules as ` +
          `separate arguments: new nn.Sequential(a, b, c), or spread a list: new nn.Sequential(...layers)`,
      );
    }
    checkModule(m, this.constructor.name, `argument ${this.length}`);
    this[this.length] = m;
    return this;
  }

  /** Appends every module of `mods` (an array, another list, any iterable), like PyTorch's extend. */
  extend(mods: Iterable<Module>): this {
    for (const m of [...mods]) this.append(m);
    return this;
  }

  /** The module at `index`; negative counts from the end (`list.at(-1)` is PyTorch's `list[-1]`). */
  at(index: number): Module {
    return this[this.indexOf(index, "at")];
  }

  /** Inserts `m` before position `index` (negative counts from the end; past the end appends), renumbering the rest. */
  insert(index: number, m: Module): this {
    checkModule(m, this.constructor.name, "insert");
    const mods = [...this.children()],
      n = mods.length;
    const i = Math.min(Math.max(index < 0 ? index + n : index, 0), n);
    mods.splice(i, 0, m);
    return this.renumber(mods);
  }

  /** Removes and returns the module at `index` (default the last), renumbering the rest as PyTorch does. */
  pop(index = -1): Module {
    const mods = [...this.children()];
    const [m] = mods.splice(this.indexOf(index, "pop"), 1);
    this.renumber(mods);
    return m;
  }

  private indexOf(index: number, op: string): number {
    const n = this.length,
      i = index < 0 ? index + n : index;
    if (!Number.isInteger(index) || i < 0 || i >= n) {
      throw new Error(`${this.constructor.name}.${op}: index ${index} is out of range for ${n} module(s)`);
    }
    return i;
  }

  /** Re-keys the modules "0", "1", ... in order (state_dict keys follow). */
  private renumber(mods: Module[]): this {
    for (let i = 0; i < mods.length + 1; i++) delete (this as unknown as Record<number, Module>)[i];
    mods.forEach((m, i) => {
      this[i] = m;
    });
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.children();
  }
}

function checkModule(m: unknown, owner: string, what: string): void {
  if (!(m instanceof Module)) {
    throw new Error(
      `${owner}: ${what} is not an nn.Module (got ${typeof m}) — did you pass a class instead of an ` +
        `instance, e.g. nn.ReLU instead of new nn.ReLU()?`,
    );
  }
}

// The forwards as shipped: a subclass, or a patch of the prototype, that changes them is run as written.
const linearForward = Linear.prototype.forward,
  conv2dForward = Conv2d.prototype.forward,
  reluForward = ReLU.prototype.forward;

/** Plain Linear or Conv2d then plain ReLU. */
function fusesWithRelu(a: Module, b: Module): a is Linear | Conv2d {
  if (!(b instanceof ReLU) || b.forward !== reluForward) return false;
  return (a instanceof Linear && a.forward === linearForward) || (a instanceof Conv2d && a.forward === conv2dForward);
}

export class Sequential extends IndexedModules {
  constructor(...mods: Module[]) {
    super(mods);
  }

  override forward(x: Tensor): Tensor {
    const mods = [...this.children()];
    for (let i = 0; i < mods.length; i++) {
      // A Linear or Conv2d followed by a ReLU runs as one kernel call: the same values and gradients,
      // one output tensor and one pass over it fewer (the graph shows one AddmmReluBackward or
      // ConvolutionReluBackward node). In a CNN this pass is large: LeNet's first ReLU alone reads
      // and writes 64·6·28·28 floats a step.
      // Only when another module follows: the fused backward reads its output, which must not be
      // one the caller can modify in place.
      if (i + 2 < mods.length && fusesWithRelu(mods[i], mods[i + 1])) x = (mods[i++] as Linear | Conv2d).forwardRelu(x);
      else x = mods[i](x);
    }
    return x;
  }
}

export class ModuleList extends IndexedModules {
  constructor(mods: Module[] = []) {
    if (!Array.isArray(mods)) throw new TypeError("ModuleList takes one array of modules: new nn.ModuleList([a, b])");
    super(mods);
  }
  override forward(): Tensor {
    throw new Error("ModuleList has no forward(): iterate over it in your own module's forward");
  }
}

type ModuleEntries = Map<string, Module> | Record<string, Module> | Iterable<readonly [string, Module]>;

function entriesOf(mods: ModuleEntries): Array<readonly [string, Module]> {
  if (mods instanceof Map) return [...mods.entries()];
  if (Symbol.iterator in Object(mods)) return [...(mods as Iterable<readonly [string, Module]>)];
  return Object.entries(mods as Record<string, Module>);
}

/**
 * Modules by name, in insertion order, registered like fields: each key is the module's state_dict
 * prefix (`heads.conv-1.weight`), and any string works except "" and names with a "." (which
 * would break the dotted keys, as in PyTorch). No forward: look modules up in your own forward.
 * A plain object lists integer-like keys ("0", "10") first — JS's rule — so pass a Map or
 * [key, module] pairs when such keys must keep their place.
 *
 * @example
 * const heads = new nn.ModuleDict({ cls: new nn.Linear(64, 10), box: new nn.Linear(64, 4) });
 * heads.get("cls")(features); heads.keys() // ["cls", "box"]
 */
export class ModuleDict extends Module {
  private readonly mods = new Map<string, Module>();

  constructor(modules?: ModuleEntries) {
    super();
    if (modules) this.update(modules);
  }

  override *namedChildren(): Generator<[string, Module]> {
    yield* this.mods.entries();
  }

  override get length(): number {
    return this.mods.size;
  }

  /** The module under `key`; an unknown key is an error naming the keys there are. */
  get(key: string): Module {
    const m = this.mods.get(key);
    if (!m)
      throw new Error(
        `ModuleDict: no module under key "${key}" (keys: ` +
          `${[...this.mods.keys()].map((k) => `"${k}"`).join(", ") || "none"})`,
      );
    return m;
  }

  /** Adds or replaces the module under `key` (a replaced key keeps its place). */
  set(key: string, m: Module): this {
    if (typeof key !== "string") throw new Error(`ModuleDict: keys must be strings, got ${typeof key}`);
    if (key === "") throw new Error('ModuleDict: a key can\'t be the empty string ""');
    if (key.includes("."))
      throw new Error(`ModuleDict: key "${key}" can't contain "." — state_dict keys use "." ` + `between module names`);
    checkModule(m, "ModuleDict", `the value for key "${key}"`);
    this.mods.set(key, m);
    return this;
  }

  has(key: string): boolean {
    return this.mods.has(key);
  }
  /** Removes and returns the module under `key`. */
  pop(key: string): Module {
    const m = this.get(key);
    this.mods.delete(key);
    return m;
  }
  delete(key: string): boolean {
    return this.mods.delete(key);
  }
  clear(): void {
    this.mods.clear();
  }
  keys(): string[] {
    return [...this.mods.keys()];
  }
  values(): Module[] {
    return [...this.mods.values()];
  }
  items(): Array<[string, Module]> {
    return [...this.mods.entries()];
  }
  /** Adds every (key, module) of a Map, an object, another ModuleDict (`dict.items()`) or a list of pairs. */
  update(modules: ModuleEntries | ModuleDict): this {
    for (const [k, m] of modules instanceof ModuleDict ? modules.items() : entriesOf(modules)) this.set(k, m);
    return this;
  }
  /** Iterates over the keys, like a Python dict. */
  [Symbol.iterator](): Iterator<string> {
    return this.mods.keys();
  }

  override forward(): Tensor {
    throw new Error("ModuleDict has no forward(): look its modules up with get(key) in " + "your own module's forward");
  }
}
