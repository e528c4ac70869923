/**
 * report.html: one self-contained page (no network, no scripts) with loss and accuracy curves as
 * inline SVG, the test confusion matrix, and a gallery of the worst test mistakes as inline PNGs.
 */
import { isCnn, type ModelArch, recordedConfig, type TrainConfig } from "./config.js";
import type { EpochMetrics } from "./checkpoint.js";
import type { Split } from "./datasets.js";
import { writeFileAtomic } from "./checkpoint.js";
import { encodeGrey } from "./png.js";
import type { EvalResult } from "../train/train.js";

export interface ReportInput {
  config: TrainConfig;
  arch: ModelArch;
  history: EpochMetrics[];
  test: EvalResult;
  testSplit: Split;
  imageShape?: [number, number];
}

/** One line naming the model: "784-256-256-10, relu", "LeNet-5", "ResNet 16-32-64, 1 block per stage". */
function describeArch(a: ModelArch): string {
  if (isCnn(a)) {
    if (a.model === "lenet") return "LeNet-5";
    return `ResNet ${(a.widths ?? []).join("-")}, ${a.blocks} block${a.blocks === 1 ? "" : "s"} per stage, BatchNorm2d`;
  }
  return (
    [a.inputSize, ...a.hidden, a.numClasses].join("-") +
    `, ${a.activation}${a.batchnorm ? ", batchnorm" : ""}${a.dropout ? `, dropout ${a.dropout}` : ""}`
  );
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

interface Series {
  name: string;
  color: string;
  values: (number | null)[];
}

/** A line chart over epochs 1..n as an SVG string. */
export function lineChart(title: string, series: Series[], opts: { yMin?: number; yMax?: number } = {}): string {
  const W = 460,
    H = 260,
    L = 50,
    R = 12,
    T = 28,
    B = 36;
  const all = series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const n = Math.max(...series.map((s) => s.values.length), 1);
  let lo = opts.yMin ?? Math.min(...all, Infinity);
  let hi = opts.yMax ?? Math.max(...all, -Infinity);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0;
    hi = 1;
  }
  if (hi - lo < 1e-9) {
    hi += 0.5;
    lo -= 0.5;
  }
  const x = (i: number) => L + (n === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (n - 1));
  const y = (v: number) => T + ((hi - v) * (H - T - B)) / (hi - lo);
  const grid = Array.from({ length: 5 }, (_, k) => lo + ((hi - lo) * k) / 4)
    .map(
      (v) =>
        `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v.toPrecision(3)}</text>`,
    )
    .join("");
  const ticks = Array.from({ length: n }, (_, i) => i)
    .filter((i) => n <= 12 || i % Math.ceil(n / 12) === 0)
    .map((i) => `<text x="${x(i)}" y="${H - B + 16}" text-anchor="middle">${i + 1}</text>`)
    .join("");
  const lines = series
    .map((s, k) => {
      const pts = s.values
        .map((v, i) => (v === null || !Number.isFinite(v) ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`))
        .filter(Boolean);
      const dots = pts
        .map((p) => `<circle cx="${p!.split(",")[0]}" cy="${p!.split(",")[1]}" r="3" fill="${s.color}"/>`)
        .join("");
      return (
        `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.join(" ")}"/>${dots}` +
        `<rect x="${L + 10 + k * 110}" y="8" width="12" height="12" fill="${s.color}"/><text x="${L + 26 + k * 110}" y="18">${esc(s.name)}</text>`
      );
    })
    .join("");
  return (
    `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-size="11" font-family="sans-serif" role="img" aria-label="${esc(title)}">` +
    `${grid}${ticks}<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle">epoch</text>${lines}</svg></figure>`
  );
}

/** The confusion matrix as an HTML table, cells shaded by their share of the row. */
export function confusionTable(conf: number[][]): string {
  const k = conf.length;
  const head = `<tr><th>true \\ predicted</th>${Array.from({ length: k }, (_, j) => `<th>${j}</th>`).join("")}</tr>`;
  const rows = conf
    .map((row, i) => {
      const total = row.reduce((a, b) => a + b, 0) || 1;
      const cells = row
        .map((v, j) => {
          const a = v / total;
          const bg = i === j ? `rgba(40,140,60,${a.toFixed(3)})` : `rgba(200,40,40,${Math.min(1, a * 4).toFixed(3)})`;
          return `<td style="background:${bg}" title="true ${i}, predicted ${j}: ${v}">${v}</td>`;
        })
        .join("");
      return `<tr><th>${i}</th>${cells}</tr>`;
    })
    .join("");
  return `<table class="cm">${head}${rows}</table>`;
}

/** Builds the report page. */
export function renderReport(r: ReportInput): string {
  const h = r.history;
  const loss = lineChart("Loss", [
    { name: "train", color: "#1f77b4", values: h.map((e) => e.trainLoss) },
    { name: "validation", color: "#ff7f0e", values: h.map((e) => e.valLoss) },
  ]);
  const accs = h.map((e) => e.valAcc);
  const accMin = Math.min(...accs.filter((v): v is number => v !== null), 1);
  const acc = lineChart("Validation accuracy", [{ name: "validation", color: "#2ca02c", values: accs }], {
    yMin: Math.max(0, Math.floor(accMin * 10 - 1e-9) / 10),
    yMax: 1,
  });
  const rows = h
    .map(
      (e) =>
        `<tr><td>${e.epoch}</td><td>${e.trainLoss.toFixed(4)}</td><td>${e.valLoss?.toFixed(4) ?? "–"}</td><td>${e.valAcc?.toFixed(4) ?? "–"}</td><td>${e.time.toFixed(1)} s</td></tr>`,
    )
    .join("");
  const features = r.testSplit.x.length / Math.max(r.testSplit.n, 1);
  const gallery = r.test.worst
    .map((m) => {
      let pic = "";
      if (r.imageShape) {
        const [ih, iw] = r.imageShape;
        const png = encodeGrey(r.testSplit.x.subarray(m.index * features, (m.index + 1) * features), iw, ih);
        pic = `<img src="data:image/png;base64,${Buffer.from(png).toString("base64")}" width="84" height="84" alt="test image ${m.index}">`;
      } else {
        pic = `<code>(${Array.from(r.testSplit.x.subarray(m.index * features, (m.index + 1) * features), (v) => v.toFixed(2)).join(", ")})</code>`;
      }
      return `<div class="mistake">${pic}<div>#${m.index}: true <b>${m.label}</b>, predicted <b>${m.pred}</b><br>p(true) = ${m.prob.toExponential(1)}</div></div>`;
    })
    .join("");
  const archText = describeArch(r.arch);
  const c = r.config;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gradlab run — ${esc(c.dataset)} — test accuracy ${r.test.accuracy.toFixed(4)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
.cm td{min-width:2.5em}.charts{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}figcaption{font-weight:600}
.gallery{display:flex;flex-wrap:wrap;gap:12px}.mistake{width:140px;font-size:.85em}.mistake img{image-rendering:pixelated;border:1px solid #999;display:block}
.big{font-size:1.3em}
</style></head><body>
<h1>gradlab training report</h1>
<p class="big">test accuracy: <b>${r.test.accuracy.toFixed(4)}</b> (loss ${r.test.loss.toFixed(4)}, ${r.test.n} examples)</p>
<p>Dataset <b>${esc(c.dataset)}</b>; model ${esc(archText)}; ${esc(c.optimizer)} lr ${c.lr}${c.scheduler && c.scheduler !== "none" ? ` (${esc(c.scheduler)})` : ""} momentum ${c.momentum}; batch ${c.batchSize}; ${h.length} epoch${h.length === 1 ? "" : "s"}; seed ${c.seed}.</p>
<h2>Curves</h2><div class="charts">${loss}${acc}</div>
<h2>Epochs</h2><table><tr><th>epoch</th><th>train loss</th><th>val loss</th><th>val acc</th><th>time</th></tr>${rows}</table>
<h2>Confusion matrix (test set)</h2>${confusionTable(r.test.confusion)}
<h2>Worst mistakes (test set, lowest probability on the true class)</h2><div class="gallery">${gallery || "<p>No mistakes.</p>"}</div>
<h2>Configuration</h2><pre>${esc(JSON.stringify(recordedConfig(c), null, 2))}</pre>
</body></html>
`;
}

/** Writes report.html atomically. */
export async function writeReport(path: string, r: ReportInput): Promise<void> {
  await writeFileAtomic(path, renderReport(r));
}
