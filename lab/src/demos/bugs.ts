import { LineChart } from "../lib/chart.ts";
import { checkbox, controls, select } from "../lib/controls.ts";
import { fixed, pct } from "../lib/format.ts";
import { modelExport } from "../lib/model_io.ts";
import { TaskClient } from "../lib/task_client.ts";
import { h, metric, metrics, note, panel } from "../lib/ui.ts";
import { BUG_IDS, type BugId, type BugRun as BugResult, type BugsTask } from "../protocol/bugs.ts";
import type { Demo } from "./types.ts";

interface BugDef {
  id: BugId;
  title: string;
  code: [string, string];
  show: [string, string][];
  symptom: (b: BugResult, c: BugResult) => string;
}
const num = (r: BugResult, k: string) => Number(r.metrics[k]);

const BUGS: BugDef[] = [
  {
    id: "softmax-ce",
    title: "Softmax before CrossEntropyLoss",
    code: [
      "logits = model(x); loss = F.cross_entropy(logits, y)",
      "probs = model(x).softmax(-1); loss = F.cross_entropy(probs, y)  # softmax twice",
    ],
    show: [
      ["smooth", "loss, mean of the last 20 steps"],
      ["acc", "train accuracy"],
    ],
    symptom: (b, c) =>
      `The loss starts at ln 10 ≈ 2.303 and barely comes down: after 300 steps it averages ` +
      `${fixed(num(b, "smooth"), 3)} ` +
      `(correct code: ${fixed(num(c, "smooth"), 3)}), train accuracy ${pct(num(b, "acc"))} vs ${pct(num(c, "acc"))}. ` +
      "CrossEntropyLoss applies log-softmax itself, so the probabilities in [0, 1] act as logits that differ by at " +
      "most 1: the " +
      "second softmax stays near uniform, the gradient is about 10× smaller, and even a perfect model could not " +
      "get below " +
      "−log(e / (e + 9)) ≈ 1.46.",
  },
  {
    id: "zero-grad",
    title: "Forgotten optimizer.zero_grad()",
    code: [
      "opt.zero_grad(); loss.backward(); opt.step()",
      "loss.backward(); opt.step()  # gradients accumulate across steps",
    ],
    show: [
      ["loss", "final loss"],
      ["minLoss", "lowest loss"],
      ["maxStep", "largest update ‖Δθ‖"],
    ],
    symptom: (b, c) =>
      `Gradients pile up step after step, so the updates keep growing (largest ‖Δθ‖ ${fixed(num(b, "maxStep"), 3)} ` +
      `vs ` +
      `${fixed(num(c, "maxStep"), 3)} clean): after a deceptively fast start the loss bounces and climbs back ` +
      `(lowest ` +
      `${fixed(num(b, "minLoss"), 3)}, final ${fixed(num(b, "loss"), 3)}) instead of settling.`,
  },
  {
    id: "eval-mode",
    title: "model.eval() forgotten at test time",
    code: [
      "model.eval(); pred = model(x_batch)",
      "pred = model(x_batch)  # still in train mode: BatchNorm uses the batch's own stats, Dropout drops",
    ],
    show: [
      ["acc", "accuracy, batches of 4 requests"],
      ["error", "a single request raises"],
    ],
    symptom: (b) =>
      "Serving small batches in train mode, BatchNorm normalises by the 4 samples' own statistics and Dropout " +
      `keeps dropping units: accuracy falls to ${pct(num(b, "acc"))}. A single request fails outright, as in PyTorch.`,
  },
  {
    id: "shape",
    title: "Shape mistake: [N, 1] output vs [N] target",
    code: [
      "loss = ((out - y.unsqueeze(1)) ** 2).mean()",
      "loss = ((out - y) ** 2).mean()  # [N,1] − [N] broadcasts to [N,N]",
    ],
    show: [
      ["loss", "final loss"],
      ["r2", "R² of the fit"],
      ["error", "F.mseLoss on these shapes says"],
    ],
    symptom: (b) =>
      "Every prediction is compared with every target, so the best the model can do is predict the mean: " +
      `R² = ${fixed(num(b, "r2"), 3)}. No error, no warning in a hand-written loss; gradlab's F.mseLoss refuses ` +
      `the shapes.`,
  },
  {
    id: "leak",
    title: "A random split that leaks patients",
    code: ["groupSplit(patient_ids, [0.8, 0.2])", "random_split(samples, [0.8, 0.2])  # same patient on both sides"],
    show: [
      ["valAcc", "validation accuracy"],
      ["newPatientAcc", "accuracy on new patients"],
    ],
    // 60 patients × 20 visits; 30% of the patients are held out as "new patients" before any split.
    symptom: (b) =>
      `Validation says ${pct(num(b, "valAcc"))}, but on patients the model has never seen it scores ` +
      `${pct(num(b, "newPatientAcc"))}: it memorised patients, and the random split rewarded it.`,
  },
];

export const bugs: Demo = {
  id: "training-bugs",
  title: "Classic training bugs",
  blurb:
    "Inject the lecture's classic bugs one at a time and watch each symptom appear next to the correct code: a loss " +
    "that hardly leaves ln 10 ≈ 2.30, exploding steps, a model that works in training and fails in deployment, a " +
    "silent " +
    "broadcast, a leaky split.",
  stage: "optimization",
  lecture: "Lecture 1",
  tryThis: [
    'Tick "inject this bug" on one card at a time and compare the red curve with the green one.',
    "Download the buggy model and load it in PyTorch with the code shown.",
  ],
  notice: [
    "A loss stuck near 2.30 on 10 classes means the model is guessing: a softmax too many is the usual cause.",
    "Nothing crashes for most of these bugs: the symptoms are numbers that look plausible, which is why they are " +
      "classic.",
    "A random split on patient data reports an accuracy the model will not have on new patients.",
  ],
  mount(root, st) {
    const task = new TaskClient<BugsTask>(
      new Worker(new URL("../workers/bugs.ts", import.meta.url), { type: "module" }),
    );
    const on = new Set(
      st.text("bugs", [] as BugId[], (raw) => {
        const asked = raw.split(",").filter(Boolean);
        const known = asked.filter((b): b is BugId => (BUG_IDS as readonly string[]).includes(b));
        return {
          value: known,
          note:
            known.length < asked.length
              ? `only these bugs exist: ${BUG_IDS.join(", ")}; the others were ignored.`
              : undefined,
        };
      }),
    );
    const cache = new Map<string, Promise<BugResult>>();
    const run = (id: BugId, buggy: boolean) => {
      const k = `${id}:${buggy}`;
      if (!cache.has(k)) cache.set(k, task.request("run", { bug: id, buggy, seed: 0 }));
      return cache.get(k)!;
    };
    const charts: LineChart[] = [];
    for (const def of BUGS) {
      const chart = new LineChart({
        title: "training loss",
        series: [
          { label: "correct", stroke: "#2ea043" },
          { label: "with the bug", stroke: "#cf222e" },
        ],
        xLabel: "step",
        logY: def.id !== "softmax-ce",
        height: 180,
        metric: `${def.id}-curve`,
      });
      charts.push(chart);
      const ms = def.show.map(([k, label]) => ({
        k,
        clean: metric(`${def.id}-${k}-clean`, `${label} (correct)`),
        now: metric(`${def.id}-${k}`, `${label} (as configured)`),
      }));
      // long messages (errors) read better as small text than as big numbers
      for (const m of ms)
        if (m.k === "error") {
          m.clean.el.classList.add("msg");
          m.now.el.classList.add("msg");
        }
      const symptom = h("p", { class: "note", "data-metric": `${def.id}-symptom`, "aria-live": "polite" });
      const code = h("pre", { class: "code" });
      const card = h("section", { class: "panel bugcard", "data-bug": def.id, "data-state": "loading" });
      const fmt = (v: number | string) =>
        typeof v === "number" ? (Number.isFinite(v) ? String(+v.toFixed(4)) : String(v)) : v || "none";
      const refresh = async () => {
        const buggy = on.has(def.id);
        card.classList.toggle("on", buggy);
        card.setAttribute("data-state", "loading");
        code.textContent = buggy ? `# bug\n${def.code[1]}` : `# correct\n${def.code[0]}`;
        const c = await run(def.id, false);
        const b = buggy ? await run(def.id, true) : null;
        for (const m of ms) {
          m.clean.set(fmt(c.metrics[m.k]));
          m.now.set(fmt((b ?? c).metrics[m.k]));
        }
        const xs = c.curve.map((_, i) => i + 1);
        chart.setData(xs, [c.curve, b ? b.curve.map((v) => (Number.isFinite(v) ? v : null)) : xs.map(() => null)]);
        symptom.textContent = b ? def.symptom(b, c) : "Correct code. Tick the box to inject the bug.";
        card.setAttribute("data-state", buggy ? "buggy" : "clean");
      };
      const cb = checkbox({
        name: `bug-${def.id}`,
        label: "inject this bug",
        value: on.has(def.id),
        onChange: (v) => {
          if (v) on.add(def.id);
          else on.delete(def.id);
          st.set("bugs", [...on].join(","));
          void refresh();
        },
      });
      card.append(
        h("h2", { text: def.title }),
        cb.el,
        code,
        metrics(...ms.flatMap((m) => [m.clean, m.now])),
        symptom,
        chart.el,
      );
      root.append(card);
      void refresh();
    }
    // Model export: the last model trained for the selected experiment (with the bug if it is injected).
    let exportId: BugId = BUGS[0].id;
    const file = "training-bug-model.safetensors";
    const exportSel = select({
      name: "export-bug",
      label: "experiment",
      options: BUGS.map((d) => [d.id, d.title] as const),
      value: exportId,
      onChange: (v) => {
        exportId = v;
      },
    });
    const exportNote = note(
      "Downloads the model the selected experiment trained last: with the bug if its box is ticked, else " +
        "the correct run. Keys and dtypes are PyTorch's (BatchNorm's num_batches_tracked as int64).",
    );
    const pytorch = (def: BugDef, buggy: boolean, r: BugResult) =>
      [
        "import torch",
        "from torch import nn",
        "from safetensors.torch import load_file",
        "",
        `# "${def.title}", trained ${buggy ? "WITH the bug" : "correctly"} in the gradlab lab`,
        "model = nn.Sequential(",
        ...r.arch.map((l) => `    ${l},`),
        ")",
        `model.load_state_dict(load_file("${file}"))`,
        "model.eval()",
        "",
        `# how it was trained (${buggy ? "the bug" : "the correct code"}):`,
        ...def.code[buggy ? 1 : 0].split("\n").map((l) => `# ${l}`),
        "",
      ].join("\n");
    root.append(
      panel(
        "Model",
        controls(exportSel),
        exportNote,
        modelExport(file, async () => {
          const def = BUGS.find((d) => d.id === exportId)!,
            buggy = on.has(def.id);
          const r = await run(def.id, buggy);
          return { sd: r.sd, code: pytorch(def, buggy, r) };
        }),
      ),
    );
    root.append(
      panel(
        "About",
        note(
          "Each experiment trains a small gradlab model in the worker (300 steps; full-batch plain SGD " +
            "without momentum for the first two: lr 0.01 for softmax-before-CE, 0.05 for zero_grad) twice, " +
            "correctly and with the " +
            "bug, from the same seed. The 10-class problem is Gaussian blobs; the leak uses the patients dataset " +
            "(20 visits per " +
            "patient, patient-specific signatures).",
        ),
      ),
    );
    return () => {
      task.terminate();
      charts.forEach((c) => c.destroy());
    };
  },
};
