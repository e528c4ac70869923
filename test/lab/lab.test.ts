/**
 * The lab in a real browser: builds lab/dist, serves it cross-origin isolated, and drives every
 * page in Debian's Chromium (headless). Each page must load without console errors, its readouts
 * must follow the math (checked against gradlab's own numbers, computed here in Node), and
 * screenshots at desktop and phone width land in test-output/lab/. The page tests live in
 * ./pages/, one file per group of pages; they share one build and one browser.
 */
import { afterAll, beforeAll, describe } from "vitest";
import type { Server } from "node:http";
import { lab } from "./context.js";
import { buildLab, DIST, launch, requireChromium, serve } from "./harness.js";
import { approxTests } from "./pages/approx.js";
import { backendTests } from "./pages/backend.js";
import { basicsTests } from "./pages/basics.js";
import { bugsTests } from "./pages/bugs.js";
import { convolutionTests } from "./pages/convolution.js";
import { depthTests } from "./pages/depth.js";
import { gradientsTests } from "./pages/gradients.js";
import { hostileUrlTests } from "./pages/hostile.js";
import { indexTests } from "./pages/index.js";
import { mnistTests } from "./pages/mnist.js";
import { openingTests } from "./pages/opening.js";
import { representationTests } from "./pages/representation.js";
import { spiralsTests } from "./pages/spirals.js";
import { splitsTests } from "./pages/splits.js";
import { attentionTests, textTests } from "./pages/text.js";
import { visualTests } from "./pages/visual.js";
import { xorTests } from "./pages/xor.js";

let server: Server;

beforeAll(async () => {
  requireChromium();
  buildLab();
  let url: string;
  ({ server, url } = await serve(DIST));
  lab.base = url;
  lab.browser = await launch();
  lab.desktop = await lab.browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  lab.phone = await lab.browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
}, 240_000);

afterAll(async () => {
  await lab.desktop?.close();
  await lab.phone?.close();
  await lab.browser?.close();
  await new Promise((r) => (server ? server.close(r) : r(null)));
});

describe("lab in Chromium", () => {
  indexTests();
  visualTests();
  basicsTests();
  xorTests();
  spiralsTests();
  gradientsTests();
  bugsTests();
  mnistTests();
  splitsTests();
  openingTests();
  representationTests();
  approxTests();
  depthTests();
  convolutionTests();
  textTests();
  attentionTests();
  backendTests();
  hostileUrlTests();
});
