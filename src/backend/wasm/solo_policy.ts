/**
 * The thread pool's busy-machine rule as a pure state machine, apart from the threads and clocks
 * that feed it, so its counting can be tested exactly (test/backend/solo-policy.test.ts): the pool
 * says for each posted parallel region whether its workers were late, and asks before each region
 * whether it runs on the caller alone.
 *
 * When workers were late in more than `lateLimit` of the last `window` posted regions, the next
 * regions run solo (a spinning worker would steal the caller's core). The solo stretch starts at
 * `soloMin` regions and doubles up to `soloMax` each time the workers miss again within `probe`
 * regions of coming back (more than `probeLimit` misses), and falls back to `soloMin` once they
 * keep up for a whole window: a cold start (V8 compiling on the other core for a few hundred steps)
 * or a short burst of other work costs a few short stretches, a core taken for good costs long ones.
 */
export interface SoloParams {
  window: number;
  lateLimit: number;
  soloMin: number;
  soloMax: number;
  probe: number;
  probeLimit: number;
}

/** The pool's values (see ThreadPool). */
export const SOLO_DEFAULTS: Readonly<SoloParams> = {
  window: 64,
  lateLimit: 16,
  soloMin: 128,
  soloMax: 4096,
  probe: 16,
  probeLimit: 4,
};

export class SoloPolicy {
  /** Solo regions left in the current stretch. */
  soloLeft = 0;
  /** Length of the last solo stretch. */
  lastSolo = 0;
  /** Posted regions since the last stretch ended; -1 once they kept up a whole window (or before any stretch). */
  private sinceSolo = -1;
  /** Late regions among the first `probe` after the last stretch. */
  private probeLate = 0;
  /** Lateness of the last `window` posted regions (oldest first) and how many of them were late. */
  private readonly late: boolean[] = [];
  private lateCount = 0;

  constructor(readonly params: Readonly<SoloParams> = SOLO_DEFAULTS) {}

  /** Whether a solo stretch is under way (the workers should sleep rather than spin). */
  get solo(): boolean {
    return this.soloLeft > 0;
  }

  /**
   * Called before each parallel region: true if it runs on the caller alone (counted off the
   * stretch). Once the stretch is used up, the next regions are posted and watched as probes.
   */
  takeSolo(): boolean {
    if (this.soloLeft <= 0) return false;
    if (--this.soloLeft === 0) {
      this.sinceSolo = 0;
      this.probeLate = 0;
    }
    return true;
  }

  /** Records whether a posted region's workers were late; returns the length of the solo stretch this starts, or 0. */
  note(late: boolean): number {
    const p = this.params;
    this.late.push(late);
    if (late) this.lateCount++;
    if (this.late.length > p.window && this.late.shift()) this.lateCount--;
    let trip = this.lateCount > p.lateLimit;
    if (this.sinceSolo >= 0) {
      this.sinceSolo++;
      if (late && this.sinceSolo <= p.probe && ++this.probeLate > p.probeLimit) trip = true;
    }
    if (!trip) {
      if (this.sinceSolo >= p.window) this.sinceSolo = -1; // kept up for a whole window: next stretch short
      return 0;
    }
    // Missed again soon after a stretch: the machine is still busy, so this stretch is twice as long.
    const len = this.sinceSolo >= 0 ? Math.min(p.soloMax, 2 * this.lastSolo) : p.soloMin;
    this.lastSolo = len;
    this.soloLeft = len;
    this.sinceSolo = -1;
    this.late.length = 0;
    this.lateCount = 0;
    return len;
  }

  /** Forgets everything, as a fresh policy. */
  reset(): void {
    this.soloLeft = 0;
    this.lastSolo = 0;
    this.sinceSolo = -1;
    this.probeLate = 0;
    this.late.length = 0;
    this.lateCount = 0;
  }
}
