/** The lab's router: `#/` is the index, `#/<demo-id>?state` a demo. */
import "./style.css";
import { demos } from "./demos/index.ts";
import { h } from "./lib/ui.ts";
import { readRoute, UrlState } from "./lib/url.ts";

const app = document.getElementById("app")!;
const iso = document.getElementById("iso")!;
iso.textContent = globalThis.crossOriginIsolated ? "cross-origin isolated ✓" : "not isolated";
iso.title = "crossOriginIsolated: SharedArrayBuffer (threads) available";

let cleanup: (() => void) | void = undefined;
let current = "";

function renderIndex(): void {
  document.title = "gradlab lab";
  const list = h("ol", { class: "demo-list" });
  for (const d of demos) {
    list.append(h("li", {}, h("a", { href: `#/${d.id}`, "data-demo-link": d.id }, h("strong", { text: d.title })), h("p", { text: d.blurb })));
  }
  app.append(h("div", { "data-page": "index", class: "index" },
    h("h1", { text: "gradlab lab" }),
    h("p", { class: "lead", text: "Every demo of the lecture as a live page. Each one runs gradlab — the real library, with autograd, softmax, BatchNorm and real optimizers — in your browser; training happens in a Web Worker so the page stays responsive. The URL holds each demo's state: copy it to share." }),
    list));
}

function route(): void {
  const { demo, params } = readRoute();
  if (demo === current && app.childElementCount) return;
  if (cleanup) { try { cleanup(); } catch (e) { console.warn(e); } }
  cleanup = undefined;
  current = demo;
  app.replaceChildren();
  const d = demos.find((x) => x.id === demo);
  if (!d) { renderIndex(); return; }
  document.title = `${d.title} — gradlab lab`;
  const root = h("article", { "data-demo": d.id, class: "demo" },
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/", text: "← all demos" })),
    h("h1", { text: d.title }),
    h("p", { class: "lead", text: d.blurb }));
  app.append(root);
  cleanup = d.mount(root, new UrlState(d.id, params));
  root.setAttribute("data-ready", "1");
  app.focus({ preventScroll: true });
}

window.addEventListener("hashchange", route);
route();
