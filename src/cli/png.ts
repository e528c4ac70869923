/**
 * PNG in and out for the CLI, via the pure-JS `pngjs` (no native deps): decoding a user's digit
 * to MNIST's 28×28 white-on-black format, and encoding greyscale images for the report gallery.
 */
import { PNG } from "pngjs";
import { mnistStyle } from "../data/mnist_style.js";
import { CliError } from "./errors.js";

/** Decodes a PNG to greyscale in [0, 1] (alpha composited over white). */
/** Larger pictures are refused before decoding: the header's size alone decides the allocation. */
const MAX_PIXELS = 4096 * 4096;

export function decodeGrey(bytes: Uint8Array, source: string): { grey: Float32Array; width: number; height: number } {
  const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new CliError(`${source} is not a PNG image (it does not start with the PNG signature); save the digit as a PNG`);
  }
  // IHDR is the first chunk: width and height are big-endian u32 at bytes 16..23.
  {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const w = dv.getUint32(16), h = dv.getUint32(20);
    if (w * h > MAX_PIXELS) throw new CliError(`${source} says it is ${w}x${h} pixels; images larger than 4096x4096 are refused`);
  }
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new CliError(`${source} is not a readable PNG image (${(e as Error).message})`);
  }
  const { width, height, data } = png;
  const grey = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const a = data[4 * i + 3] / 255;
    const lum = (0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2]) / 255;
    grey[i] = lum * a + (1 - a);
  }
  return { grey, width, height };
}

/**
 * Turns a greyscale picture of at least 28×28 into an MNIST input the way MNIST made its own: the
 * ink cropped, fitted in 20×20 and centred by mass in 28×28 (dark-on-light pictures inverted).
 */
export function toMnistInput(img: { grey: Float32Array; width: number; height: number }, source: string): Float32Array {
  const { grey, width: w, height: h } = img;
  if (w < 28 || h < 28) throw new CliError(`${source} is ${w}x${h}; it must be at least 28x28 pixels`);
  const x = mnistStyle(grey, w, h);
  if (!x) throw new CliError(`${source} has no digit in it: every pixel is the background colour`);
  return x;
}

/** Encodes greyscale values in [0, 1] as a PNG (for data: URIs in the report). */
export function encodeGrey(grey: ArrayLike<number>, width: number, height: number): Uint8Array {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  const buf = Buffer.alloc(width * height);
  for (let i = 0; i < width * height; i++) buf[i] = Math.max(0, Math.min(255, Math.round(grey[i] * 255)));
  png.data = buf;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}
