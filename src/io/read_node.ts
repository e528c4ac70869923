/**
 * Reading files that may be hostile (Node). Only regular files are read: a FIFO, a device such as
 * `/dev/zero` or a directory is refused before a byte is read (opening never blocks on a FIFO),
 * and nothing reads more than the file's own size or the caller's cap, so memory stays bounded by
 * what the file honestly is. Formats with a header read it first ({@link RegularFile.read}) and
 * decide from it how much more to read.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

/** A file that cannot be read, or is too big: one sentence naming the file. `code` is Node's errno code, if any. */
export class FileReadError extends Error {
  override name = "FileReadError";
  constructor(
    message: string,
    readonly path: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** What a non-regular file is, in words. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a named pipe (FIFO)";
  if (st.isCharacterDevice()) return "a character device (like /dev/zero)";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

/** Node's errno errors, said plainly and naming the file. */
export function describeOpenError(path: string, e: unknown): FileReadError {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === "ENOENT"
      ? "it does not exist"
      : code === "EACCES" || code === "EPERM"
        ? "permission denied"
        : code === "ENOTDIR"
          ? "a folder on its path is a file"
          : code === "ELOOP"
            ? "too many symbolic links"
            : (e as Error).message;
  return new FileReadError(`cannot read ${path}: ${why}`, path, code);
}

/** Formats a byte count for messages: "3.2 GB", "512 KB", "17 bytes". */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e4) return `${Math.round(n / 1e3)} KB`;
  return `${n} bytes`;
}

/** An open regular file read by position. Close it (`try … finally`). */
export class RegularFile {
  private constructor(
    readonly path: string,
    private fd: number,
    readonly size: number,
  ) {}

  /**
   * Opens `path` for reading, refusing anything but a regular file.
   *
   * @throws {@link FileReadError} for a missing, unreadable or non-regular file.
   */
  static open(path: string): RegularFile {
    let fd: number;
    try {
      // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
      fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EISDIR") {
        throw new FileReadError(`${path} is a directory, not a file`, path, "EISDIR");
      }
      throw describeOpenError(path, e);
    }
    let st: Stats;
    try {
      st = fstatSync(fd);
    } catch (e) {
      closeSync(fd);
      throw describeOpenError(path, e);
    }
    if (!st.isFile()) {
      closeSync(fd);
      throw new FileReadError(`${path} is ${kindOf(st)}, not a regular file; gradlab reads only regular files`, path);
    }
    return new RegularFile(path, fd, st.size);
  }

  /**
   * Exactly `length` bytes from `position`.
   *
   * @throws {@link FileReadError} when the file ends first (it shrank while being read).
   */
  read(position: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      let n: number;
      try {
        n = readSync(this.fd, out, got, length - got, position + got);
      } catch (e) {
        throw describeOpenError(this.path, e);
      }
      if (n === 0) {
        const msg = `${this.path} ended after ${position + got} bytes while being read (was it changed meanwhile?)`;
        throw new FileReadError(msg, this.path);
      }
      got += n;
    }
    return out;
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/**
 * Reads a whole regular file of at most `maxBytes` bytes.
 *
 * @param what - Names the kind of file in the size error, e.g. "config files".
 * @throws {@link FileReadError} for a missing, unreadable, non-regular or too large file.
 */
export function readRegularFile(path: string, opts: { maxBytes: number; what?: string }): Uint8Array {
  const f = RegularFile.open(path);
  try {
    if (f.size > opts.maxBytes) {
      const what = opts.what ?? "files";
      const msg = `${path} is ${formatBytes(f.size)}; ${what} larger than ${formatBytes(opts.maxBytes)} are refused`;
      throw new FileReadError(msg, path);
    }
    return f.read(0, f.size);
  } finally {
    f.close();
  }
}

/** {@link readRegularFile} decoded as UTF-8 text (invalid bytes become U+FFFD; JSON.parse then names them). */
export function readRegularTextFile(path: string, opts: { maxBytes: number; what?: string }): string {
  return new TextDecoder().decode(readRegularFile(path, opts));
}
