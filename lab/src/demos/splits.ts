import { controls, select, slider } from "../lib/controls.ts";
import { pct } from "../lib/format.ts";
import { modelExport } from "../lib/model_io.ts";
import { TaskClient } from "../lib/task_client.ts";
import { canvas, cssSize, h, metric, metrics, note, panel, row } from "../lib/ui.ts";
import type { NumberParam } from "../lib/url.ts";
import {
  SPLIT_KINDS,
  type SplitKind,
  type SplitsConfig,
  type SplitsResult,
  type SplitsTask,
} from "../protocol/splits.ts";
import type { Demo } from "./types.ts";

const P = {
  patients: { key: "patients", min: 10, max: 80, step: 2, value: 40 },
  per: { key: "per", min: 4, max: 40, step: 1, value: 20 },
  signature: { key: "signature", min: 0, max: 4, step: 0.1, value: 2 },
  signal: { key: "signal", min: 0, max: 3, step: 0.1, value: 1.5 },
  seed: { key: "seed", min: 0, max: 50, step: 1, value: 0 },
} satisfies Record<string, NumberParam>;

const TITLES: Record<SplitKind, string> = {
  random: "random split (samples)",
  group: "group split (patients)",
  time: "time split (visit dates)",
};
const SPLIT_PY: Record<SplitKind, string> = {
  random: "random_split(samples, [0.8, 0.2])  # leaks: the same patient on both sides",
  group: "GroupShuffleSplit(test_size=0.2).split(X, y, groups=patient_ids)  # every patient on one side",
  time: "the last 20% of visit dates are the test set  # patients still straddle the cut",
};

/** One row per patient, one cell per visit; orange cells are the test side. */
function drawSplit(c: HTMLCanvasElement, r: SplitsResult, test: Int32Array): void {
  const [w, hh] = cssSize(c);
  const ctx = c.getContext("2d")!;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, hh);
  const isTest = new Uint8Array(r.n);
  for (const i of test) isTest[i] = 1;
  const per = r.n / r.patients,
    cw = w / per,
    ch = hh / r.patients;
  for (let i = 0; i < r.n; i++) {
    const p = r.groups[i],
      v = i - p * per;
    ctx.fillStyle = isTest[i] ? "#e6550d" : "#9ecae1";
    ctx.fillRect(v * cw + 0.5, p * ch + 0.5, Math.max(1, cw - 1), Math.max(1, ch - 1));
  }
}

export const splits: Demo = {
  id: "splits",
  title: "Honest splits",
  blurb:
    "A dataset of patients, each with many visits. Split it randomly, by patient (group split), or by time, train " +
    "a model, and compare the test accuracy each split reports with what the model really does on new patients.",
  stage: "regularization",
  lecture: "Lecture 1",
  tryThis: [
    "Raise the patient signature strength and watch the random split's accuracy.",
    "Set the real class signal to 0: there is nothing to learn.",
  ],
  notice: [
    "The random split reports more than the group split whenever patients are easy to recognise: it tests on " +
      "patients it trained on.",
    "With no real signal the random split still looks good; the group split falls to chance, which is the truth.",
  ],
  mount(root, st) {
    const s = {
      patients: st.num(P.patients),
      per: st.num(P.per),
      signature: st.num(P.signature),
      signal: st.num(P.signal),
      seed: st.num(P.seed),
      model: st.choice("model", "1nn", ["1nn", "logreg"] as const),
    };
    const task = new TaskClient<SplitsTask>(
      new Worker(new URL("../workers/splits.ts", import.meta.url), { type: "module" }),
    );
    const ms = Object.fromEntries(
      SPLIT_KINDS.map((k) => [
        k,
        { acc: metric(`acc-${k}`, "test accuracy"), leak: metric(`leak-${k}`, "patients on both sides") },
      ]),
    ) as Record<SplitKind, { acc: ReturnType<typeof metric>; leak: ReturnType<typeof metric> }>;
    const cvs = Object.fromEntries(
      SPLIT_KINDS.map((k) => [
        k,
        canvas(240, 180, `${k} split: one row per patient, one cell per visit; orange cells are test samples`),
      ]),
    ) as Record<SplitKind, HTMLCanvasElement>;
    const summary = note("", { "data-metric": "summary", "aria-live": "polite" });
    const view = h("div", { "data-state": "computing" });
    let exportKind: SplitKind = "group";
    let asked = 0;
    const config = (): SplitsConfig => ({ ...s });
    const update = async () => {
      st.patch(s);
      const mine = ++asked;
      view.dataset.state = "computing";
      const r = await task.request("evaluate", config());
      if (mine !== asked) return;
      for (const k of SPLIT_KINDS) {
        ms[k].acc.set(r.splits[k].accuracy);
        ms[k].leak.set(r.splits[k].leak);
        drawSplit(cvs[k], r, r.splits[k].test);
      }
      summary.textContent =
        `The random split reports ${pct(r.splits.random.accuracy)}, the group split ${pct(r.splits.group.accuracy)}: ` +
        "the group split is the honest estimate for new patients; the gap is the leak.";
      view.dataset.state = "ready";
    };
    const redo = () => void update().catch((e: Error) => console.error(e.message));
    const sl = (p: (typeof P)[keyof typeof P], label: string) =>
      slider({
        ...p,
        current: s[p.key as keyof typeof P],
        label,
        onInput: (v) => {
          s[p.key as keyof typeof P] = v;
          redo();
        },
      });
    view.append(
      panel(
        "Dataset and model",
        controls(
          sl(P.patients, "patients"),
          sl(P.per, "visits per patient"),
          sl(P.signature, "patient signature strength"),
          sl(P.signal, "real class signal"),
          sl(P.seed, "seed"),
          select({
            name: "model",
            label: "model",
            options: [
              ["1nn", "1-nearest neighbour (memorises)"],
              ["logreg", "logistic regression (gradlab)"],
            ] as const,
            value: s.model,
            onChange: (v) => {
              s.model = v;
              redo();
            },
          }),
        ),
        summary,
      ),
      row(
        ...SPLIT_KINDS.map((k) =>
          h(
            "section",
            { class: "panel", "data-split": k },
            h("h2", { text: TITLES[k] }),
            cvs[k],
            metrics(ms[k].acc, ms[k].leak),
          ),
        ),
      ),
      panel(
        "Model",
        controls(
          select({
            name: "export-split",
            label: "split to train on",
            options: SPLIT_KINDS.map((k) => [k, TITLES[k]] as const),
            value: exportKind,
            onChange: (v) => {
              exportKind = v;
            },
          }),
        ),
        note(
          "Downloads the logistic regression (gradlab nn.Linear) trained on the selected split's training side, " +
            "with the page's " +
            "current data. A 1-nearest-neighbour model has no weights to download: it is its training set.",
        ),
        modelExport("splits-logreg.safetensors", async () => {
          const sd = await task.request("logreg", { ...config(), kind: exportKind });
          const d = sd.weight.shape[1];
          const code = [
            "import torch",
            "from torch import nn",
            "from safetensors.torch import load_file",
            "",
            `# logistic regression on the ${d} patient features, trained on the ${exportKind} split's training side:`,
            `#   ${SPLIT_PY[exportKind]}`,
            `model = nn.Linear(${d}, 2)`,
            `model.load_state_dict(load_file("splits-logreg.safetensors"))`,
            "model.eval()",
            "# trained as in the lab: torch.optim.Adam(model.parameters(), lr=0.05), 200 full-batch steps of " +
              "nn.CrossEntropyLoss()",
            "",
          ].join("\n");
          return { sd, code };
        }),
      ),
      panel(
        "Why",
        note(
          "Each patient has a strong personal signature. On a random split the same patient sits in train and test, " +
            "so a model that memorises patients looks excellent. A group split keeps every patient on one side: " +
            "the number to report. " +
            "A time split keeps the future out of training, but patients still straddle it.",
        ),
      ),
    );
    root.append(view);
    redo();
    return () => task.terminate();
  },
};
