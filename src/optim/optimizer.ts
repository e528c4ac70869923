/**
 * The optimizer base: parameter groups, `zeroGrad()`, and a state dict shaped like PyTorch's
 * (`{ state: { 0: { momentum_buffer } }, param_groups: [{ lr, ..., params: [0, 1, ...] }] }`).
 */
import { zeroGrads } from "../nn/module.js";
import type { Parameter } from "../nn/parameter.js";
import { K } from "../backend/registry.js";
import { Tensor } from "../tensor/tensor.js";

export type ParamGroup<H> = H & { params: Parameter[] };
export type ParamsArg<H> = Iterable<Parameter> | Array<Partial<H> & { params: Iterable<Parameter> }>;

export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number>>;
  param_groups: Array<Record<string, unknown> & { params: number[] }>;
}

export abstract class Optimizer<H extends { lr: number }> {
  readonly paramGroups: ParamGroup<H>[];
  /** Per-parameter state (momentum buffers, Adam moments, step counts). */
  readonly state = new Map<Parameter, Record<string, Tensor | number>>();

  constructor(params: ParamsArg<H>, readonly defaults: H) {
    const list = [...params] as unknown[];
    if (list.length === 0) throw new Error(`${new.target.name}: got an empty parameter list — pass model.parameters()`);
    const groups = (list[0] as { params?: unknown }).params !== undefined
      ? (list as Array<Partial<H> & { params: Iterable<Parameter> }>)
      : [{ params: list as Parameter[] } as unknown as Partial<H> & { params: Iterable<Parameter> }];
    this.paramGroups = [];
    for (const g of groups) this.addParamGroup(g);
  }

  /** Checks a group's hyper-parameters; throws with a readable message. */
  protected validate(g: ParamGroup<H>): void {
    if (!(g.lr >= 0)) throw new Error(`${this.constructor.name}: invalid learning rate ${g.lr} (must be ≥ 0)`);
  }

  /** Clears gradients (to null, as PyTorch's default `set_to_none=True`). */
  zeroGrad(setToNone = true): void {
    zeroGrads(this.paramGroups.flatMap((g) => g.params), setToNone);
  }

  /**
   * A state tensor shaped like `p` and filled with `value`, in persistent storage (the fast
   * backend's memory), so an update never copies it in and out.
   */
  protected stateTensor(p: Parameter, value = 0): Tensor {
    const t = new Tensor(K.alloc(p.dtype, p.numel(), true), p.shape);
    if (value !== 0) K.fill(t.data, value);
    return t;
  }

  /** Performs one update of every parameter that has a gradient. */
  abstract step(): void;

  /** Adds a group (e.g. a newly unfrozen layer) with its own hyper-parameters. */
  addParamGroup(group: Partial<H> & { params: Iterable<Parameter> }): void {
    const g = { ...this.defaults, ...group, params: [...group.params] } as ParamGroup<H>;
    this.validate(g);
    const seen = new Set(this.paramGroups.flatMap((x) => x.params));
    if (g.params.some((p) => seen.has(p)) || new Set(g.params).size !== g.params.length) {
      throw new Error(`${this.constructor.name}: some parameters appear in more than one parameter group (they would be updated twice)`);
    }
    this.paramGroups.push(g);
  }

  stateDict(): OptimizerStateDict {
    const all = this.paramGroups.flatMap((g) => g.params);
    const state: OptimizerStateDict["state"] = {};
    all.forEach((p, i) => { const s = this.state.get(p); if (s) state[i] = { ...s }; });
    let next = 0;
    const param_groups = this.paramGroups.map(({ params, ...h }) => ({ ...h, params: params.map(() => next++) }));
    return { state, param_groups };
  }

  loadStateDict(sd: OptimizerStateDict): void {
    if (sd.param_groups.length !== this.paramGroups.length) {
      throw new Error(`${this.constructor.name}.loadStateDict: the state has ${sd.param_groups.length} parameter groups, the optimizer ${this.paramGroups.length}`);
    }
    const all = this.paramGroups.flatMap((g) => g.params);
    sd.param_groups.forEach((sg, gi) => {
      const own = this.paramGroups[gi];
      if (sg.params.length !== own.params.length) {
        throw new Error(`${this.constructor.name}.loadStateDict: group ${gi} has ${sg.params.length} parameters in the state but ${own.params.length} in the optimizer`);
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
          throw new Error(`${this.constructor.name}.loadStateDict: state for parameter ${k} has ${v.numel()} elements, the parameter ${p.numel()}`);
        }
      }
      this.state.set(p, { ...s });
    }
  }
}
