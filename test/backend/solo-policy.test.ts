// The wasm pool's busy-machine rule (SoloPolicy), fed exact lateness sequences: no threads, no
// clocks, so the stretch lengths are checked exactly (the pool-level test this replaces depended
// on when a helper thread's spin budget ran out).
import { describe, expect, it } from "vitest";
import { SOLO_DEFAULTS, SoloPolicy } from "../../src/backend/wasm/solo_policy.js";

const { window, lateLimit, soloMin, soloMax, probe, probeLimit } = SOLO_DEFAULTS;

/** Posts regions with the given lateness until one starts a stretch; returns how many were posted (Infinity: none did). */
function postUntilSolo(p: SoloPolicy, late: (i: number) => boolean, max = 10 * window): number {
  for (let i = 1; i <= max; i++) {
    expect(p.takeSolo()).toBe(false); // not solo: this region is posted
    if (p.note(late(i)) > 0) return i;
  }
  return Infinity;
}

/** Runs the current solo stretch to its end; returns its length. */
function runStretch(p: SoloPolicy): number {
  let n = 0;
  while (p.takeSolo()) n++;
  return n;
}

describe("wasm pool solo-stretch policy", () => {
  it("the pool's parameters are the documented ones", () => {
    expect(SOLO_DEFAULTS).toEqual({ window: 64, lateLimit: 16, soloMin: 128, soloMax: 4096, probe: 16, probeLimit: 4 });
  });

  it("goes solo only when more than lateLimit of the last window regions were late, for soloMin regions", () => {
    const p = new SoloPolicy();
    // lateLimit late regions spread over a window never trip.
    expect(postUntilSolo(p, (i) => i % 4 === 0, 4 * lateLimit)).toBe(Infinity);
    // Late ones that slid out of the window do not count: after a window of punctual regions,
    // it takes lateLimit + 1 new late ones.
    expect(postUntilSolo(p, () => false, window)).toBe(Infinity);
    expect(postUntilSolo(p, () => true)).toBe(lateLimit + 1);
    expect(p.solo).toBe(true);
    expect(runStretch(p)).toBe(soloMin);
    expect(p.solo).toBe(false);
  });

  it("doubles the stretch while the workers miss again right after one, up to soloMax", () => {
    const p = new SoloPolicy();
    expect(postUntilSolo(p, () => true)).toBe(lateLimit + 1);
    const lengths = [runStretch(p)];
    for (let k = 0; k < 8; k++) {
      // Every region late: probeLimit + 1 misses among the first probe regions back trip again.
      expect(postUntilSolo(p, () => true)).toBe(probeLimit + 1);
      lengths.push(runStretch(p));
    }
    expect(lengths).toEqual([128, 256, 512, 1024, 2048, 4096, 4096, 4096, 4096]);
    expect(Math.max(...lengths)).toBe(soloMax);
  });

  it("probeLimit misses in the probe regions are tolerated, and misses after the probe do not double", () => {
    const p = new SoloPolicy();
    postUntilSolo(p, () => true);
    runStretch(p);
    // probeLimit late regions among the first probe: no stretch.
    expect(postUntilSolo(p, (i) => i <= probeLimit, probe)).toBe(Infinity);
    // Past the probe, misses only count through the window rule, and start a short stretch again …
    // (probeLimit late ones already in the window, so lateLimit + 1 - probeLimit more trip it).
    expect(postUntilSolo(p, () => true)).toBe(lateLimit + 1 - probeLimit);
    // … of twice the last length, since the workers came back less than a window ago.
    expect(runStretch(p)).toBe(2 * soloMin);
  });

  it("falls back to soloMin once the workers kept up for a whole window after a stretch", () => {
    const p = new SoloPolicy();
    postUntilSolo(p, () => true);
    runStretch(p);
    expect(postUntilSolo(p, () => true)).toBe(probeLimit + 1);
    expect(runStretch(p)).toBe(2 * soloMin); // doubled: still busy
    expect(postUntilSolo(p, () => false, window)).toBe(Infinity); // a whole window on time
    expect(postUntilSolo(p, () => true)).toBe(lateLimit + 1); // only the window rule now (no probe)
    expect(runStretch(p)).toBe(soloMin);
  });

  it("reset forgets a stretch under way and its length", () => {
    const p = new SoloPolicy();
    postUntilSolo(p, () => true);
    runStretch(p);
    postUntilSolo(p, () => true);
    expect(p.solo).toBe(true);
    p.reset();
    expect(p.solo).toBe(false);
    expect(p.takeSolo()).toBe(false);
    expect(postUntilSolo(p, () => true)).toBe(lateLimit + 1);
    expect(runStretch(p)).toBe(soloMin);
  });
});
