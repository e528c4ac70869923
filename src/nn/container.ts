/**
 * Containers: Sequential (modules applied in order, keyed "0", "1", ...) and ModuleList (a list
 * whose modules are registered, with no forward of its own).
 *
 * @example
 * const net = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Linear(2, 1));
 * net.stateDict() // keys "0.weight", "0.bias", "2.weight", "2.bias"
 */
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";

function checkModules(mods: readonly unknown[], who: string): void {
  mods.forEach((m, i) => {
    if (!(m instanceof Module)) throw new Error(`${who}: argument ${i} is not an nn.Module (got ${typeof m}) — did you pass a class instead of an instance, e.g. nn.ReLU instead of new nn.ReLU()?`);
  });
}

export class Sequential extends Module {
  [index: number]: Module;

  constructor(...mods: Module[]) {
    super();
    checkModules(mods, "Sequential");
    mods.forEach((m, i) => { this[i] = m; });
  }

  override get length(): number { return [...this.namedChildren()].length; }
  /** Appends a module; it gets the next index as its key. */
  append(m: Module): this { checkModules([m], "Sequential.append"); this[this.length] = m; return this; }
  [Symbol.iterator](): Iterator<Module> { return this.children(); }

  override forward(x: Tensor): Tensor {
    for (const m of this.children()) x = m(x);
    return x;
  }
}

export class ModuleList extends Module {
  [index: number]: Module;

  constructor(mods: Module[] = []) {
    super();
    checkModules(mods, "ModuleList");
    mods.forEach((m, i) => { this[i] = m; });
  }
  override get length(): number { return [...this.namedChildren()].length; }
  append(m: Module): this { checkModules([m], "ModuleList.append"); this[this.length] = m; return this; }
  [Symbol.iterator](): Iterator<Module> { return this.children(); }
  override forward(): Tensor { throw new Error("ModuleList has no forward(): iterate over it in your own module's forward"); }
}
