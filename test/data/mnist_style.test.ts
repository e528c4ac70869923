// data.mnistStyle frames a digit from anywhere the way MNIST framed its own.
import { describe, expect, it } from "vitest";
import { data } from "../../src/index.js";
import { loadMnist } from "../../src/node.js";

const test = loadMnist("test", { limit: 10 });
const digit = (i: number) => test.images.subarray(i * 784, (i + 1) * 784);

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ma = 0,
    mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= a.length;
  mb /= b.length;
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

function centreOfMass(x: ArrayLike<number>): [number, number] {
  let m = 0,
    cx = 0,
    cy = 0;
  for (let i = 0; i < 784; i++) {
    m += x[i];
    cx += x[i] * (i % 28);
    cy += x[i] * Math.floor(i / 28);
  }
  return [cx / m, cy / m];
}

describe("data.mnistStyle", () => {
  it("leaves an MNIST digit nearly as it was", () => {
    for (let i = 0; i < 10; i++) expect(correlation(data.mnistStyle(digit(i), 28, 28)!, digit(i))).toBeGreaterThan(0.9);
  });

  it("recovers a digit drawn small, off-centre and dark on light in a big picture", () => {
    for (let i = 0; i < 10; i++) {
      // The digit at 3x in the top-left corner of a 200x150 sheet of paper.
      const w = 200,
        h = 150,
        big = new Float32Array(w * h).fill(1);
      for (let y = 0; y < 84; y++)
        for (let x = 0; x < 84; x++)
          big[(y + 5) * w + x + 8] = 1 - digit(i)[Math.floor(y / 3) * 28 + Math.floor(x / 3)];
      const x = data.mnistStyle(big, w, h)!;
      expect(correlation(x, digit(i))).toBeGreaterThan(0.85);
      const [cx, cy] = centreOfMass(x);
      expect(Math.abs(cx - 14)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(cy - 14)).toBeLessThanOrEqual(0.5);
      expect(Math.max(...x)).toBeLessThanOrEqual(1);
    }
  });

  it("returns null for a blank picture", () => {
    expect(data.mnistStyle(new Float32Array(28 * 28), 28, 28)).toBeNull();
    expect(data.mnistStyle(new Float32Array(40 * 30).fill(1), 40, 30)).toBeNull();
  });
});
