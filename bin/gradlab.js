#!/usr/bin/env node
// The `gradlab` command. Runs the compiled CLI (npm run build writes dist/).
import { runAsCommand } from "../dist/cli/main.js";

process.exitCode = await runAsCommand(process.argv.slice(2));
