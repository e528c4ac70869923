/** The lab's router: `#/` is the index with the course map, `#/<page-id>?state` a page. */
import "./style.css";
import { LECTURE_COUNT, STAGES } from "./course.ts";
import { demos } from "./demos/index.ts";
import type { Demo } from "./demos/types.ts";
import { installPalette } from "./lib/colors.ts";
import { icon } from "./lib/icons.ts";
import { caption, h } from "./lib/ui.ts";
import { readRoute, UrlState } from "./lib/url.ts";

installPalette();
const app = document.getElementById("app")!;
const iso = document.getElementById("iso")!;
iso.textContent = globalThis.crossOriginIsolated ? "cross-origin isolated: threads on" : "not isolated: one thread";
iso.title = "crossOriginIsolated: SharedArrayBuffer (threads) available";

let cleanup: (() => void) | void = undefined;
let current: string | null = null;

function demoCard(d: Demo): HTMLElement {
  return h(
    "li",
    { class: "card" },
    h("a", { href: `#/${d.id}`, "data-demo-link": d.id }, h("strong", { text: d.title })),
    h("span", { class: "tag", text: d.lecture }),
    h("p", { text: d.blurb }),
  );
}

/** The 24-lecture arc as a path of stages; stages with pages link to their section. */
function courseMap(): HTMLElement {
  const arc = h("ol", { class: "arc" });
  STAGES.forEach((s) => {
    const n = demos.filter((d) => d.stage === s.id).length;
    const label = [
      h("span", { class: "stage-name", text: s.title }),
      h("span", { class: "stage-count", text: n ? `${n} page${n > 1 ? "s" : ""}` : "later" }),
    ];
    arc.append(
      h(
        "li",
        { class: n ? "stage has-pages" : "stage later", "data-stage": s.id, title: s.gist },
        n ? h("a", { href: `#/`, "data-stage-link": s.id }, ...label) : h("span", {}, ...label),
      ),
    );
  });
  // Stage links scroll to their section without leaving the index route.
  arc.addEventListener("click", (e) => {
    const a = (e.target as HTMLElement).closest<HTMLAnchorElement>("[data-stage-link]");
    if (!a) return;
    e.preventDefault();
    document.getElementById(`stage-${a.dataset.stageLink}`)?.scrollIntoView({ behavior: "smooth", block: "start" });
  });
  return h(
    "section",
    { class: "course-map", "data-course-map": "", "aria-labelledby": "course-map-title" },
    h("h2", { id: "course-map-title", text: `The course: ${LECTURE_COUNT} lectures, ${STAGES.length} stages` }),
    arc,
    h("p", {
      class: "note",
      text:
        "You are at the start: Lecture 1, MLPs and backprop. Each page below sits on the stage " +
        "its idea belongs to; pages for the later stages arrive with their lectures.",
    }),
  );
}

function renderIndex(): void {
  document.title = "gradlab lab";
  const sections = STAGES.filter((s) => demos.some((d) => d.stage === s.id)).map((s) =>
    h(
      "section",
      { class: "stage-section", id: `stage-${s.id}`, "data-stage-section": s.id },
      h("h2", { text: `${s.title}: ${s.gist}` }),
      h("ol", { class: "demo-list" }, ...demos.filter((d) => d.stage === s.id).map(demoCard)),
    ),
  );
  app.append(
    h(
      "div",
      { "data-page": "index", class: "index" },
      h("h1", { text: "gradlab lab" }),
      h("p", {
        class: "lead",
        text:
          "The lecture's slides as pages you can touch. Each runs gradlab, the real library with " +
          "autograd, softmax, BatchNorm and real optimizers, in your browser; training happens in a Web Worker so " +
          "the page " +
          "stays responsive. The address holds each page's settings: copy it to share exactly what you see.",
      }),
      courseMap(),
      ...sections,
    ),
  );
}

function renderDemo(d: Demo, st: UrlState): void {
  document.title = `${d.title} · gradlab lab`;
  const urlNote = h("div", { class: "url-note", role: "status", "data-url-note": "" });
  const root = h(
    "article",
    { "data-demo": d.id, class: "demo" },
    h(
      "nav",
      { class: "crumbs", "aria-label": "Breadcrumb" },
      h("a", { href: "#/" }, icon("back"), h("span", { text: "all pages" })),
    ),
    h("h1", { text: d.title }),
    h("p", { class: "lead", text: d.blurb }),
    urlNote,
    caption(d.tryThis, d.notice),
  );
  app.append(root);
  cleanup = d.mount(root, st);
  // Values the link asked for that the controls cannot take were clamped while mounting: say so.
  if (st.notes.length) {
    urlNote.append(
      h("strong", { text: "This link asked for values outside the page's controls:" }),
      h("ul", {}, ...st.notes.map((t) => h("li", { text: t }))),
    );
    urlNote.classList.add("shown");
  }
  root.setAttribute("data-ready", "1");
}

function route(): void {
  const { page, params } = readRoute();
  if (page === current && app.childElementCount) return;
  if (cleanup) {
    try {
      cleanup();
    } catch (e) {
      console.warn(e);
    }
  }
  cleanup = undefined;
  current = page;
  app.replaceChildren();
  const d = demos.find((x) => x.id === page);
  if (d) renderDemo(d, new UrlState(d.id, params));
  else renderIndex();
  app.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

window.addEventListener("hashchange", route);
route();
