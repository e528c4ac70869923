/**
 * nn.Module: the base of every layer and model. Parameters and submodules are found from the fields
 * a subclass assigns, in assignment order, so PyTorch's state_dict keys come out the same:
 *
 * @example
 * class MLP extends nn.Module {
 *   net = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
 *   forward(x: Tensor) { return this.net(x); }
 * }
 * const model = new MLP();
 * model(x);                                  // calls forward, like PyTorch
 * Object.keys(model.stateDict());            // ["net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"]
 */
import { noGrad } from "../autograd/grad_mode.js";
import { K } from "../backend/registry.js";
import { fmt, sameShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { Parameter } from "./parameter.js";

export type StateDict = Record<string, Tensor>;

export interface LoadResult { missingKeys: string[]; unexpectedKeys: string[] }

const INTERNAL = new Set(["training", "_buffers"]);

/**
 * `Out` is what `forward` returns: a Tensor for most layers; an object for modules with several
 * outputs (`nn.LSTM` returns `{ output, hN, cN }`).
 */
export interface Module<Out = Tensor> {
  /** `model(x)` runs `forward(x)`. */
  (...args: any[]): Out; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A module of any output type: what containers and the submodule iterators hold. */
export type AnyModule = Module<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class Module<Out = Tensor> {
  /** True in train mode (Dropout drops, BatchNorm uses batch stats); false after `eval()`. */
  declare training: boolean;
  private declare _buffers: Set<string>;

  constructor() {
    // A module is a callable function object whose prototype is the subclass's: `model(x)` works,
    // and subclass field initialisers land on it.
    const self = function (...args: unknown[]) {
      return (self as unknown as Module<Out>).forward(...args);
    } as unknown as Module<Out>;
    Object.setPrototypeOf(self, new.target.prototype);
    // A function's own `length`/`name` would shadow subclass members of those names (Sequential.length).
    delete (self as { length?: number }).length;
    delete (self as { name?: string }).name;
    Object.defineProperty(self, "training", { value: true, writable: true, enumerable: false });
    Object.defineProperty(self, "_buffers", { value: new Set<string>(), enumerable: false });
    return self;
  }

  /** Defines the computation. Subclasses override it. */
  forward(..._args: unknown[]): Out {
    throw new Error(`${this.constructor.name}: forward() is not implemented — define forward(x) in your Module subclass`);
  }

  /** Registers a non-learnable tensor saved in the state dict (e.g. BatchNorm's running_mean). */
  registerBuffer(name: string, t: Tensor | null): void {
    this._buffers.add(name);
    let stored = t;
    if (t) {
      const own = K.alloc(t.dtype, t.numel(), true);
      own.set(t.data);
      stored = new Tensor(own, t.shape);
    }
    (this as unknown as Record<string, unknown>)[name] = stored;
  }

  /** Direct submodules in registration order, with their field names. */
  *namedChildren(): Generator<[string, AnyModule]> {
    for (const [k, v] of Object.entries(this)) if (v instanceof Module && !INTERNAL.has(k)) yield [k, v];
  }
  *children(): Generator<AnyModule> { for (const [, m] of this.namedChildren()) yield m; }

  /** This module and all submodules, depth first, each once. */
  *namedModules(prefix = "", seen = new Set<AnyModule>()): Generator<[string, AnyModule]> {
    if (seen.has(this)) return;
    seen.add(this);
    yield [prefix, this];
    for (const [k, m] of this.namedChildren()) yield* m.namedModules(prefix ? `${prefix}.${k}` : k, seen);
  }
  *modules(): Generator<AnyModule> { for (const [, m] of this.namedModules()) yield m; }

  /** Parameters with dotted PyTorch names (`net.0.weight`), shared ones once. */
  *namedParameters(): Generator<[string, Parameter]> {
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [k, v] of Object.entries(m)) {
        if (v instanceof Parameter && !seen.has(v)) { seen.add(v); yield [prefix ? `${prefix}.${k}` : k, v]; }
      }
    }
  }
  parameters(): Parameter[] { return [...this.namedParameters()].map(([, p]) => p); }

  *namedBuffers(): Generator<[string, Tensor]> {
    for (const [prefix, m] of this.namedModules()) {
      for (const k of m._buffers) {
        const v = (m as unknown as Record<string, unknown>)[k];
        if (v instanceof Tensor) yield [prefix ? `${prefix}.${k}` : k, v];
      }
    }
  }

  /** Sets train mode on this module and every submodule. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  /** Eval mode: Dropout off, BatchNorm uses running statistics. Same as `train(false)`. */
  eval(): this { return this.train(false); }

  /** Clears every parameter's gradient (set to null, like PyTorch's default `set_to_none=True`). */
  zeroGrad(setToNone = true): void { zeroGrads(this.parameters(), setToNone); }

  /** Parameters and buffers by PyTorch key (`0.weight`, `1.running_mean`, ...). Tensors share storage with the model. */
  stateDict(): StateDict {
    const sd: StateDict = {};
    for (const [prefix, m] of this.namedModules()) {
      const pre = prefix ? `${prefix}.` : "";
      for (const [k, v] of Object.entries(m)) if (v instanceof Parameter) sd[pre + k] = v.detach();
      for (const k of m._buffers) {
        const v = (m as unknown as Record<string, unknown>)[k];
        if (v instanceof Tensor) sd[pre + k] = v;
      }
    }
    return sd;
  }

  /**
   * Copies values from `sd` into this model's parameters and buffers. With `strict` (default) any
   * missing or unexpected key is an error; a shape mismatch always is. The error lists them all.
   */
  loadStateDict(sd: StateDict, opts: { strict?: boolean } = {}): LoadResult {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in sd));
    const unexpectedKeys = Object.keys(sd).filter((k) => !(k in own));
    const mismatched = Object.keys(own).filter((k) => k in sd && !sameShape(own[k].shape, sd[k].shape))
      .map((k) => `${k}: checkpoint ${fmt(sd[k].shape)} vs model ${fmt(own[k].shape)}`);
    const problems: string[] = [];
    if (mismatched.length) problems.push(`size mismatch for ${mismatched.join("; ")}`);
    if (strict && missingKeys.length) problems.push(`missing keys: ${missingKeys.join(", ")}`);
    if (strict && unexpectedKeys.length) problems.push(`unexpected keys: ${unexpectedKeys.join(", ")}`);
    if (problems.length) throw new Error(`loadStateDict: error(s) loading state dict for ${this.constructor.name}: ${problems.join(". ")}`);
    noGrad(() => {
      for (const k of Object.keys(own)) if (k in sd) own[k].data.set(sd[k].data);
    });
    return { missingKeys, unexpectedKeys };
  }

  /** Applies `fn` to every submodule and this one (e.g. custom init). */
  apply(fn: (m: Module) => void): this {
    for (const m of [...this.modules()].reverse()) fn(m);
    return this;
  }

  /** One-line description used by `toString()`; modules with hyper-parameters override it. */
  extraRepr(): string { return ""; }

  toString(): string {
    const kids = [...this.namedChildren()];
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (!kids.length) return head + ")";
    const body = kids.map(([k, m]) => `  (${k}): ${m.toString().split("\n").join("\n  ")}`).join("\n");
    return `${head}\n${body}\n)`;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string { return this.toString(); }
}

/** What `zeroGrad()` does for a module and for an optimizer: `.grad` to null, or zeroed in place. */
export function zeroGrads(params: Iterable<Tensor>, setToNone: boolean): void {
  for (const p of params) {
    if (setToNone) p.grad = null;
    else p.peekGrad()?.zero_();
  }
}
