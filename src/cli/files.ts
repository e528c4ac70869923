/**
 * File chores of the run folder: reading its small JSON files with caps.
 */
import { jsonNestingBeyond } from "../io/json_depth.js";
import { FileReadError, readRegularTextFile } from "../io/read_node.js";
import { CliError } from "./errors.js";

/** Deepest nesting gradlab's own JSON files have (state.json: object → optimizer → groups → group → betas). */
const MAX_JSON_DEPTH = 16;

/**
 * Reads and parses a small JSON file: a regular file of at most `maxBytes`, nested at most 16
 * deep (deeper values overflow the stack when printed), valid JSON. Errors are one-line CliErrors.
 *
 * @param missing - The message when the file does not exist.
 */
export function readJsonFile(path: string, opts: { maxBytes: number; what: string; missing?: string }): unknown {
  return readJsonFileWithText(path, opts).value;
}

/** {@link readJsonFile}, also returning the text it parsed (e.g. to check a digest of it). */
export function readJsonFileWithText(
  path: string, opts: { maxBytes: number; what: string; missing?: string },
): { value: unknown; text: string } {
  let text: string;
  try {
    text = readRegularTextFile(path, { maxBytes: opts.maxBytes, what: opts.what });
  } catch (e) {
    if (e instanceof FileReadError && e.code === "ENOENT" && opts.missing) throw new CliError(opts.missing);
    if (e instanceof FileReadError) throw new CliError(e.message);
    throw e;
  }
  const deep = jsonNestingBeyond(text, MAX_JSON_DEPTH);
  if (deep) {
    throw new CliError(`${path} nests more than ${MAX_JSON_DEPTH} levels deep (at character ${deep.offset}); `
      + "it is not a file gradlab wrote");
  }
  try {
    return { value: JSON.parse(text), text };
  } catch (e) {
    throw new CliError(`${path} is not valid JSON (${(e as Error).message})`);
  }
}
