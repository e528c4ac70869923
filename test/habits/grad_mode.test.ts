/** noGrad/enableGrad set one global flag around a synchronous call, so an async function is refused. */
import { describe, expect, it } from "vitest";
import { enableGrad, isGradEnabled, noGrad, randn } from "../../src/index.js";

describe("noGrad with an async function", () => {
  it("is refused before it runs, and grad mode is left as it was", () => {
    let ran = false;
    const err = /noGrad: got an async function .* grad mode would change only until its first await/;
    expect(() =>
      noGrad(async () => {
        ran = true;
      }),
    ).toThrow(err);
    expect(ran).toBe(false);
    expect(isGradEnabled()).toBe(true);
    expect(() => enableGrad(async () => 1)).toThrow(/enableGrad: got an async function/);
  });

  it("a function returning a Promise is refused too, with grad mode restored", async () => {
    let rejected = false;
    const late = () =>
      Promise.reject(new Error("late")).catch((e) => {
        rejected = true;
        throw e;
      });
    expect(() => noGrad(late)).toThrow(/noGrad: got an async function \(or one returning a Promise\)/);
    expect(isGradEnabled()).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(rejected).toBe(true);
  });

  it("synchronous functions work as before", () => {
    const w = randn([2], { requiresGrad: true });
    expect(noGrad(() => w.mul(2)).requiresGrad).toBe(false);
    expect(noGrad(() => enableGrad(() => w.mul(2))).requiresGrad).toBe(true);
  });
});
