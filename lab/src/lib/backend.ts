/**
 * The backend indicator every training page shows: what the worker runs on ("wasm, 2 threads")
 * and a switch (kept in the URL as `backend=`). Changing it restarts the page's training, since a
 * model lives in its backend's memory.
 */
import type { BackendName, BackendStatus } from "../protocol/common.ts";
import { BACKENDS } from "../protocol/common.ts";
import { select } from "./controls.ts";
import { h, metric } from "./ui.ts";
import type { UrlState } from "./url.ts";

const LABELS: Record<BackendName, string> = { wasm: "wasm (SIMD, threads)", js: "js (reference)" };

export function readBackend(st: UrlState): BackendName {
  return st.choice("backend", "wasm", BACKENDS);
}

export function backendIndicator(
  current: BackendName,
  onChange: (b: BackendName) => void,
): { el: HTMLElement; show(s: BackendStatus): void } {
  const m = metric("backend", "runs on", "starting…");
  const sw = select({
    name: "backend",
    label: "backend",
    options: BACKENDS.map((b) => [b, LABELS[b]] as const),
    value: current,
    onChange,
  });
  const el = h("div", { class: "backend" }, sw.el, h("dl", { class: "metrics" }, m.el));
  return {
    el,
    show: (s) => {
      m.set(s.label);
      m.value.dataset.backend = s.name;
    },
  };
}
