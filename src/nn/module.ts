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
import { kernels, kernelsOf } from "../backend/registry.js";
import { deviceName, loadWithoutSwitching, toDevice, toDeviceAsync } from "../ops/device.js";
import type { Device } from "../tensor/storage.js";
import { camelCaseGet, describeValue } from "../tensor/pytorch_habits.js";
import { fmt, sameShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { Parameter } from "./parameter.js";

/**
 * A model's parameters and buffers by PyTorch key (`"0.weight"`, `"1.running_mean"`): what
 * `model.stateDict()` returns, `model.loadStateDict(sd)` takes, and `save`/`load` (gradlab/node) and
 * `io.saveBytes`/`io.loadBytes` (browser) write and read.
 */
export type StateDict = Record<string, Tensor>;

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

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
  declare private _buffers: Set<string>;

  constructor() {
    // A module is a callable function object whose prototype is the subclass's: `model(x)` works,
    // and subclass field initialisers land on it.
    const self = function (...args: unknown[]) {
      return module.forward(...args);
    } as unknown as Module<Out>;
    Object.setPrototypeOf(self, new.target.prototype);
    // A function's own `length`/`name` would shadow subclass members of those names (Sequential.length).
    delete (self as { length?: number }).length;
    delete (self as { name?: string }).name;
    Object.defineProperty(self, "training", { value: true, writable: true, enumerable: false });
    Object.defineProperty(self, "_buffers", { value: new Set<string>(), enumerable: false });
    // Behind a Proxy, because a class cannot intercept assignments to fields it does not declare:
    // PyTorch's __setattr__ checks (a plain tensor assigned over a parameter would silently leave
    // parameters() and stateDict()) and snake_case reads (model.state_dict) that name the camelCase one.
    const module = new Proxy<Module<Out>>(self, { get: camelCaseGet(new.target.name), set: assignChecked });
    return module;
  }

  /** Defines the computation. Subclasses override it. */
  forward(..._args: unknown[]): Out {
    throw new Error(
      `${this.constructor.name}: forward() is not implemented — define forward(x) in your Module subclass`,
    );
  }

  /** Registers a non-learnable tensor saved in the state dict (e.g. BatchNorm's running_mean). */
  registerBuffer(name: string, t: Tensor | null): void {
    this._buffers.add(name);
    let stored = t;
    if (t) {
      stored = new Tensor(kernels.alloc(t.dtype, t.numel(), true), t.shape).copy_(t);
    }
    (this as unknown as Record<string, unknown>)[name] = stored;
  }

  /** Direct submodules in registration order, with their field names. */
  *namedChildren(): Generator<[string, AnyModule]> {
    for (const [k, v] of Object.entries(this)) if (v instanceof Module && !INTERNAL.has(k)) yield [k, v];
  }
  *children(): Generator<AnyModule> {
    for (const [, m] of this.namedChildren()) yield m;
  }

  /** This module and all submodules, depth first, each once. */
  *namedModules(prefix = "", seen = new Set<AnyModule>()): Generator<[string, AnyModule]> {
    if (seen.has(this)) return;
    seen.add(this);
    yield [prefix, this];
    for (const [k, m] of this.namedChildren()) yield* m.namedModules(prefix ? `${prefix}.${k}` : k, seen);
  }
  *modules(): Generator<AnyModule> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /** Parameters with dotted PyTorch names (`net.0.weight`), shared ones once. */
  *namedParameters(): Generator<[string, Parameter]> {
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [k, v] of Object.entries(m)) {
        if (v instanceof Parameter && !seen.has(v)) {
          seen.add(v);
          yield [prefix ? `${prefix}.${k}` : k, v];
        }
      }
    }
  }
  parameters(): Parameter[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }

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
  eval(): this {
    return this.train(false);
  }

  /** Clears every parameter's gradient (set to null, like PyTorch's default `set_to_none=True`). */
  zeroGrad(setToNone = true): void {
    zeroGrads(this.parameters(), setToNone);
  }

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
    checkStateDict(sd, `${this.constructor.name}.loadStateDict`);
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    // Own keys only: `in` also sees Object.prototype, so keys like "constructor" or "__proto__"
    // would count as present on both sides and slip past the strict check.
    const has = (o: object, k: string): boolean => Object.hasOwn(o, k);
    const missingKeys = Object.keys(own).filter((k) => !has(sd, k));
    const unexpectedKeys = Object.keys(sd).filter((k) => !has(own, k));
    const mismatched = Object.keys(own)
      .filter((k) => has(sd, k) && !sameShape(own[k].shape, sd[k].shape))
      .map((k) => `${k}: checkpoint ${fmt(sd[k].shape)} vs model ${fmt(own[k].shape)}`);
    const problems: string[] = [];
    if (mismatched.length) problems.push(`size mismatch for ${mismatched.join("; ")}`);
    if (strict && missingKeys.length) problems.push(`missing keys: ${missingKeys.join(", ")}`);
    if (strict && unexpectedKeys.length) problems.push(`unexpected keys: ${unexpectedKeys.join(", ")}`);
    if (problems.length)
      throw new Error(
        `loadStateDict: error(s) loading state dict for ${this.constructor.name}: ${problems.join(". ")}`,
      );
    noGrad(() => {
      for (const k of Object.keys(own)) if (has(sd, k)) own[k].copy_(sd[k]);
    });
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Casts every floating-point parameter and buffer to `dtype`, in place (PyTorch's `module.to(dtype)`):
   * `double()` gives a float64 module for gradcheck. Or moves them to `device` ("webgpu"; "cuda"
   * means webgpu), in place, like `model.to("cuda")`: the parameters stay the same objects (an
   * optimizer made before keeps working), their gradients are cleared. From the GPU back to the
   * host use `await model.toAsync("cpu")` (GPU reads are asynchronous).
   */
  to(target: "float32" | "float64" | Device | "cuda"): this {
    const tensors = this.movableTensors();
    if (target !== "float32" && target !== "float64") {
      const device = deviceName(target, `${this.constructor.name}.to`);
      const moved = tensors.map((t) => toDevice(t, device).storage);
      tensors.forEach((t, i) => {
        if (moved[i] !== t.storage) t.replaceStorage(moved[i]);
      });
      return this;
    }
    const dtype = target;
    for (const t of tensors) {
      if (t.dtype === "int32" || t.dtype === dtype) continue;
      const own = kernels.alloc(dtype, t.numel(), true);
      kernels.cast(t.storage, own);
      t.replaceStorage(own);
    }
    return this;
  }
  /** `to(device)` in every direction (reads from the GPU are asynchronous); loads the WebGPU backend if needed. */
  async toAsync(target: Device | "cuda"): Promise<this> {
    const device = deviceName(target, `${this.constructor.name}.toAsync`);
    if (device !== "cpu" && !kernelsOf(device)) await loadWithoutSwitching(device);
    const tensors = this.movableTensors();
    const moved = await Promise.all(tensors.map((t) => toDeviceAsync(t, device)));
    tensors.forEach((t, i) => {
      if (moved[i].storage !== t.storage) t.replaceStorage(moved[i].storage);
    });
    return this;
  }

  /** Parameters and buffers, each once. */
  private movableTensors(): Tensor[] {
    return [...new Set([...this.parameters(), ...[...this.namedBuffers()].map(([, b]) => b)])];
  }
  double(): this {
    return this.to("float64");
  }
  float(): this {
    return this.to("float32");
  }

  /** Applies `fn` to every submodule and this one (e.g. custom init). */
  apply(fn: (m: Module) => void): this {
    for (const m of [...this.modules()].reverse()) fn(m);
    return this;
  }

  /** One-line description used by `toString()`; modules with hyper-parameters override it. */
  extraRepr(): string {
    return "";
  }

  toString(): string {
    const kids = [...this.namedChildren()];
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (!kids.length) return head + ")";
    const body = kids.map(([k, m]) => `  (${k}): ${m.toString().split("\n").join("\n  ")}`).join("\n");
    return `${head}\n${body}\n)`;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/**
 * What a state dict must be: a plain object of tensors (`model.stateDict()`, `load(path)`,
 * `io.loadBytes(bytes)`). Throws a TypeError naming the likely slip otherwise.
 * @internal Shared by the savers and `Module.loadStateDict`.
 */
export function checkStateDict(sd: unknown, op: string): asserts sd is StateDict {
  if (sd instanceof Map) {
    throw new TypeError(
      `${op}: got a Map; a state dict is a plain object { key: Tensor } — ` +
        "use load(path) from gradlab/node or io.loadBytes(bytes), or Object.fromEntries(map) of tensors",
    );
  }
  if (typeof sd === "function" && typeof (sd as { stateDict?: unknown }).stateDict === "function") {
    throw new TypeError(`${op}: got a module; pass its state dict: model.stateDict()`);
  }
  if (sd === null || typeof sd !== "object" || Array.isArray(sd) || sd instanceof Tensor) {
    throw new TypeError(`${op}: expected a state dict { key: Tensor }, got ${describeValue(sd)}`);
  }
  for (const [k, v] of Object.entries(sd)) {
    if (!(v instanceof Tensor)) {
      const hint =
        v && typeof v === "object" && "dtype" in v && "data" in v
          ? " (a named array from the safetensors codec: io.loadBytes(bytes) returns tensors)"
          : "";
      throw new TypeError(`${op}: state dict entry "${k}" is ${describeValue(v)}, not a Tensor${hint}`);
    }
  }
}

/**
 * The Proxy `set` trap of every module: PyTorch's rules for assigning over a parameter (nn.Parameter or
 * null), a buffer (a Tensor or null) or a child module (an nn.Module or null). Anything else is stored.
 */
function assignChecked(target: AnyModule, prop: string | symbol, value: unknown, receiver: unknown): boolean {
  if (typeof prop === "string" && value !== null) {
    const old: unknown = Object.getOwnPropertyDescriptor(target, prop)?.value;
    const got =
      typeof value === "object" || typeof value === "function"
        ? ((value as object).constructor?.name ?? "object")
        : typeof value;
    if (old instanceof Parameter && !(value instanceof Parameter)) {
      const fix =
        value instanceof Tensor
          ? ` — wrap it (m.${prop} = new nn.Parameter(t)) or copy the values in (noGrad(() => m.${prop}.copy_(t)))`
          : "";
      throw new TypeError(`cannot assign '${got}' as parameter '${prop}' (nn.Parameter or null expected)${fix}`);
    }
    if ((target as unknown as { _buffers: Set<string> })._buffers.has(prop) && !(value instanceof Tensor)) {
      throw new TypeError(`cannot assign '${got}' as buffer '${prop}' (Tensor or null expected)`);
    }
    if (old instanceof Module && !(value instanceof Module)) {
      throw new TypeError(`cannot assign '${got}' as child module '${prop}' (nn.Module or null expected)`);
    }
  }
  return Reflect.set(target, prop, value, receiver);
}

/** What `zeroGrad()` does for a module and for an optimizer: `.grad` to null, or zeroed in place. */
export function zeroGrads(params: Iterable<Tensor>, setToNone: boolean): void {
  for (const p of params) {
    if (setToNone) p.grad = null;
    else p.peekGrad()?.zero_();
  }
}
