/** The backend indicator: it names what the worker runs on, and the link's backend= switches it. */
import { expect, it } from "vitest";
import { demo, finish } from "../context.js";

export function backendTests(): void {
  it("backend indicator: wasm by default with its thread count, js when the link asks; junk is named", async () => {
    let p = await demo("representation");
    const backend = p.page.locator('[data-metric="backend"]');
    await p.page.locator('[data-metric="backend"][data-backend]').waitFor({ timeout: 20_000 });
    expect(await backend.getAttribute("data-backend")).toBe("wasm");
    expect(await backend.textContent()).toMatch(/^wasm.*, \d threads?$/);
    await p.page.close();
    p = await demo("representation", "backend=js");
    await p.page.locator('[data-metric="backend"][data-backend="js"]').waitFor({ timeout: 20_000 });
    expect(await p.page.locator('[data-control="backend"]').inputValue()).toBe("js");
    await finish(p, "backend-js");
    p = await demo("convolution", "backend=webgl&steps=50");
    expect(await p.page.locator("[data-url-note]").textContent()).toContain("backend");
    await p.page.locator('[data-metric="backend"][data-backend="wasm"]').waitFor({ timeout: 20_000 });
    await p.page.close();
  }, 90_000);
}
