/**
 * PNG in and out for the CLI, via the pure-JS `pngjs` (no native deps): decoding a user's digit
 * to MNIST's 28×28 white-on-black format, and encoding greyscale images for the report gallery.
 */
import { inflateSync } from "node:zlib";
import { PNG } from "pngjs";
import { mnistStyle } from "../data/mnist_style.js";
import { FileReadError, formatBytes, RegularFile } from "../io/read_node.js";
import { CliError } from "./errors.js";

/** Larger pictures are refused before decoding: the header's size alone decides the allocation. */
const MAX_SIDE = 4096;
const MAX_PIXELS = MAX_SIDE * MAX_SIDE;
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Signature (8) + IHDR's length and type (8) + its 13 bytes + its CRC (4). */
const HEAD_BYTES = 33;
/** Channels per colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA) and the bit depths each allows. */
const COLOUR_TYPES: Record<number, { channels: number; depths: number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};
/** Adam7's passes: first column and row, column and row steps. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** What a PNG's IHDR says, and how many bytes of filtered scanlines that implies. */
interface PngHeader {
  width: number;
  height: number;
  rawBytes: number;
}

/**
 * Checks the signature and IHDR (the first 33 bytes) of a PNG: dimensions within 4096×4096, a
 * valid colour type and bit depth. Everything later is sized from this.
 */
function pngHeader(head: Uint8Array, source: string): PngHeader {
  if (head.length < HEAD_BYTES || SIGNATURE.some((b, i) => head[i] !== b)) {
    throw new CliError(
      `${source} is not a PNG image (it does not start with the PNG signature); save the digit as a PNG`,
    );
  }
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (dv.getUint32(8) !== 13 || String.fromCharCode(...head.subarray(12, 16)) !== "IHDR") {
    throw new CliError(`${source} is not a readable PNG image (its first chunk is not a 13-byte IHDR)`);
  }
  // IHDR is the first chunk: width and height are big-endian u32 at bytes 16..23.
  const width = dv.getUint32(16),
    height = dv.getUint32(20);
  const depth = head[24],
    colourType = head[25],
    interlace = head[28];
  if (width * height > MAX_PIXELS || width > MAX_SIDE || height > MAX_SIDE) {
    throw new CliError(
      `${source} says it is ${width}x${height} pixels; ` + `images larger than ${MAX_SIDE}x${MAX_SIDE} are refused`,
    );
  }
  if (width === 0 || height === 0) throw new CliError(`${source} says it is ${width}x${height} pixels: an empty image`);
  const ct = COLOUR_TYPES[colourType];
  if (!ct || !ct.depths.includes(depth) || interlace > 1) {
    throw new CliError(
      `${source} is not a readable PNG image (its header has colour type ${colourType}, ` +
        `bit depth ${depth}, interlace ${interlace}, which PNG does not define)`,
    );
  }
  const rowBytes = (w: number) => Math.ceil((w * ct.channels * depth) / 8);
  let rawBytes = 0;
  if (interlace === 0) rawBytes = height * (1 + rowBytes(width));
  else {
    for (const [x0, y0, dx, dy] of ADAM7) {
      const w = Math.ceil(Math.max(0, width - x0) / dx),
        h = Math.ceil(Math.max(0, height - y0) / dy);
      if (w > 0 && h > 0) rawBytes += h * (1 + rowBytes(w));
    }
  }
  return { width, height, rawBytes };
}

/**
 * Walks the chunks and inflates the image data: a file cut short, a zlib stream that ends early
 * or is corrupt, or scanlines fewer (or more) than the header calls for are errors, never a
 * picture padded with black rows.
 */
function checkImageData(bytes: Uint8Array, h: PngHeader, source: string): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idat: Uint8Array[] = [];
  let pos = 8;
  let ended = false;
  while (pos + 8 <= bytes.length) {
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (pos + 12 + len > bytes.length) {
      throw new CliError(`${source} is cut short: its ${type} chunk needs ${len} bytes but the file ends first`);
    }
    if (type === "IDAT") idat.push(bytes.subarray(pos + 8, pos + 8 + len));
    pos += 12 + len;
    if (type === "IEND") {
      ended = true;
      break;
    }
  }
  if (!ended) throw new CliError(`${source} is cut short: it ends before the PNG's closing IEND chunk`);
  if (!idat.length) throw new CliError(`${source} has no image data (no IDAT chunk)`);
  let raw: Uint8Array;
  try {
    // One byte more than expected tells "too much" apart from "exactly right" without inflating a bomb.
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: h.rawBytes + 1 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ERR_BUFFER_TOO_LARGE") {
      throw new CliError(`${source} holds more image data than its ${h.width}x${h.height} header calls for`);
    }
    if (/unexpected end/.test((e as Error).message)) {
      throw new CliError(`${source} is cut short: its compressed image data ends early (truncated or damaged file)`);
    }
    throw new CliError(`${source} has corrupt image data (${(e as Error).message})`);
  }
  if (raw.length !== h.rawBytes) {
    throw new CliError(
      `${source} holds ${raw.length} of the ${h.rawBytes} bytes of image data ` +
        `its ${h.width}x${h.height} header calls for: rows are missing`,
    );
  }
}

/**
 * Reads a PNG file header first: the signature and IHDR decide how large the file may honestly
 * be (its scanlines, twice over for worst-case compression, plus 1 MB of other chunks) before
 * the rest is read. Only regular files are read.
 */
export function readPngFile(path: string): Uint8Array {
  let f: RegularFile;
  try {
    f = RegularFile.open(path);
  } catch (e) {
    throw e instanceof FileReadError ? new CliError(e.message) : e;
  }
  try {
    const head = f.read(0, Math.min(HEAD_BYTES, f.size));
    const h = pngHeader(head, path);
    const cap = 2 * h.rawBytes + 2 ** 20;
    if (f.size > cap) {
      throw new CliError(
        `${path} is ${formatBytes(f.size)}, far more than a ${h.width}x${h.height} PNG needs ` +
          `(at most ${formatBytes(cap)}); it is corrupt or not an image`,
      );
    }
    return f.read(0, f.size);
  } finally {
    f.close();
  }
}

/** Decodes a PNG to greyscale in [0, 1] (alpha composited over white). */
export function decodeGrey(bytes: Uint8Array, source: string): { grey: Float32Array; width: number; height: number } {
  const h = pngHeader(bytes.subarray(0, HEAD_BYTES), source);
  checkImageData(bytes, h, source);
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
