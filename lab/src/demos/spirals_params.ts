/** The spirals page's controls and how its link is read (every value clamped to its control). */
import { ACTIVATIONS, INITS, OLD_ACTIVATION_NAMES, OLD_INIT_NAMES, type MlpConfig } from "../lib/mlp.ts";
import type { NumberParam, UrlState } from "../lib/url.ts";
import type { Point } from "../protocol/mlp2d.ts";

export const SPIRAL_DATASETS = ["spirals", "moons", "circles", "xorcloud", "blobs"] as const;
export const MAX_CLICKED_POINTS = 200;

export const P = {
  classes: { key: "classes", min: 2, max: 5, step: 1, value: 2 },
  n: { key: "n", min: 40, max: 1000, step: 20, value: 300 },
  noise: { key: "noise", min: 0, max: 0.3, step: 0.01, value: 0.04 },
  turns: { key: "turns", min: 0.5, max: 2.5, step: 0.25, value: 1 },
  depth: { key: "depth", min: 0, max: 8, step: 1, value: 3 },
  width: { key: "width", min: 2, max: 64, step: 1, value: 32 },
  lr: { key: "lr", min: 0.0005, max: 0.1, step: 0.0005, value: 0.01 },
  batch: { key: "batch", min: 1, max: 256, step: 1, value: 32 },
  dropout: { key: "dropout", min: 0, max: 0.6, step: 0.05, value: 0 },
  seed: { key: "seed", min: 0, max: 50, step: 1, value: 0 },
} satisfies Record<string, NumberParam>;

export function readSpiralsState(st: UrlState) {
  const classes = st.num(P.classes);
  return {
    dataset: st.choice("data", "spirals", SPIRAL_DATASETS),
    classes,
    n: st.num(P.n),
    noise: st.num(P.noise),
    turns: st.num(P.turns),
    depth: st.num(P.depth),
    width: st.num(P.width),
    act: st.choice("act", "relu", ACTIVATIONS, OLD_ACTIVATION_NAMES),
    init: st.choice("init", "default", INITS, OLD_INIT_NAMES),
    opt: st.choice("opt", "adam", ["adam", "sgd"] as const),
    lr: st.num(P.lr),
    batch: st.num(P.batch),
    dropout: st.num(P.dropout),
    bn: st.bool("bn", false),
    bottleneck: st.bool("bottleneck", false),
    evalMode: st.choice("mode", "eval", ["eval", "train"] as const),
    seed: st.num(P.seed),
    extra: st.text("pts", [] as Point[], (raw) => parsePoints(raw, classes)),
  };
}
export type SpiralsState = ReturnType<typeof readSpiralsState>;

/** Clicked points from the link: at most 200, coordinates within ±10, labels of existing classes. */
export function parsePoints(raw: string, classes: number): { value: Point[]; note?: string } {
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    return { value: [], note: "the added points are not readable, so none are used." };
  }
  if (!Array.isArray(list)) return { value: [], note: "the added points are not a list, so none are used." };
  const ok: Point[] = [];
  for (const p of list) {
    if (ok.length >= MAX_CLICKED_POINTS) break;
    const q = p as Partial<Point>;
    if (typeof q !== "object" || q === null) continue;
    const { x, y, label } = q;
    if (typeof x !== "number" || typeof y !== "number" || typeof label !== "number") continue;
    if (!(Math.abs(x) <= 10 && Math.abs(y) <= 10 && Number.isInteger(label) && label >= 0 && label < classes)) continue;
    ok.push({ x, y, label });
  }
  const dropped = list.length - ok.length;
  return {
    value: ok,
    note: dropped
      ? `${dropped} of the ${list.length} added points were left out (at most ${MAX_CLICKED_POINTS}, ` +
        `within ±10, of a class the page has).`
      : undefined,
  };
}

export function mlpConfig(s: SpiralsState): MlpConfig {
  return {
    inputs: 2,
    outputs: s.dataset === "spirals" || s.dataset === "blobs" ? s.classes : 2,
    activation: s.act,
    init: s.init,
    dropout: s.dropout,
    batchnorm: s.bn,
    hidden: [...Array<number>(s.depth).fill(s.width), ...(s.bottleneck ? [2] : [])],
  };
}
