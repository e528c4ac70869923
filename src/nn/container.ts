/**
 * Containers: Sequential (modules applied in order, keyed "0", "1", ...) and ModuleList (a list
 * whose modules are registered, with no forward of its own).
 *
 * @example
 * const net = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Linear(2, 1));
 * net.stateDict() // keys "0.weight", "0.bias", "2.weight", "2.bias"
 */
import type { Tensor } from "../tensor/tensor.js";
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

  override get length(): number { return [...this.namedChildren()].length; }

  /** Appends a module under the next index. */
  append(m: Module): this {
    if (Array.isArray(m)) {
      throw new TypeError(`${this.constructor.name}: argument ${this.length} is an array — pass the modules as ` +
        `separate arguments: new nn.Sequential(a, b, c), or spread a list: new nn.Sequential(...layers)`);
    }
    if (!(m instanceof Module)) {
      throw new Error(`${this.constructor.name}: argument ${this.length} is not an nn.Module (got ${typeof m}) — did you pass a class instead of an instance, e.g. nn.ReLU instead of new nn.ReLU()?`);
    }
    this[this.length] = m;
    return this;
  }

  [Symbol.iterator](): Iterator<Module> { return this.children(); }
}

// The forwards as shipped: a subclass, or a patch of the prototype, that changes them is run as written.
const linearForward = Linear.prototype.forward, reluForward = ReLU.prototype.forward;

/** Plain Linear then plain ReLU. */
function fusesWithRelu(a: Module, b: Module): boolean {
  return a instanceof Linear && a.forward === linearForward && b instanceof ReLU && b.forward === reluForward;
}

export class Sequential extends IndexedModules {
  constructor(...mods: Module[]) { super(mods); }

  override forward(x: Tensor): Tensor {
    const mods = [...this.children()];
    for (let i = 0; i < mods.length; i++) {
      // A Linear followed by a ReLU runs as one kernel call: the same values and gradients, one
      // output tensor and one pass over it fewer (the graph shows one AddmmReluBackward node).
      // Only when another module follows: the fused backward reads its output, which must not be
      // one the caller can modify in place.
      if (i + 2 < mods.length && fusesWithRelu(mods[i], mods[i + 1])) x = (mods[i++] as Linear).forwardRelu(x);
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
  override forward(): Tensor { throw new Error("ModuleList has no forward(): iterate over it in your own module's forward"); }
}
