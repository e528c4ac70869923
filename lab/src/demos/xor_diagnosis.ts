/** What a finished XOR training run says, in plain words, from its own numbers. */
import { fixed, pct } from "../lib/format.ts";

export interface XorRunSummary {
  loss: number;
  acc: number;
  hidden: number;
  activation: string;
  seed: number;
  /** Hidden ReLU units off on all four points, and on for all four (null for other activations). */
  dead: number | null;
  linear: number | null;
}

const units = (k: number) => `${k} unit${k === 1 ? "" : "s"}`;

export function explainXorRun(r: XorRunSummary): string {
  if (r.acc >= 1) return `Solved: all four points right, loss ${fixed(r.loss, 4)}.`;
  const stuck = Math.abs(r.loss - Math.LN2) < 0.01;
  const parts = [
    stuck
      ? `Stuck: the loss is ${fixed(r.loss, 4)} ≈ ln 2 = 0.6931 and the accuracy ${pct(r.acc, 0)}: ` +
        "the network gives every point " +
        "the same 50/50 answer."
      : `Not solved: loss ${fixed(r.loss, 4)}, accuracy ${pct(r.acc, 0)}.`,
  ];
  if (r.dead !== null && r.linear !== null) {
    const bending = r.hidden - r.dead - r.linear;
    if (r.dead) {
      parts.push(
        `${r.dead} of the ${r.hidden} hidden ReLU units ${r.dead === 1 ? "is" : "are"} dead: the input Wx + c is ≤ ` +
          `0 on all four ` +
          `points, so the unit outputs 0, gets zero gradient, and no step can bring it back.`,
      );
    }
    if (r.linear) {
      parts.push(
        `${units(r.linear)} ${r.linear === 1 ? "is" : "are"} on for all four points, where ReLU is just the ` +
          `identity: ` +
          "such a unit bends nothing, and a network without a bend is a straight line, as in section 1.",
      );
    }
    parts.push(
      bending >= 2
        ? "Gradient descent found no way down from here."
        : "XOR needs two folds of the plane and " +
            `${bending === 0 ? "no unit bends" : "only one unit bends"} on these points.`,
    );
  }
  parts.push(
    `It came from the random start (seed ${r.seed}), not from the data: try another seed, more hidden units, or tanh.`,
  );
  return parts.join(" ");
}
