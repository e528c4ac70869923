// The README's kernel table is generated (npm run kernel-table); this fails when it is stale, e.g.
// after a backend gained or lost a kernel, so the table users read is the registry as it is.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { END, kernelRows, kernelTableMarkdown, START, withKernelTable } from "../../scripts/kernel-table.js";
import { jsKernels } from "../../src/backend/js/index.js";

const readme = readFileSync(join(__dirname, "../../README.md"), "utf8");

describe("README kernel table", () => {
  it("is the table npm run kernel-table generates now", () => {
    expect(readme, "the README's kernel table is stale: run npm run kernel-table").toBe(withKernelTable(readme));
  });

  it("lists every kernel of the registry once, with a family and a status on each backend", () => {
    const rows = kernelRows();
    expect(rows.map((r) => r.kernel).sort()).toEqual(Object.keys(jsKernels).sort());
    for (const r of rows) {
      expect(r.js).toBe("native");
      expect(["native", "fallback"]).toContain(r.wasm);
      expect(["native", "missing"]).toContain(r.webgpu);
    }
    const between = readme.slice(readme.indexOf(START), readme.indexOf(END));
    for (const r of rows) expect(between).toContain(`| ${r.family} | \`${r.kernel}\` |`);
  });

  it("marks a kernel a backend lacks, and the README comparison notices the change", () => {
    const rows = kernelRows();
    const edited = rows.map((r, i) => (i === 0 ? { ...r, wasm: "fallback" as const, webgpu: "missing" as const } : r));
    const table = kernelTableMarkdown(edited);
    expect(table).toContain(`| ${rows[0].family} | \`${rows[0].kernel}\` | ✓ | js (counted) | — (throws) |`);
    expect(withKernelTable(readme, table)).not.toBe(readme);
  });

  it("refuses a README without the markers", () => {
    expect(() => withKernelTable("# no table here\n")).toThrow(
      /no <!-- kernel-table:start --> … <!-- kernel-table:end --> markers/,
    );
  });
});
