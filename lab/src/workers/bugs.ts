/// <reference lib="webworker" />
/** Worker for the training-bugs page: each bug is a small experiment, run clean and buggy from the same seed. */
import type { BugsTask } from "../protocol/bugs.ts";
import { runBug } from "./bug_experiments.ts";
import { serve } from "./runtime.ts";

serve<BugsTask>(() => ({ requests: { run: ({ bug, buggy, seed }) => runBug(bug, buggy, seed) } }));
