/** How data functions pick their random source. Internal helper shared by synthetic.ts and splits.ts. */
import { defaultGenerator, Generator } from "../tensor/random.js";

/** Where every randomized data function draws from: `{ seed }` or `{ generator }` (not a dtype: see RandomOptions). */
export interface SeedOptions {
  /** Draw from this generator (its state advances). */
  generator?: Generator;
  /** Draw from a fresh `new Generator(seed)`; same seed → same output. */
  seed?: number;
}

/**
 * `generator` if given, else `new Generator(seed)` if `seed` is given, else the global
 * `defaultGenerator` (seeded by `manualSeed`). A bare number is treated as a seed.
 */
export function resolveGenerator(src?: Generator | number | SeedOptions): Generator {
  if (src === undefined) return defaultGenerator;
  if (src instanceof Generator) return src;
  if (typeof src === "number") return new Generator(src);
  if (src.generator !== undefined && src.seed !== undefined) {
    throw new TypeError("pass either generator or seed, not both");
  }
  if (src.generator !== undefined) return src.generator;
  if (src.seed !== undefined) return new Generator(src.seed);
  return defaultGenerator;
}
