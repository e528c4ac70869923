// Results per machine kind: bench/results/<cpu-slug>.md holds one section per suite, each replaced by
// the next run of that suite on that kind of machine (other suites' sections and older figures stay);
// bench/RESULTS.md is an index of the machine files.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const cpuSlug = (cpu) =>
  cpu
    .toLowerCase()
    .replace(/\(r\)|\(tm\)|cpu|processor|@.*$/g, " ")
    .trim()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "") || "unknown-cpu";

const ORDER = ["steady", "startup", "train", "busy", "cnn", "gpt"];

/** Replaces (or adds) suite `name`'s section in the machine file; `file` overrides the path. */
export function writeSection(dir, mach, name, body, file) {
  const path = file ?? join(dir, "results", `${cpuSlug(mach.cpu)}.md`);
  mkdirSync(join(path, ".."), { recursive: true });
  const old = existsSync(path) ? readFileSync(path, "utf8") : "";
  const sections = {};
  for (const m of old.matchAll(/<!-- suite:([\w-]+) -->\n([\s\S]*?)<!-- \/suite:\1 -->\n?/g)) sections[m[1]] = m[2];
  sections[name] = body.endsWith("\n") ? body : `${body}\n`;
  const names = Object.keys(sections).sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));
  const md = `# gradlab benchmarks on ${mach.cpu}\n\n- **Machine:** ${mach.cpu} (${mach.cores}${mach.flags ? `; ${mach.flags}` : ""}), ${mach.memGiB} GiB, ${mach.os}\n- Each section below is the latest run of that suite on this kind of machine (\`npm run bench -- --suite NAME\`); see bench/README.md.\n\n${names.map((n) => `<!-- suite:${n} -->\n${sections[n]}<!-- /suite:${n} -->\n`).join("\n")}`;
  writeFileSync(path, md);
  return path;
}

/** Rewrites bench/RESULTS.md: one line per machine file, with the suites it has and when each ran. */
export function writeIndex(dir) {
  const rd = join(dir, "results");
  const files = existsSync(rd)
    ? readdirSync(rd)
        .filter((f) => f.endsWith(".md"))
        .sort()
    : [];
  const lines = files.map((f) => {
    const s = readFileSync(join(rd, f), "utf8");
    const cpu = (s.match(/^# gradlab benchmarks on (.+)$/m) ?? [])[1] ?? f;
    const suites = [...s.matchAll(/<!-- suite:([\w-]+) -->\n#+ [^\n]*?— ([^,\n]+)/g)].map((m) => `${m[1]} (${m[2]})`);
    return `| [${cpu}](results/${f}) | ${suites.join(", ") || "—"} |`;
  });
  writeFileSync(
    join(dir, "RESULTS.md"),
    `# gradlab benchmark results, per machine kind\n\nOne file per CPU model, written by \`npm run bench\` (\`-- --suite startup|steady|train|busy|cnn|gpt|all\`, \`--quick\`); a run replaces only the sections of the suites it ran, on its own kind of machine. Read each section's header for the date and the load the machine was under.\n\n| machine | suites (date of the run) |\n|---|---|\n${lines.join("\n")}\n`,
  );
}
