/**
 * Learning-rate schedulers; call `scheduler.step()` once per epoch after `optimizer.step()`.
 *
 * @example
 * const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 5, gamma: 0.1 });
 */
import type { Optimizer } from "./optimizer.js";

type AnyOptimizer = Optimizer<{ lr: number }>;

export abstract class LRScheduler {
  readonly baseLrs: number[];
  lastEpoch = 0;
  constructor(readonly optimizer: AnyOptimizer) {
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
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
  constructor(opt: AnyOptimizer, readonly opts: { stepSize: number; gamma?: number }) { super(opt); }
  protected lrAt(epoch: number, base: number): number { return base * Math.pow(this.opts.gamma ?? 0.1, Math.floor(epoch / this.opts.stepSize)); }
}

/** lr = ηmin + (base − ηmin)·(1 + cos(π·epoch / Tmax)) / 2 */
export class CosineAnnealingLR extends LRScheduler {
  constructor(opt: AnyOptimizer, readonly opts: { tMax: number; etaMin?: number }) { super(opt); }
  protected lrAt(epoch: number, base: number): number {
    const etaMin = this.opts.etaMin ?? 0;
    return etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * epoch) / this.opts.tMax))) / 2;
  }
}

/** lr = base · fn(epoch) */
export class LambdaLR extends LRScheduler {
  constructor(opt: AnyOptimizer, readonly lrLambda: (epoch: number) => number) { super(opt); }
  protected lrAt(epoch: number, base: number): number { return base * this.lrLambda(epoch); }
}
