/** Downloading a model as safetensors (PyTorch's key names and dtypes) and showing its PyTorch code. */
import type { Tensor } from "gradlab";
import { encodeSafetensors } from "gradlab/io/safetensors.ts";
import type { NamedArray } from "gradlab/io/named_array.ts";
import { button } from "./controls.ts";
import { h } from "./ui.ts";

/** Plain arrays of a state dict, ready to post from a worker or to encode. */
export type PlainStateDict = Record<
  string,
  { shape: number[]; dtype: "float32" | "int32"; data: Float32Array | Int32Array }
>;

/** A model's state dict, or an error saying the model does not exist yet. */
export function requireModel(sd: PlainStateDict | null): PlainStateDict {
  if (!sd) throw new Error("there is no trained model yet: press Train first");
  return sd;
}

/** Copies of a state dict's arrays, read synchronously (the page's own CPU models). */
export function plainStateDict(sd: Record<string, Tensor>): PlainStateDict {
  return plainOf(sd, (t) => t.dataSync());
}

/** The same from a worker, on every backend (WebGPU reads are asynchronous): all tensors read in one wait. */
export async function readStateDict(sd: Record<string, Tensor>): Promise<PlainStateDict> {
  const vals = new Map(await Promise.all(Object.values(sd).map(async (t) => [t, await t.data()] as const)));
  return plainOf(sd, (t) => vals.get(t)!);
}

function plainOf(sd: Record<string, Tensor>, read: (t: Tensor) => ArrayLike<number>): PlainStateDict {
  const out: PlainStateDict = {};
  for (const [k, t] of Object.entries(sd)) {
    out[k] =
      t.dtype === "int32"
        ? { shape: [...t.shape], dtype: "int32", data: Int32Array.from(read(t)) }
        : { shape: [...t.shape], dtype: "float32", data: Float32Array.from(read(t)) };
  }
  return out;
}

/** safetensors bytes; int32 buffers (BatchNorm's num_batches_tracked) become int64 as in PyTorch. */
export function toSafetensors(sd: PlainStateDict, meta: Record<string, string> = {}): Uint8Array {
  const named: Record<string, NamedArray> = {};
  for (const [k, a] of Object.entries(sd)) {
    named[k] =
      a.dtype === "int32"
        ? { shape: a.shape, dtype: "int64", data: BigInt64Array.from(a.data, (v) => BigInt(v)) }
        : { shape: a.shape, dtype: "float32", data: a.data as Float32Array };
  }
  return encodeSafetensors(named, { format: "pt", producer: "gradlab lab", ...meta });
}

export function download(name: string, bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: "application/octet-stream" }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The "Model" panel: a download button (safetensors) and the equivalent PyTorch code.
 * `get` returns the current weights (possibly from the worker) and the code for them; when it
 * fails (no model yet) the panel says why instead of throwing into the console.
 */
export function modelExport(
  file: string,
  get: () => Promise<{ sd: PlainStateDict; code: string }> | { sd: PlainStateDict; code: string },
): HTMLElement {
  const pre = h("pre", { class: "code", "data-metric": "pytorch-code", tabindex: 0 });
  const status = h("p", { class: "note", role: "status" });
  const attempt = async (then: (r: { sd: PlainStateDict; code: string }) => void) => {
    try {
      const r = await get();
      status.textContent = "";
      pre.textContent = r.code;
      then(r);
    } catch (e) {
      status.textContent = (e as Error).message;
    }
  };
  const dl = button("download", `Download ${file}`, () => void attempt(({ sd }) => download(file, toSafetensors(sd))), {
    icon: "download",
  });
  const show = button(
    "show-code",
    "Show PyTorch code",
    () => {
      details.open = true;
      void attempt(() => {});
    },
    { icon: "code" },
  );
  const details = h("details", {}, h("summary", { text: "Equivalent PyTorch code" }), pre);
  details.addEventListener("toggle", () => {
    if (details.open) void attempt(() => {});
  });
  return h("div", { class: "export" }, h("div", { class: "buttons" }, dl, show), status, details);
}

/** Python literal for a small weight matrix/vector. */
export function pyList(a: ArrayLike<number>, shape: readonly number[]): string {
  const f = (v: number) => String(+v.toFixed(6));
  if (shape.length === 1) return `[${Array.from(a, f).join(", ")}]`;
  const rows: string[] = [];
  for (let r = 0; r < shape[0]; r++)
    rows.push(`[${Array.from({ length: shape[1] }, (_, c) => f(a[r * shape[1] + c])).join(", ")}]`);
  return `[${rows.join(", ")}]`;
}
