/** PyTorch-like printing: `tensor([[0.1000, 2.0000], ...], requiresGrad=true)`. */
import type { Tensor } from "./tensor.js";

const MAX_SHOWN = 1000;

export function formatTensor(t: Tensor): string {
  if (t.device !== "cpu") {
    // Printing must not throw, and a device read is asynchronous: say where the values are.
    return `tensor(<${t.numel()} values on ${t.device}: await t.data()>, shape=[${t.shape.join(", ")}]${
      t.dtype !== "float32" ? `, dtype=${t.dtype}` : ""
    }, device=${t.device})`;
  }
  const isInt = t.dtype === "int32";
  const values = Array.from(t.dataSync().subarray(0, Math.min(t.dataSync().length, MAX_SHOWN)));
  const finite = values.filter(Number.isFinite);
  const allIntegral = finite.every(Number.isInteger);
  const big = finite.some((v) => Math.abs(v) >= 1e8 || (v !== 0 && Math.abs(v) < 1e-4));
  const fmt = (v: number): string => {
    if (Number.isNaN(v)) return "nan";
    if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
    if (isInt) return String(v);
    if (big) return v.toExponential(4);
    return allIntegral ? `${v}.` : v.toFixed(4);
  };
  const width = Math.max(1, ...values.map((v) => fmt(v).length));
  const pad = (v: number): string => fmt(v).padStart(width);
  const rec = (dim: number, offset: number, indent: string): string => {
    if (t.shape.length === 0) return fmt(t.dataSync()[0]);
    const n = t.shape[dim];
    const stride = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const elide = n > 6 && t.numel() > MAX_SHOWN;
    const idx = elide ? [0, 1, 2, -1, n - 3, n - 2, n - 1] : Array.from({ length: n }, (_, i) => i);
    if (dim === t.shape.length - 1) {
      return "[" + idx.map((i) => (i < 0 ? "..." : pad(t.dataSync()[offset + i]))).join(", ") + "]";
    }
    const sep = "," + "\n".repeat(t.shape.length - dim - 1) + indent + " ";
    return "[" + idx.map((i) => (i < 0 ? "..." : rec(dim + 1, offset + i * stride, indent + " "))).join(sep) + "]";
  };
  const extras: string[] = [];
  if (t.dtype !== "float32") extras.push(`dtype=${t.dtype}`);
  if (t.gradFn) extras.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) extras.push("requiresGrad=true");
  return `tensor(${rec(0, 0, "       ")}${extras.length ? ", " + extras.join(", ") : ""})`;
}
