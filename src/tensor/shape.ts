/** Shapes, strides and NumPy broadcasting: the bookkeeping below every op. */
export type Shape = readonly number[];

export const numel = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export const fmt = (shape: Shape): string => `[${shape.join(", ")}]`;

export const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** NumPy broadcasting of two shapes; the error names the op and both shapes. */
export function broadcastShapes(a: Shape, b: Shape, op = "broadcast"): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast (dimension ${i}: ${da} vs ${db}); ` +
          `sizes must match or one of them must be 1 — reshape or unsqueeze one operand`,
      );
    }
    out[i] = Math.max(da, db);
  }
  return out;
}

/** Strides of `shape` read as if broadcast to `outShape` (0 where the dimension is repeated). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const st = stridesOf(shape);
  const off = outShape.length - shape.length;
  return outShape.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : st[i - off]));
}

/** Normalises a possibly negative dim; the error says the valid range. */
export function normDim(dim: number, rank: number, op = "dim"): number {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new Error(`${op}: dim ${dim} is out of range for a tensor of rank ${rank} (expected ${-r}..${r - 1})`);
  }
  return dim < 0 ? dim + r : dim;
}

/** Splits a shape around `dim` into (outer, size, inner) for reductions along that dim. */
export function splitAt(shape: Shape, dim: number): [number, number, number] {
  return [numel(shape.slice(0, dim)), shape[dim] ?? 1, numel(shape.slice(dim + 1))];
}

/** Resolves one -1 in a requested shape, checking the element count. */
export function inferShape(requested: Shape, total: number, from: Shape): number[] {
  const out = [...requested];
  const neg = out.indexOf(-1);
  if (out.filter((d) => d === -1).length > 1)
    throw new Error(`reshape: only one dimension can be -1, got ${fmt(requested)}`);
  if (neg >= 0) {
    const rest = numel(out.filter((_, i) => i !== neg));
    if (rest === 0 || total % rest !== 0) {
      throw new Error(`reshape: cannot reshape ${fmt(from)} (${total} elements) into ${fmt(requested)}`);
    }
    out[neg] = total / rest;
  }
  if (numel(out) !== total || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(
      `reshape: cannot reshape ${fmt(from)} (${total} elements) into ${fmt(requested)} (${numel(out)} elements)`,
    );
  }
  return out;
}
