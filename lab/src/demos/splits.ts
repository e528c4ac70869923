import { F, manualSeed, nn, noGrad, optim, tensor, type Tensor } from "gradlab";
import { groupSplit, patientsDataset, randomSplitIndices, splitLeakage, timeSplit, type PatientsDataset } from "gradlab/data/splits.ts";
import { modelExport, plainStateDict } from "../lib/model_io.ts";
import { canvas, controls, cssSize, h, metric, metrics, panel, row, select, slider } from "../lib/ui.ts";
import type { Demo } from "./types.ts";

/** 1-nearest-neighbour predictions with gradlab: ‖a − b‖² = ‖a‖² − 2a·b + ‖b‖². */
function nn1(X: Tensor, y: Int32Array, tr: Int32Array, te: Int32Array): Int32Array {
  return noGrad(() => {
    const A = X.indexSelect(0, te), B = X.indexSelect(0, tr);
    const d = A.square().sum(1, true).sub(A.matmul(B.t()).mul(2)).add(B.square().sum(1).unsqueeze(0));
    const nearest = d.argmin(1).data;
    return Int32Array.from(nearest, (j) => y[tr[j]]);
  });
}

function trainLogreg(X: Tensor, y: Int32Array, tr: Int32Array): nn.Linear {
  manualSeed(0);
  const model = new nn.Linear(X.shape[1], 2);
  const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
  const xt = X.indexSelect(0, tr), yt = tensor(Int32Array.from(tr, (i) => y[i]));
  for (let s = 0; s < 200; s++) { opt.zeroGrad(); F.crossEntropy(model(xt), yt).backward(); opt.step(); }
  return model;
}

function logreg(X: Tensor, y: Int32Array, tr: Int32Array, te: Int32Array): Int32Array {
  const model = trainLogreg(X, y, tr);
  return noGrad(() => model(X.indexSelect(0, te)).argmax(1).data as Int32Array);
}

const SPLIT_PY: Record<string, string> = {
  random: "random_split(samples, [0.8, 0.2])  # leaks: the same patient on both sides",
  group: "GroupShuffleSplit(test_size=0.2).split(X, y, groups=patient_ids)  # every patient on one side",
  time: "the last 20% of visit dates are the test set  # patients still straddle the cut",
};

function drawSplit(c: HTMLCanvasElement, ds: PatientsDataset, test: Int32Array): void {
  const [w, hh] = cssSize(c);
  const ctx = c.getContext("2d")!;
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, w, hh);
  const isTest = new Uint8Array(ds.n); for (const i of test) isTest[i] = 1;
  const per = ds.n / ds.patients, cw = w / per, ch = hh / ds.patients;
  for (let i = 0; i < ds.n; i++) {
    const p = ds.groups[i], v = i - p * per;
    ctx.fillStyle = isTest[i] ? "#e6550d" : "#9ecae1";
    ctx.fillRect(v * cw + 0.5, p * ch + 0.5, Math.max(1, cw - 1), Math.max(1, ch - 1));
  }
}

export const splits: Demo = {
  id: "splits",
  title: "Honest splits",
  blurb: "A dataset of patients, each with many visits. Split it randomly, by patient (group split), or by time, train a model, and compare the test accuracy each split reports with what the model really does on new patients.",
  mount(root, st) {
    const s = { patients: st.num("patients", 40), per: st.num("per", 20), signature: st.num("signature", 2), signal: st.num("signal", 1.5), seed: st.num("seed", 0), model: st.str("model", "1nn", ["1nn", "logreg"] as const) };
    const kinds = [["random", "random split (samples)"], ["group", "group split (patients)"], ["time", "time split (visit dates)"]] as const;
    const ms = Object.fromEntries(kinds.map(([k]) => [k, { acc: metric(`acc-${k}`, "test accuracy"), leak: metric(`leak-${k}`, "patients on both sides") }]));
    const cvs = Object.fromEntries(kinds.map(([k]) => [k, canvas(240, 180, `${k} split: one row per patient, one cell per visit; orange cells are test samples`)]));
    const summary = h("p", { class: "note", "data-metric": "summary", "aria-live": "polite" });
    // the last data set and splits, for the model export
    let last: { X: Tensor; y: Int32Array; d: number; sp: Record<string, { train: Int32Array; val: Int32Array }> } | null = null;
    let exportKind: string = "group";
    const file = "splits-logreg.safetensors";
    const update = () => {
      const ds = patientsDataset({ patients: s.patients, perPatient: s.per, signature: s.signature, signal: s.signal, seed: s.seed });
      const X = tensor(ds.x, { shape: [ds.n, ds.d] });
      const sp = {
        random: (() => { const [a, b] = randomSplitIndices(ds.n, [0.8, 0.2], s.seed); return { train: a, val: b }; })(),
        group: groupSplit(ds.groups, [0.8, 0.2], s.seed),
        time: timeSplit(ds.times, [0.8, 0.2]),
      };
      last = { X, y: ds.y, d: ds.d, sp };
      const accs: Record<string, number> = {};
      for (const [k] of kinds) {
        const { train, val } = sp[k];
        const pred = (s.model === "1nn" ? nn1 : logreg)(X, ds.y, train, val);
        let ok = 0; pred.forEach((p, i) => { if (p === ds.y[val[i]]) ok++; });
        accs[k] = ok / val.length;
        ms[k].acc.set(accs[k]); ms[k].leak.set(splitLeakage(ds.groups, sp[k]));
        drawSplit(cvs[k], ds, val);
      }
      summary.textContent = `The random split reports ${(100 * accs.random).toFixed(1)}%, the group split ${(100 * accs.group).toFixed(1)}% — the group split is the honest estimate for new patients; the gap is the leak.`;
      st.patch(s);
    };
    root.append(
      panel("Dataset and model", controls(
        slider({ name: "patients", label: "patients", min: 10, max: 80, step: 2, value: s.patients, onInput: (v) => { s.patients = v; update(); } }),
        slider({ name: "per", label: "visits per patient", min: 4, max: 40, step: 1, value: s.per, onInput: (v) => { s.per = v; update(); } }),
        slider({ name: "signature", label: "patient signature strength", min: 0, max: 4, step: 0.1, value: s.signature, onInput: (v) => { s.signature = v; update(); } }),
        slider({ name: "signal", label: "real class signal", min: 0, max: 3, step: 0.1, value: s.signal, onInput: (v) => { s.signal = v; update(); } }),
        slider({ name: "seed", label: "seed", min: 0, max: 50, step: 1, value: s.seed, onInput: (v) => { s.seed = v; update(); } }),
        select({ name: "model", label: "model", options: [["1nn", "1-nearest neighbour (memorises)"], ["logreg", "logistic regression (gradlab)"]] as const, value: s.model, onChange: (v) => { s.model = v; update(); } })),
        summary),
      row(...kinds.map(([k, title]) => h("section", { class: "panel", "data-split": k }, h("h2", { text: title }), cvs[k], metrics(ms[k].acc, ms[k].leak)))),
      panel("Model",
        controls(select({ name: "export-split", label: "split to train on", options: kinds.map(([k, t]) => [k, t] as [string, string]), value: exportKind, onChange: (v) => { exportKind = v; } })),
        h("p", { class: "note", text: "Downloads the logistic regression (gradlab nn.Linear) trained on the selected split's training side, with the page's current data. A 1-nearest-neighbour model has no weights to download: it is its training set." }),
        modelExport(file, () => {
          const L = last!;
          const model = trainLogreg(L.X, L.y, L.sp[exportKind].train);
          const code = [
            "import torch",
            "from torch import nn",
            "from safetensors.torch import load_file",
            "",
            `# logistic regression on the ${L.d} patient features, trained on the ${exportKind} split's training side:`,
            `#   ${SPLIT_PY[exportKind]}`,
            `model = nn.Linear(${L.d}, 2)`,
            `model.load_state_dict(load_file("${file}"))`,
            "model.eval()",
            "# trained as in the lab: torch.optim.Adam(model.parameters(), lr=0.05), 200 full-batch steps of nn.CrossEntropyLoss()",
            "",
          ].join("\n");
          return { sd: plainStateDict(model.stateDict()), code };
        })),
      panel("Why", h("p", { class: "note", text: "Each patient has a strong personal signature. On a random split the same patient sits in train and test, so a model that memorises patients looks excellent. A group split keeps every patient on one side — the number to report. A time split keeps the future out of training, but patients still straddle it." })),
    );
    update();
  },
};
