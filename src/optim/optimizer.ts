/**
 * The optimizer base: parameter groups, `zeroGrad()`, and a state dict shaped like PyTorch's
 * (`{ state: { 0: { momentum_buffer } }, param_groups: [{ lr, ..., params: [0, 1, ...] }] }`).
 */
import { zeroGrads } from "../nn/module.js";
import type { Parameter } from "../nn/parameter.js";
import { kernels } from "../backend/registry.js";
import { toDevice } from "../ops/device.js";
import { camelCaseGet, checkOptions, describeValue } from "../tensor/pytorch_habits.js";
import { Tensor } from "../tensor/tensor.js";

export type ParamGroup<H> = H & { params: Parameter[] };
export type ParamsArg<H> = Iterable<Parameter> | Array<Partial<H> & { params: Iterable<Parameter> }>;

export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number>>;
  param_groups: Array<Record<string, unknown> & { params: number[] }>;
}

export abstract class Optimizer<H extends { lr: number }> {
  readonly paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state (momentum buffers, Adam moments, step counts). */
  readonly state = new Map<Parameter, Record<string, Tensor | number>>();

  /**
   * @param params - `model.parameters()`, or groups `[{ params, lr, ... }, ...]` with their own settings.
   * @param defaults - Every hyper-parameter's value (subclasses merge the user's options into theirs).
   */
  constructor(
    params: ParamsArg<H>,
    readonly defaults: H,
  ) {
    const list = paramList(new.target.name, params);
    const groups =
      (list[0] as { params?: unknown }).params !== undefined
        ? (list as Array<Partial<H> & { params: Iterable<Parameter> }>)
        : [{ params: list as Parameter[] } as unknown as Partial<H> & { params: Iterable<Parameter> }];
    // A Proxy so that optimizer.zero_grad() / state_dict() / param_groups name the camelCase member.
    const self = new Proxy<Optimizer<H>>(this, { get: camelCaseGet(new.target.name) });
    for (const g of groups) self.addParamGroup(g);
    return self;
  }

  /** Checks a group's hyper-parameters; throws with a readable message. */
  protected validate(g: ParamGroup<H>): void {
    if (g.lr === undefined) {
      const name = this.constructor.name;
      throw new Error(`${name}: lr is required — new optim.${name}(params, { lr: 0.01 })`);
    }
    if (!(g.lr >= 0)) throw new Error(`${this.constructor.name}: invalid learning rate ${g.lr} (must be ≥ 0)`);
  }

  /** Clears gradients (to null, as PyTorch's default `set_to_none=True`). */
  zeroGrad(setToNone = true): void {
    zeroGrads(
      this.paramGroups.flatMap((g) => g.params),
      setToNone,
    );
  }

  /**
   * A state tensor shaped like `p` and filled with `value`, in persistent storage (the fast
   * backend's memory), so an update never copies it in and out.
   */
  protected stateTensor(p: Parameter, value = 0): Tensor {
    const t = new Tensor(kernels.alloc(p.dtype, p.numel(), true), p.shape);
    if (value !== 0) kernels.fill(t.storage, value);
    return t;
  }

  /** Performs one update of every parameter that has a gradient. */
  abstract step(): void;

  /** Adds a group (e.g. a newly unfrozen layer) with its own hyper-parameters. */
  addParamGroup(group: Partial<H> & { params: Iterable<Parameter> }): void {
    const op = `${this.constructor.name} parameter group`;
    checkOptions(op, group, [...Object.keys(this.defaults), "params"], "{ params: layer.parameters(), lr: 0.01 }");
    const g = { ...this.defaults, ...group, params: paramList(op, group.params, true) } as ParamGroup<H>;
    this.validate(g);
    const seen = new Set(this.paramGroups.flatMap((x) => x.params));
    if (g.params.some((p) => seen.has(p)) || new Set(g.params).size !== g.params.length) {
      throw new Error(
        `${this.constructor.name}: some parameters appear in more than one parameter group (they would be updated twice)`,
      );
    }
    this.paramGroups.push(g);
  }

  stateDict(): OptimizerStateDict {
    const all = this.paramGroups.flatMap((g) => g.params);
    const state: OptimizerStateDict["state"] = {};
    all.forEach((p, i) => {
      const s = this.state.get(p);
      if (s) state[i] = { ...s };
    });
    let next = 0;
    const param_groups = this.paramGroups.map(({ params, ...h }) => ({ ...h, params: params.map(() => next++) }));
    return { state, param_groups };
  }

  /** PyTorch's repr: the class name, then each group's settings in alphabetical order. */
  toString(): string {
    const groups = this.paramGroups.map((g, i) => {
      const lines = Object.keys(g)
        .filter((k) => k !== "params")
        .sort()
        .map((k) => `    ${k}: ${formatSetting((g as Record<string, unknown>)[k])}`);
      return `\nParameter Group ${i}\n${lines.join("\n")}\n`;
    });
    return `${this.constructor.name} (${groups.join("")})`;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  loadStateDict(sd: OptimizerStateDict): void {
    if (sd.param_groups.length !== this.paramGroups.length) {
      throw new Error(
        `${this.constructor.name}.loadStateDict: the state has ${sd.param_groups.length} parameter groups, the optimizer ${this.paramGroups.length}`,
      );
    }
    const all = this.paramGroups.flatMap((g) => g.params);
    sd.param_groups.forEach((sg, gi) => {
      const own = this.paramGroups[gi];
      if (sg.params.length !== own.params.length) {
        throw new Error(
          `${this.constructor.name}.loadStateDict: group ${gi} has ${sg.params.length} parameters in the state but ${own.params.length} in the optimizer`,
        );
      }
      const { params: _ignored, ...hyper } = sg;
      Object.assign(own, hyper);
    });
    this.state.clear();
    for (const [k, s] of Object.entries(sd.state)) {
      const p = all[Number(k)];
      if (!p) throw new Error(`${this.constructor.name}.loadStateDict: state for parameter ${k}, which does not exist`);
      for (const v of Object.values(s)) {
        if (typeof v !== "number" && v.numel() !== p.numel()) {
          throw new Error(
            `${this.constructor.name}.loadStateDict: state for parameter ${k} has ${v.numel()} elements, the parameter ${p.numel()}`,
          );
        }
      }
      // Like PyTorch, state follows its parameter's device: a checkpoint read on the host resumes a model on webgpu.
      const moved = Object.fromEntries(
        Object.entries(s).map(([name, v]) => [
          name,
          typeof v === "number" || v.device === p.device ? v : toDevice(v, p.device),
        ]),
      );
      this.state.set(p, moved as typeof s);
    }
  }
}

function formatSetting(v: unknown): string {
  return Array.isArray(v) ? `[${v.join(", ")}]` : String(v);
}

/**
 * The parameters as a list, refusing what PyTorch habits pass instead: the model itself
 * (`SGD(model, ...)`), the method uncalled (`model.parameters`), or something that is no tensor.
 */
function paramList(op: string, params: unknown, emptyOk = false): unknown[] {
  const hint = "pass model.parameters()";
  if (typeof params === "function") {
    const what = typeof (params as { parameters?: unknown }).parameters === "function" ? "a module" : "a function";
    throw new TypeError(`${op}: got ${what} where parameters go — ${hint}`);
  }
  if (params === null || typeof params !== "object" || !(Symbol.iterator in params)) {
    throw new TypeError(`${op}: expected an iterable of parameters, got ${describeValue(params)} — ${hint}`);
  }
  const list = [...(params as Iterable<unknown>)];
  if (list.length === 0 && !emptyOk) throw new Error(`${op}: got an empty parameter list — ${hint}`);
  const bad = list.findIndex((p) => !(p instanceof Tensor) && !(p && typeof p === "object" && "params" in p));
  if (bad >= 0) {
    throw new TypeError(`${op}: item ${bad} is ${describeValue(list[bad])}, not a parameter tensor — ${hint}`);
  }
  return list;
}
