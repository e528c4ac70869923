import { backendBar } from "../lib/backend.ts";
import { classColor, signPixel } from "../lib/colors.ts";
import { buttons, controls, playButton, select, slider } from "../lib/controls.ts";
import { fmtNum, pct } from "../lib/format.ts";
import { modelExport, requireModel } from "../lib/model_io.ts";
import { TaskClient } from "../lib/task_client.ts";
import { canvas, cssSize, h, metric, metrics, note, panel, prefersReducedMotion, row } from "../lib/ui.ts";
import type { NumberParam } from "../lib/url.ts";
import type { Projection, RepresentTask, Snapshot } from "../protocol/represent.ts";
import type { Demo } from "./types.ts";

const P = {
  steps: { key: "steps", min: 100, max: 3000, step: 50, value: 600 },
  lr: { key: "lr", min: 0.0001, max: 0.01, step: 0.0001, value: 0.001 },
  seed: { key: "seed", min: 0, max: 1000, step: 1, value: 0 },
  digit: { key: "digit", min: 0, max: 9, step: 1, value: 3 },
} satisfies Record<string, NumberParam>;
const WIDTHS = ["64", "128", "256"] as const;
const SHOWN_UNITS = 100,
  TILE = 28,
  TOP = 8;

/** Unit u's 784 weights as a 28×28 picture: orange where the pixel pushes the unit up, blue where it pushes it down. */
function drawUnit(
  ctx: CanvasRenderingContext2D,
  w: ArrayLike<number>,
  u: number,
  x: number,
  y: number,
  scale: number,
): void {
  let max = 1e-12;
  for (let j = 0; j < 784; j++) max = Math.max(max, Math.abs(w[u * 784 + j]));
  const img = new ImageData(TILE, TILE);
  for (let j = 0; j < 784; j++) {
    const c = signPixel(w[u * 784 + j] / max);
    img.data.set([c[0], c[1], c[2], 255], 4 * j);
  }
  const off = document.createElement("canvas");
  off.width = TILE;
  off.height = TILE;
  off.getContext("2d")!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, x, y, TILE * scale, TILE * scale);
}

/** Units ranked by how strongly a digit excites them (mean first-layer activation over its probe images). */
export function topUnits(
  digitMeans: ArrayLike<number>,
  hidden: number,
  digit: number,
  k = TOP,
): { unit: number; mean: number }[] {
  return Array.from({ length: hidden }, (_, u) => ({ unit: u, mean: digitMeans[digit * hidden + u] }))
    .sort((a, b) => b.mean - a.mean || a.unit - b.unit)
    .slice(0, k);
}

export const representation: Demo = {
  id: "representation",
  title: "Representation learning: pixels become features",
  blurb:
    '"Pixels become edges, edges become parts." Train the lecture\'s MLP on MNIST and look inside: each first-layer ' +
    "unit's weights as a 28×28 picture, the units a digit excites most, and the test digits as each hidden layer " +
    "sees " +
    "them, projected to 2-D, as training proceeds.",
  stage: "foundations",
  lecture: "Lecture 1",
  tryThis: [
    "Press Train and watch the weight pictures turn from noise into strokes.",
    "Pick a digit and see which units it excites, next to its average image.",
    "Drag the snapshot slider back to step 0, then forward, for each hidden layer; compare with the raw pixels.",
  ],
  notice: [
    "Orange pixels push a unit up, blue ones down: many units become stroke and edge detectors.",
    "In raw pixels the digits overlap; after training the second hidden layer pulls them apart, which is what the " +
      "linear head needs.",
    "Nobody designed these features: backprop found them, which is the whole point of the opening question's " +
      "option (c).",
  ],
  mount(root, st) {
    const s = {
      hidden: st.choice("hidden", "256", WIDTHS),
      steps: st.num(P.steps),
      lr: st.num(P.lr),
      seed: st.num(P.seed),
      digit: st.num(P.digit),
      layer: st.choice("layer", "2", ["1", "2"] as const),
    };
    const task = new TaskClient<RepresentTask>(
      new Worker(new URL("../workers/represent.ts", import.meta.url), { type: "module" }),
    );
    root.append(backendBar(st, task));
    const H = () => Number(s.hidden);
    const shots: Snapshot[] = [];
    let labels: Uint8Array | null = null,
      pixels: Projection | null = null,
      digitImages: Float32Array | null = null;
    let shown = 0,
      follow = true,
      started = false;

    const mStatus = metric("status", "status", "ready"),
      mStep = metric("step", "step"),
      mLoss = metric("loss", "train loss"),
      mAcc = metric("probe-acc", "accuracy on the 1000 probe digits");
    const gridOf = (units: number) =>
      canvas(
        560,
        Math.ceil(Math.min(SHOWN_UNITS, units) / 10) * 56,
        "The first-layer units' weights, each as a 28×28 picture",
        { "data-plot": "weights" },
      );
    let grid = gridOf(H());
    const gridSlot = h("div", {}, grid);
    const digitSel = slider({
      ...P.digit,
      current: s.digit,
      label: "digit",
      onInput: (v) => {
        s.digit = v;
        st.set("digit", v);
        drawTop();
      },
    });
    const avg = canvas(84, 84, "The average probe image of the chosen digit");
    const top = canvas(TOP * 62, 62, "The units the chosen digit excites most, strongest first", {
      "data-plot": "top-units",
    });
    const mTop = metric("top-units", "strongest units: unit (mean activation)");
    mTop.el.classList.add("msg");
    const cloud = canvas(380, 380, "The 1000 probe digits in 2-D as the chosen layer sees them, coloured by digit", {
      "data-plot": "cloud",
    });
    const mSep = metric("separation", "digits separated in 2-D (nearest class mean)"),
      mPixSep = metric("pixel-separation", "same, raw pixels"),
      mShot = metric("shot-step", "snapshot at step");
    const shotSlider = h("input", {
      type: "range",
      min: 0,
      max: 0,
      step: 1,
      value: 0,
      "data-control": "snapshot",
      id: "snapshot-slider",
    });
    const legend = h(
      "p",
      { class: "legend" },
      ...Array.from({ length: 10 }, (_, k) =>
        h("span", { class: "chip" }, h("span", { class: "swatch", style: `background:${classColor(k)}` }), String(k)),
      ),
    );

    const drawGrid = (snap: Snapshot) => {
      const ctx = grid.getContext("2d")!;
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, ...cssSize(grid));
      for (let u = 0; u < Math.min(SHOWN_UNITS, H()); u++)
        drawUnit(ctx, snap.weights, u, (u % 10) * 56, Math.floor(u / 10) * 56, 1.9);
    };
    const drawTop = () => {
      const snap = shots[shown];
      if (digitImages) {
        const ctx = avg.getContext("2d")!,
          img = new ImageData(TILE, TILE);
        for (let j = 0; j < 784; j++) {
          const v = 255 - 255 * digitImages[s.digit * 784 + j];
          img.data.set([v, v, v, 255], 4 * j);
        }
        const off = document.createElement("canvas");
        off.width = TILE;
        off.height = TILE;
        off.getContext("2d")!.putImageData(img, 0, 0);
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(off, 0, 0, 84, 84);
      }
      if (!snap) return;
      const best = topUnits(snap.digitMeans, H(), s.digit);
      const ctx = top.getContext("2d")!;
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, TOP * 62, 62);
      best.forEach((b, i) => drawUnit(ctx, snap.weights, b.unit, i * 62 + 2, 2, 2));
      mTop.set(best.map((b) => `${b.unit} (${fmtNum(b.mean, 2)})`).join(", "));
    };
    // The cloud eases from the last picture to the next, so a snapshot reads as movement.
    let drawn: Float32Array | null = null,
      anim = 0;
    const drawCloud = (to: Float32Array) => {
      if (!labels) return;
      const from = drawn && drawn.length === to.length && !prefersReducedMotion() ? drawn : to;
      const t0 = performance.now();
      cancelAnimationFrame(anim);
      const frame = (now: number) => {
        const t = Math.min(1, (now - t0) / 300),
          e = t * (2 - t);
        const pts = from.map((v, i) => v + (to[i] - v) * e);
        let x0 = Infinity,
          x1 = -Infinity,
          y0 = Infinity,
          y1 = -Infinity;
        for (let i = 0; i < pts.length; i += 2) {
          x0 = Math.min(x0, pts[i]);
          x1 = Math.max(x1, pts[i]);
          y0 = Math.min(y0, pts[i + 1]);
          y1 = Math.max(y1, pts[i + 1]);
        }
        const [w, hh] = cssSize(cloud),
          ctx = cloud.getContext("2d")!;
        ctx.fillStyle = "#fff";
        ctx.fillRect(0, 0, w, hh);
        for (let i = 0; i < labels!.length; i++) {
          ctx.fillStyle = classColor(labels![i], 0.75);
          ctx.beginPath();
          ctx.arc(
            8 + ((pts[2 * i] - x0) / (x1 - x0 || 1)) * (w - 16),
            hh - 8 - ((pts[2 * i + 1] - y0) / (y1 - y0 || 1)) * (hh - 16),
            2.4,
            0,
            2 * Math.PI,
          );
          ctx.fill();
        }
        drawn = pts;
        if (t < 1) anim = requestAnimationFrame(frame);
      };
      anim = requestAnimationFrame(frame);
    };
    const showShot = (i: number) => {
      shown = i;
      const snap = shots[i];
      if (!snap) return;
      shotSlider.value = String(i);
      mShot.set(snap.step);
      const p = snap.layers[s.layer === "1" ? 0 : 1];
      mSep.set(pct(p.separation));
      mSep.value.dataset.value = String(p.separation);
      drawCloud(p.points);
      drawGrid(snap);
      drawTop();
    };
    shotSlider.addEventListener("input", () => {
      follow = +shotSlider.value === shots.length - 1;
      showShot(+shotSlider.value);
    });

    task.on("status", (m) => mStatus.set(m.text));
    task.on("probe", (m) => {
      labels = m.labels;
      pixels = m.pixels;
      digitImages = m.digitImages;
      mPixSep.set(pct(m.pixels.separation));
      mPixSep.value.dataset.value = String(m.pixels.separation);
      drawCloud(m.pixels.points);
      drawTop();
    });
    task.on("snapshot", (m) => {
      shots.push(m);
      shotSlider.max = String(shots.length - 1);
      mStep.set(m.step);
      mLoss.set(Number.isFinite(m.loss) ? m.loss : "–");
      mAcc.set(pct(m.probeAcc));
      if (follow) showShot(shots.length - 1);
      if (m.done) {
        play.set(false, "Train again");
        started = false;
        view.dataset.state = "done";
      }
    });
    const play = playButton("train", (running) => {
      if (!started) {
        started = true;
        shots.length = 0;
        follow = true;
        drawn = null;
        grid = gridOf(H());
        gridSlot.replaceChildren(grid);
        view.dataset.state = "training";
        st.patch({ hidden: s.hidden, steps: s.steps, lr: s.lr, seed: s.seed });
        task.send({
          type: "start",
          config: {
            base: new URL("mnist/", document.baseURI).href,
            hidden: H(),
            steps: s.steps,
            batch: 64,
            lr: s.lr,
            seed: s.seed,
            snapshotEvery: Math.max(25, Math.round(s.steps / 12)),
          },
        });
      } else task.send({ type: running ? "resume" : "pause" });
    });
    const sl = (p: (typeof P)[keyof typeof P], label: string) =>
      slider({
        ...p,
        current: s[p.key as keyof typeof P],
        label,
        onInput: (v) => {
          s[p.key as keyof typeof P] = v;
          st.set(p.key, v);
        },
      });
    const view = h(
      "div",
      { "data-state": "ready" },
      row(
        panel(
          "Train",
          controls(
            select({
              name: "hidden",
              label: "units per hidden layer",
              options: WIDTHS,
              value: s.hidden,
              onChange: (v) => {
                s.hidden = v;
                st.set("hidden", v);
              },
            }),
            sl(P.steps, "steps"),
            sl(P.lr, "learning rate (Adam)"),
            sl(P.seed, "seed"),
          ),
          buttons(play.el),
          metrics(mStatus, mStep, mLoss, mAcc),
          note("Snapshots are taken on the first 1000 test digits (the probe) about 12 times during training."),
        ),
        panel(
          "What a digit excites",
          controls(digitSel),
          h(
            "div",
            { class: "row" },
            h("figure", { class: "avg" }, avg, h("figcaption", { class: "note", text: "its average image" })),
            h(
              "figure",
              { class: "top" },
              top,
              h("figcaption", { class: "note", text: "the units it excites most, strongest first" }),
            ),
          ),
          metrics(mTop),
        ),
      ),
      row(
        panel(
          "First-layer weights as pictures",
          gridSlot,
          note(
            `The first ${SHOWN_UNITS} units (or all, if fewer) of the first hidden layer. Orange: a bright ` +
              "pixel there raises the unit; blue: it lowers it. At step 0 they are random noise.",
          ),
        ),
        panel(
          "The digits as a hidden layer sees them",
          controls(
            select({
              name: "layer",
              label: "layer",
              options: [
                ["1", "first hidden layer"],
                ["2", "second hidden layer"],
              ] as const,
              value: s.layer,
              onChange: (v) => {
                s.layer = v;
                st.set("layer", v);
                showShot(shown);
              },
            }),
            h(
              "div",
              { class: "control" },
              h("label", { for: "snapshot-slider", text: "snapshot (training step)" }),
              shotSlider,
            ),
          ),
          cloud,
          legend,
          metrics(mShot, mSep, mPixSep),
          h(
            "div",
            { class: "buttons" },
            h("button", { type: "button", "data-action": "show-pixels", text: "Show raw pixels" }),
          ),
          note(
            'A 2-D PCA projection of the 1000 probe digits. "Separated" counts the digits closer to their own ' +
              "class's " +
              "centre than to any other's in this picture.",
          ),
        ),
      ),
      panel(
        "Model",
        modelExport("mnist-mlp.safetensors", async () => ({
          sd: requireModel(await task.request("stateDict", null)),
          code:
            `import torch\nfrom torch import nn\nfrom safetensors.torch import load_file\n\nmodel = ` +
            `nn.Sequential(nn.Linear(784, ${s.hidden}), nn.ReLU(), ` +
            `nn.Linear(${s.hidden}, ${s.hidden}), nn.ReLU(), nn.Linear(${s.hidden}, ` +
            `10))\nmodel.load_state_dict(load_file("mnist-mlp.safetensors"))\n`,
        })),
      ),
    );
    view.querySelector<HTMLButtonElement>('[data-action="show-pixels"]')!.addEventListener("click", () => {
      if (pixels) {
        follow = false;
        drawCloud(pixels.points);
        mShot.set("raw pixels");
        mSep.set(pct(pixels.separation));
      }
    });
    root.append(view);
    return () => {
      task.terminate();
      cancelAnimationFrame(anim);
    };
  },
};
