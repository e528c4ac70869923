/** The character GPT's settings both text pages share (URL keys, ranges, defaults). */
import type { TextConfig } from "../protocol/text.ts";
import type { NumberParam } from "./url.ts";

export const GPT_PARAMS = {
  chapters: { key: "chapters", min: 1, max: 40, step: 1, value: 10 },
  layers: { key: "layers", min: 1, max: 4, step: 1, value: 2 },
  width: { key: "width", min: 32, max: 128, step: 32, value: 64 },
  block: { key: "block", min: 16, max: 64, step: 16, value: 32 },
  batch: { key: "batch", min: 4, max: 32, step: 4, value: 16 },
  lr: { key: "lr", min: 0.0005, max: 0.01, step: 0.0005, value: 0.003 },
  seed: { key: "seed", min: 0, max: 1000, step: 1, value: 0 },
} satisfies Record<string, NumberParam>;

export const HEADS = ["1", "2", "4"] as const;

/** What both text pages keep in their state for the GPT they train. */
export interface GptSettings extends Omit<TextConfig, "base" | "trainChapters" | "heads"> {
  chapters: number;
  heads: string;
}

/** The worker's start config from a page's settings (chapters served from the lab's moby-dick/ folder). */
export function gptStartConfig(s: GptSettings): TextConfig {
  const { chapters, heads, layers, width, block, batch, steps, lr, seed, backend } = s;
  const base = new URL("moby-dick/", document.baseURI).href;
  return { base, trainChapters: chapters, heads: +heads, layers, width, block, batch, steps, lr, seed, backend };
}
