/**
 * The backend indicator every training page shows: what the worker runs on ("wasm, 2 threads")
 * and a switch (kept in the URL as `backend=`). Changing it restarts the page's training, since a
 * model lives in its backend's memory.
 */
import type { BackendName, BackendStatus } from "../protocol/common.ts";
import { BACKENDS } from "../protocol/common.ts";
import { select } from "./controls.ts";
import { h, metric } from "./ui.ts";
import type { TaskClient } from "./task_client.ts";
import type { UrlState } from "./url.ts";
import type { TaskSpec } from "../protocol/wire.ts";

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

/**
 * The indicator for a page whose worker takes no backend in its config: the worker is switched
 * before the page starts anything, and a change of backend reloads the page (its state is in the
 * link, so it comes back as it was, on the other backend).
 */
export function backendBar<S extends TaskSpec>(st: UrlState, task: TaskClient<S>): HTMLElement {
  const want = readBackend(st);
  const ind = backendIndicator(want, (b) => {
    st.set("backend", b);
    location.reload();
  });
  // Thread workers join in the background: ask again a little later for the final count.
  const ask = (w: BackendName | null) =>
    task
      .backend(w)
      .then(ind.show)
      .catch((e: Error) => console.error(`backend: ${e.message}`));
  void ask(want);
  for (const ms of [1500, 5000]) setTimeout(() => void ask(null), ms);
  return ind.el;
}
