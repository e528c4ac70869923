/**
 * {@link patientsDataset}: a synthetic grouped dataset (patients with several visits each) on which a
 * random split leaks — the same patient lands on both sides — and a group split measures honestly.
 */
import { randperm } from "../tensor/random.js";
import { resolveGenerator, type SeedOptions } from "./rng.js";

export interface PatientsOptions extends SeedOptions {
  /** Number of patients (groups). Default 20. */
  patients?: number;
  /** Samples (visits) per patient. Default 20. */
  perPatient?: number;
  /** Feature dimension. Default 8. */
  d?: number;
  /** Std of the per-visit noise around a patient's signature. Default 0.5. */
  noise?: number;
  /** Std of each patient's random signature vector (the thing a leaky model memorizes). Default 2. */
  signature?: number;
  /** Strength of the real, generalizable class signal along one direction. Default 1. */
  signal?: number;
}

/** A synthetic grouped dataset. */
export interface PatientsDataset {
  /** `[n, d]` float32 features, row-major. */
  x: Float32Array;
  /** `[n]` int32 label of each sample (= its patient's diagnosis, 0 or 1). */
  y: Int32Array;
  /** `[n]` int32 patient id of each sample, in 0..patients-1. */
  groups: Int32Array;
  /** `[n]` float64 visit time in days (increasing within a patient). */
  times: Float64Array;
  n: number;
  d: number;
  numClasses: 2;
  patients: number;
}

/**
 * The "honest splits" demo dataset. Each patient p has a diagnosis `y_p` (half the patients 0,
 * half 1, at random) and a random signature `s_p ~ N(0, signature² I)`; each visit is
 * `x = s_p + signal · (2 y_p − 1) · w + noise · ε` with a fixed random unit vector `w` and
 * `ε ~ N(0, I)`. Because the signature dominates, a model that memorizes patients (e.g.
 * 1-nearest-neighbour) scores ≈100% on a random split (the same patient is on both sides) but
 * only about Φ(signal / signature) ≈ 69% (defaults) on new patients — which a group split
 * measures honestly.
 *
 * Rows are patient-major: patient 0's visits, then patient 1's, ... Patient p enrols on a day
 * uniform in [0, 365) and visits every 7 days (+ up to 1 day jitter).
 * @returns `x` `[n, d]`, `y` `[n]`, `groups` `[n]`, `times` `[n]`, `n = patients · perPatient`.
 */
export function patientsDataset(opts: PatientsOptions = {}): PatientsDataset {
  const { patients = 20, perPatient = 20, d = 8, noise = 0.5, signature = 2, signal = 1 } = opts;
  for (const [k, v] of [
    ["patients", patients],
    ["perPatient", perPatient],
    ["d", d],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`patientsDataset: ${k} must be an integer >= 1, got ${v}`);
  }
  for (const [k, v] of [
    ["noise", noise],
    ["signature", signature],
    ["signal", signal],
  ] as const) {
    if (!(v >= 0) || !Number.isFinite(v))
      throw new RangeError(`patientsDataset: ${k} must be a finite number >= 0, got ${v}`);
  }
  const g = resolveGenerator(opts);
  const n = patients * perPatient;
  // Class direction w: a random unit vector.
  const w = new Float64Array(d);
  let norm = 0;
  while (norm === 0) {
    norm = 0;
    for (let j = 0; j < d; j++) norm += (w[j] = g.normal()) ** 2;
  }
  norm = Math.sqrt(norm);
  for (let j = 0; j < d; j++) w[j] /= norm;
  // Balanced diagnoses, shuffled over patients.
  const perm = randperm(patients, g);
  const diag = new Int32Array(patients);
  for (let p = 0; p < patients; p++) diag[perm[p]] = p < Math.floor(patients / 2) ? 0 : 1;
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  const groups = new Int32Array(n);
  const times = new Float64Array(n);
  const sig = new Float64Array(d);
  let i = 0;
  for (let p = 0; p < patients; p++) {
    for (let j = 0; j < d; j++) sig[j] = signature * g.normal() + signal * (2 * diag[p] - 1) * w[j];
    const start = 365 * g.random();
    for (let v = 0; v < perPatient; v++, i++) {
      for (let j = 0; j < d; j++) x[i * d + j] = sig[j] + noise * g.normal();
      y[i] = diag[p];
      groups[i] = p;
      times[i] = start + 7 * v + g.random();
    }
  }
  return { x, y, groups, times, n, d, numClasses: 2, patients };
}
