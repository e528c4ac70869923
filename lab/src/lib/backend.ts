/**
 * The backend indicator every training page shows: what the worker runs on ("wasm, 2 threads",
 * "webgpu, google swiftshader (fallback adapter)"), a note when that is not what was asked for, and a
 * switch (kept in the URL as `backend=auto|wasm|js|webgpu`, default auto). Changing it restarts the
 * page's training, since a model lives in its backend's memory.
 */
import type { BackendName, BackendStatus } from "../protocol/common.ts";
import { BACKENDS } from "../protocol/common.ts";
import { select } from "./controls.ts";
import { h, metric, note } from "./ui.ts";
import type { TaskClient } from "./task_client.ts";
import type { UrlState } from "./url.ts";
import type { TaskSpec } from "../protocol/wire.ts";

const LABELS: Record<BackendName, string> = {
  auto: "auto (WebGPU on a hardware GPU, else wasm)",
  wasm: "wasm (SIMD, threads)",
  js: "js (reference)",
  webgpu: "webgpu",
};

export function readBackend(st: UrlState): BackendName {
  return st.choice("backend", "auto", BACKENDS);
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
  // Why the backend that runs is not the one asked for (webgpu unavailable), or what auto chose.
  const why = note("", { "data-metric": "backend-note", role: "status" });
  why.hidden = true;
  const el = h("div", { class: "backend" }, sw.el, h("dl", { class: "metrics" }, m.el), why);
  return {
    el,
    show: (s) => {
      m.set(s.label);
      m.value.dataset.backend = s.name;
      if (s.adapter) m.value.dataset.adapter = s.adapter;
      else delete m.value.dataset.adapter;
      m.value.dataset.fallbackAdapter = String(s.fallbackAdapter);
      why.textContent = s.note ?? "";
      why.hidden = !s.note;
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
