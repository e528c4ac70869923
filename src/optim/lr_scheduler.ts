/**
 * Learning-rate schedulers; call `scheduler.step()` once per epoch after `optimizer.step()`.
 *
 * @example
 * const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 5, gamma: 0.1 });
 */
import { camelCaseGet, checkOptions, describeValue } from "../tensor/pytorch_habits.js";
import { Optimizer } from "./optimizer.js";

type AnyOptimizer = Optimizer<{ lr: number }>;

export abstract class LRScheduler {
  readonly baseLrs: number[];
  lastEpoch = 0;
  constructor(readonly optimizer: AnyOptimizer) {
    if (!(optimizer instanceof Optimizer)) {
      throw new TypeError(`${new.target.name}: the first argument is the optimizer, got ${describeValue(optimizer)}`);
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
    // A Proxy so that scheduler.get_last_lr() / state_dict() name the camelCase member.
    return new Proxy<LRScheduler>(this, { get: camelCaseGet(new.target.name) });
  }
  protected abstract lrAt(epoch: number, base: number, group: number): number;
  step(): void {
    this.lastEpoch++;
    this.optimizer.paramGroups.forEach((g, i) => { g.lr = this.lrAt(this.lastEpoch, this.baseLrs[i], i); });
  }
  getLastLr(): number[] { return this.optimizer.paramGroups.map((g) => g.lr); }
  stateDict(): { lastEpoch: number; baseLrs: number[] } { return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] }; }
  loadStateDict(sd: { lastEpoch: number; baseLrs?: number[] }): void {
    this.lastEpoch = sd.lastEpoch;
    if (sd.baseLrs) this.baseLrs.splice(0, this.baseLrs.length, ...sd.baseLrs);
  }
}

/** lr = base · γ^⌊epoch / stepSize⌋ */
export class StepLR extends LRScheduler {
  constructor(opt: AnyOptimizer, readonly opts: { stepSize: number; gamma?: number }) {
    super(opt);
    const usage = "new optim.StepLR(optimizer, { stepSize: 5, gamma: 0.1 })";
    checkOptions("StepLR", opts, ["stepSize", "gamma"], usage);
    if (!(Number.isInteger(opts?.stepSize) && opts.stepSize > 0)) {
      throw new Error(`StepLR: stepSize must be a positive integer, got ${opts?.stepSize} — ${usage}`);
    }
  }
  protected lrAt(epoch: number, base: number): number { return base * Math.pow(this.opts.gamma ?? 0.1, Math.floor(epoch / this.opts.stepSize)); }
}

/** lr = ηmin + (base − ηmin)·(1 + cos(π·epoch / Tmax)) / 2 */
export class CosineAnnealingLR extends LRScheduler {
  constructor(opt: AnyOptimizer, readonly opts: { tMax: number; etaMin?: number }) {
    super(opt);
    const usage = "new optim.CosineAnnealingLR(optimizer, { tMax: 10 })";
    checkOptions("CosineAnnealingLR", opts, ["tMax", "etaMin"], usage);
    if (!(opts?.tMax > 0)) throw new Error(`CosineAnnealingLR: tMax must be > 0, got ${opts?.tMax} — ${usage}`);
  }
  protected lrAt(epoch: number, base: number): number {
    const etaMin = this.opts.etaMin ?? 0;
    return etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * epoch) / this.opts.tMax))) / 2;
  }
}

/** lr = base · fn(epoch) */
export class LambdaLR extends LRScheduler {
  constructor(opt: AnyOptimizer, readonly lrLambda: (epoch: number) => number) {
    super(opt);
    if (typeof lrLambda !== "function") {
      throw new TypeError(`LambdaLR: lrLambda must be a function of the epoch, got ${describeValue(lrLambda)}`);
    }
  }
  protected lrAt(epoch: number, base: number): number { return base * this.lrLambda(epoch); }
}
