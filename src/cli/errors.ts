/**
 * Errors the CLI turns into one line and an exit code, never a stack trace.
 * UsageError → exit 2 (the command line is wrong); CliError → exit 1 (the input or the run failed).
 */

/** A problem with the command line itself: unknown flag, bad value, missing argument. Exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A problem with an input file or the run (bad checkpoint, unreadable image, diverged loss). Exit code 1. */
export class CliError extends Error {
  override name = "CliError";
}

/** Exit code used after Ctrl-C, as shells do (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/**
 * Signals that stop a training run cleanly (checkpoint, then exit): Ctrl-C, `kill` and container
 * stops, a closed terminal.
 */
export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The shell's exit code after `signal`: 128 + its number (SIGHUP 129, SIGINT 130, SIGTERM 143). */
export const exitCodeFor = (signal: StopSignal): number => 128 + { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }[signal];
