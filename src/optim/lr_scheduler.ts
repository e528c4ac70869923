/**
 * Learning-rate schedulers, PyTorch's: construct one after the optimizer (it sets the epoch-0 lr at
 * once, as PyTorch's do) and call `scheduler.step()` after each `optimizer.step()` (per epoch or per
 * batch, as the schedule is meant). Each group remembers its `initialLr`, so schedulers can be
 * chained and combined (SequentialLR) like PyTorch's.
 *
 * @example
 * const sched = new optim.OneCycleLR(opt, { maxLr: 0.01, totalSteps: 1000 });
 * for (...) { loss.backward(); opt.step(); sched.step(); }
 */
import { camelCaseGet, checkOptions, describeValue } from "../tensor/pytorch_habits.js";
import { Optimizer } from "./optimizer.js";

type AnyOptimizer = Optimizer<{ lr: number }>;
/** What a scheduler reads and writes on a parameter group. */
type Group = { lr: number; initialLr?: number; betas?: [number, number]; momentum?: number } & Record<string, unknown>;

export abstract class LRScheduler {
  readonly baseLrs: number[];
  /** Steps taken; 0 right after construction (PyTorch's last_epoch). */
  lastEpoch = 0;

  constructor(readonly optimizer: AnyOptimizer) {
    if (!(optimizer instanceof Optimizer)) {
      throw new TypeError(`${new.target.name}: the first argument is the optimizer, got ${describeValue(optimizer)}`);
    }
    for (const g of this.groups) g.initialLr ??= g.lr;
    this.baseLrs = this.groups.map((g) => g.initialLr!);
    // A Proxy so that scheduler.get_last_lr() / state_dict() name the camelCase member.
    return new Proxy<LRScheduler>(this, { get: camelCaseGet(new.target.name) });
  }

  protected get groups(): Group[] {
    return this.optimizer.paramGroups as unknown as Group[];
  }

  /** The lr of group `group` at `epoch` (closed form). */
  protected abstract lrAt(epoch: number, base: number, group: number): number;

  /** Sets every group's lr for `lastEpoch`. Subclasses call it at the end of their constructor. */
  protected apply(): void {
    this.groups.forEach((g, i) => {
      g.lr = this.lrAt(this.lastEpoch, this.baseLrs[i], i);
    });
  }

  /** Advances one step (or jumps to `epoch`, as SequentialLR does at a milestone). */
  step(epoch?: number): void {
    this.lastEpoch = epoch ?? this.lastEpoch + 1;
    this.apply();
  }

  getLastLr(): number[] {
    return this.groups.map((g) => g.lr);
  }
  stateDict(): { lastEpoch: number; baseLrs: number[] } {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }
  loadStateDict(sd: { lastEpoch: number; baseLrs?: number[] }): void {
    this.lastEpoch = sd.lastEpoch;
    if (sd.baseLrs) this.baseLrs.splice(0, this.baseLrs.length, ...sd.baseLrs);
  }
}

/** lr = base · γ^⌊epoch / stepSize⌋ */
export class StepLR extends LRScheduler {
  constructor(
    opt: AnyOptimizer,
    readonly opts: { stepSize: number; gamma?: number },
  ) {
    super(opt);
    const usage = "new optim.StepLR(optimizer, { stepSize: 5, gamma: 0.1 })";
    checkOptions("StepLR", opts, ["stepSize", "gamma"], usage);
    if (!(Number.isInteger(opts?.stepSize) && opts.stepSize > 0)) {
      throw new Error(`StepLR: stepSize must be a positive integer, got ${opts?.stepSize} — ${usage}`);
    }
    this.apply();
  }
  protected lrAt(epoch: number, base: number): number {
    return base * Math.pow(this.opts.gamma ?? 0.1, Math.floor(epoch / this.opts.stepSize));
  }
}

/** lr = base · γ^(number of milestones ≤ epoch) */
export class MultiStepLR extends LRScheduler {
  constructor(
    opt: AnyOptimizer,
    readonly opts: { milestones: number[]; gamma?: number },
  ) {
    super(opt);
    checkOptions(
      "MultiStepLR",
      opts,
      ["milestones", "gamma"],
      "new optim.MultiStepLR(optimizer, { milestones: [30, 80], gamma: 0.1 })",
    );
    this.apply();
  }
  protected lrAt(epoch: number, base: number): number {
    return base * Math.pow(this.opts.gamma ?? 0.1, this.opts.milestones.filter((m) => m <= epoch).length);
  }
}

/** lr = base · γ^epoch */
export class ExponentialLR extends LRScheduler {
  constructor(
    opt: AnyOptimizer,
    readonly opts: { gamma: number },
  ) {
    super(opt);
    checkOptions("ExponentialLR", opts, ["gamma"], "new optim.ExponentialLR(optimizer, { gamma: 0.9 })");
    this.apply();
  }
  protected lrAt(epoch: number, base: number): number {
    return base * Math.pow(this.opts.gamma, epoch);
  }
}

/** lr = ηmin + (base − ηmin)·(1 + cos(π·epoch / Tmax)) / 2 */
export class CosineAnnealingLR extends LRScheduler {
  constructor(
    opt: AnyOptimizer,
    readonly opts: { tMax: number; etaMin?: number },
  ) {
    super(opt);
    const usage = "new optim.CosineAnnealingLR(optimizer, { tMax: 10 })";
    checkOptions("CosineAnnealingLR", opts, ["tMax", "etaMin"], usage);
    if (!(opts?.tMax > 0)) throw new Error(`CosineAnnealingLR: tMax must be > 0, got ${opts?.tMax} — ${usage}`);
    this.apply();
  }
  protected lrAt(epoch: number, base: number): number {
    const etaMin = this.opts.etaMin ?? 0;
    return etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * epoch) / this.opts.tMax))) / 2;
  }
}

/** lr = base · fn(epoch) */
export class LambdaLR extends LRScheduler {
  constructor(
    opt: AnyOptimizer,
    readonly lrLambda: (epoch: number) => number,
  ) {
    super(opt);
    if (typeof lrLambda !== "function") {
      throw new TypeError(`LambdaLR: lrLambda must be a function of the epoch, got ${describeValue(lrLambda)}`);
    }
    this.apply();
  }
  protected lrAt(epoch: number, base: number): number {
    return base * this.lrLambda(epoch);
  }
}

/**
 * Linear warm-up (or decay): lr = base · (s + (e − s)·min(epoch, totalIters) / totalIters), with
 * PyTorch's defaults startFactor 1/3, endFactor 1, totalIters 5.
 */
export class LinearLR extends LRScheduler {
  constructor(
    opt: AnyOptimizer,
    readonly opts: { startFactor?: number; endFactor?: number; totalIters?: number } = {},
  ) {
    super(opt);
    checkOptions(
      "LinearLR",
      opts,
      ["startFactor", "endFactor", "totalIters"],
      "new optim.LinearLR(optimizer, { startFactor: 0.1, totalIters: 100 })",
    );
    const s = opts.startFactor ?? 1 / 3,
      e = opts.endFactor ?? 1;
    if (!(s > 0 && s <= 1)) throw new Error(`LinearLR: startFactor must be in (0, 1], got ${s}`);
    if (!(e >= 0 && e <= 1)) throw new Error(`LinearLR: endFactor must be in [0, 1], got ${e}`);
    this.apply();
  }
  protected lrAt(epoch: number, base: number): number {
    const s = this.opts.startFactor ?? 1 / 3,
      e = this.opts.endFactor ?? 1,
      total = this.opts.totalIters ?? 5;
    return base * (s + ((e - s) * Math.min(epoch, total)) / total);
  }
}

/**
 * Runs `schedulers` one after another, switching at each milestone (the next one restarts from
 * its epoch 0): PyTorch's SequentialLR, e.g. a LinearLR warm-up then CosineAnnealingLR.
 */
export class SequentialLR extends LRScheduler {
  readonly schedulers: LRScheduler[];
  readonly milestones: number[];

  constructor(opt: AnyOptimizer, opts: { schedulers: LRScheduler[]; milestones: number[] }) {
    super(opt);
    checkOptions(
      "SequentialLR",
      opts,
      ["schedulers", "milestones"],
      "new optim.SequentialLR(optimizer, { schedulers: [warmup, cosine], milestones: [100] })",
    );
    if (opts.schedulers.length !== opts.milestones.length + 1) {
      throw new Error(
        `SequentialLR: expected ${opts.milestones.length + 1} schedulers for ${opts.milestones.length} milestones, got ${opts.schedulers.length}`,
      );
    }
    for (const s of opts.schedulers) {
      if (s.optimizer !== opt) throw new Error("SequentialLR: every scheduler must drive the same optimizer");
    }
    this.schedulers = opts.schedulers;
    this.milestones = opts.milestones;
    // The later schedulers set their own epoch-0 lr when built: start over from the first one's.
    this.groups.forEach((g) => {
      g.lr = g.initialLr!;
    });
    this.schedulers[0].step(0);
  }

  protected lrAt(): number {
    throw new Error("SequentialLR: its schedulers compute the lr");
  }

  override step(): void {
    this.lastEpoch++;
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length;
    const s = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
  }
}

export interface OneCycleLROptions {
  maxLr: number | number[];
  /** Steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr. Default 0.3. */
  pctStart?: number;
  annealStrategy?: "cos" | "linear";
  /** Cycle the momentum (SGD) or beta1 (Adam) inversely to the lr. Default true. */
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
  /** initialLr = maxLr / divFactor (25); minLr = initialLr / finalDivFactor (1e4). */
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
}

/**
 * The 1cycle policy (Smith & Topin), PyTorch's OneCycleLR: the lr rises from maxLr/divFactor to
 * maxLr over pctStart of the cycle, then anneals to minLr; momentum (or Adam's beta1) moves the
 * other way between maxMomentum and baseMomentum. Step it after every batch.
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  private readonly phases: Array<{ end: number; lr: [string, string]; m: [string, string] }>;
  private readonly anneal: (start: number, end: number, pct: number) => number;
  private readonly cycleMomentum: boolean;

  constructor(opt: AnyOptimizer, opts: OneCycleLROptions) {
    super(opt);
    checkOptions(
      "OneCycleLR",
      opts,
      [
        "maxLr",
        "totalSteps",
        "epochs",
        "stepsPerEpoch",
        "pctStart",
        "annealStrategy",
        "cycleMomentum",
        "baseMomentum",
        "maxMomentum",
        "divFactor",
        "finalDivFactor",
        "threePhase",
      ],
      "new optim.OneCycleLR(optimizer, { maxLr: 0.01, totalSteps: 1000 })",
    );
    const total = opts.totalSteps ?? (opts.epochs && opts.stepsPerEpoch ? opts.epochs * opts.stepsPerEpoch : NaN);
    if (!(Number.isInteger(total) && total > 0)) {
      throw new Error(
        `OneCycleLR: give totalSteps (a positive integer), or epochs and stepsPerEpoch; got ${opts.totalSteps ?? `${opts.epochs} × ${opts.stepsPerEpoch}`}`,
      );
    }
    this.totalSteps = total;
    const pct = opts.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1)) throw new Error(`OneCycleLR: pctStart must be in [0, 1], got ${pct}`);
    this.phases = opts.threePhase
      ? [
          { end: pct * total - 1, lr: ["initialLr", "maxLr"], m: ["maxMomentum", "baseMomentum"] },
          { end: 2 * pct * total - 2, lr: ["maxLr", "initialLr"], m: ["baseMomentum", "maxMomentum"] },
          { end: total - 1, lr: ["initialLr", "minLr"], m: ["maxMomentum", "maxMomentum"] },
        ]
      : [
          { end: pct * total - 1, lr: ["initialLr", "maxLr"], m: ["maxMomentum", "baseMomentum"] },
          { end: total - 1, lr: ["maxLr", "minLr"], m: ["baseMomentum", "maxMomentum"] },
        ];
    this.anneal =
      (opts.annealStrategy ?? "cos") === "cos"
        ? (s, e, p) => e + ((s - e) / 2) * (Math.cos(Math.PI * p) + 1)
        : (s, e, p) => (e - s) * p + s;
    const maxLrs = this.perGroup(opts.maxLr, "maxLr");
    this.groups.forEach((g, i) => {
      g.initialLr = maxLrs[i] / (opts.divFactor ?? 25);
      g.maxLr = maxLrs[i];
      g.minLr = g.initialLr / (opts.finalDivFactor ?? 1e4);
    });
    this.baseLrs.splice(0, this.baseLrs.length, ...this.groups.map((g) => g.initialLr!));
    this.cycleMomentum = opts.cycleMomentum ?? true;
    if (this.cycleMomentum) {
      this.groups.forEach((g) => {
        if (g.betas === undefined && g.momentum === undefined) {
          throw new Error(
            "OneCycleLR: cycleMomentum needs an optimizer with momentum or betas — pass cycleMomentum: false",
          );
        }
        g.maxMomentum = opts.maxMomentum ?? 0.95;
        g.baseMomentum = opts.baseMomentum ?? 0.85;
      });
    }
    this.apply();
  }

  private perGroup(v: number | number[], name: string): number[] {
    const n = this.groups.length;
    if (typeof v === "number") return new Array<number>(n).fill(v);
    if (v.length !== n) throw new Error(`OneCycleLR: ${name} has ${v.length} values for ${n} parameter groups`);
    return v;
  }

  protected lrAt(epoch: number, _base: number, group: number): number {
    if (epoch > this.totalSteps) {
      throw new Error(`OneCycleLR: tried to step ${epoch} times; the cycle has totalSteps = ${this.totalSteps}`);
    }
    const g = this.groups[group];
    let start = 0;
    for (let i = 0; i < this.phases.length; i++) {
      const phase = this.phases[i];
      if (epoch <= phase.end || i === this.phases.length - 1) {
        const pct = (epoch - start) / (phase.end - start);
        if (this.cycleMomentum) {
          const m = this.anneal(g[phase.m[0]] as number, g[phase.m[1]] as number, pct);
          if (g.betas) g.betas = [m, g.betas[1]];
          else g.momentum = m;
        }
        return this.anneal(g[phase.lr[0]] as number, g[phase.lr[1]] as number, pct);
      }
      start = phase.end;
    }
    return g.lr;
  }
}
