/** Small images of numbers (feature maps, filters, kernel outputs) and the digit drawing pad. */
import { data } from "gradlab";
import { signPixel } from "./colors.ts";
import { canvas, pointerAt } from "./ui.ts";

/**
 * A w × h map of `values[offset …]` as a canvas shown `size` CSS pixels wide, pixels kept sharp.
 * Signed maps use the sign colours (orange +, blue −) scaled by `scale`; unsigned ones go from
 * white (0) to black (`scale`).
 */
export function pixmap(
  values: ArrayLike<number>,
  o: { offset?: number; w: number; h: number; scale: number; signed: boolean; size: number; label: string },
): HTMLCanvasElement {
  const c = document.createElement("canvas");
  c.width = o.w;
  c.height = o.h;
  const img = new ImageData(o.w, o.h);
  const off = o.offset ?? 0;
  for (let i = 0; i < o.w * o.h; i++) {
    const t = o.scale > 0 ? values[off + i] / o.scale : 0;
    const [r, g, b] = o.signed ? signPixel(Math.max(-1, Math.min(1, t))) : grey(t);
    img.data.set([r, g, b, 255], 4 * i);
  }
  c.getContext("2d")!.putImageData(img, 0, 0);
  c.style.width = `${o.size}px`;
  c.style.height = `${Math.round((o.size * o.h) / o.w)}px`;
  c.style.imageRendering = "pixelated";
  c.setAttribute("role", "img");
  c.setAttribute("aria-label", o.label);
  return c;
}

const grey = (t: number): [number, number, number] => {
  const v = Math.round(255 * (1 - Math.max(0, Math.min(1, t))));
  return [v, v, v];
};

/** Largest |v| of values[start, end), at least a tiny positive number (so a blank map stays blank). */
export function absMax(values: ArrayLike<number>, start = 0, end = values.length): number {
  let m = 1e-12;
  for (let i = start; i < end; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

/**
 * The 224 × 224 drawing pad (white ink on black, as MNIST): `onStroke` runs when a stroke ends;
 * `pixels()` is the drawing as MNIST-style 784 values in [0, 1] (data.mnistStyle), or null if blank;
 * `show(p)` paints 784 values into it (the keyboard route: load a test image).
 */
export function drawingPad(label: string, onStroke: () => void) {
  const pad = canvas(224, 224, label, { "data-plot": "draw", tabindex: 0 });
  pad.style.touchAction = "none";
  pad.style.background = "#000";
  const ctx = pad.getContext("2d")!;
  const clear = () => {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, 224, 224);
  };
  clear();
  let drawing = false;
  pad.addEventListener("pointerdown", (e) => {
    drawing = true;
    pad.setPointerCapture(e.pointerId);
    const [x, y] = pointerAt(pad, e);
    Object.assign(ctx, { strokeStyle: "#fff", lineWidth: 16, lineCap: "round", lineJoin: "round" });
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 0.1, y);
    ctx.stroke();
  });
  pad.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const [x, y] = pointerAt(pad, e);
    ctx.lineTo(x, y);
    ctx.stroke();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    onStroke();
  };
  pad.addEventListener("pointerup", end);
  pad.addEventListener("pointerleave", end);
  return {
    el: pad,
    clear,
    pixels(): Float32Array | null {
      const px = ctx.getImageData(0, 0, pad.width, pad.height).data;
      const g = new Float32Array(pad.width * pad.height);
      for (let i = 0; i < g.length; i++) g[i] = px[4 * i] / 255;
      return data.mnistStyle(g, pad.width, pad.height);
    },
    show(p: ArrayLike<number>) {
      const c = document.createElement("canvas");
      c.width = c.height = 28;
      const img = new ImageData(28, 28);
      for (let i = 0; i < 784; i++) {
        const v = Math.round(255 * p[i]);
        img.data.set([v, v, v, 255], 4 * i);
      }
      c.getContext("2d")!.putImageData(img, 0, 0);
      clear();
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(c, 0, 0, 224, 224);
    },
  };
}
