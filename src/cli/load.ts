/**
 * Turning a command-line target — a run folder or a bare `.safetensors` file — into a ready model,
 * for `eval`, `predict`, `summary` and `export`.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import type { nn } from "../index.js";
import { type Activation, type ArchConfig, type TrainConfig, ACTIVATIONS, configFromJson } from "./config.js";
import { loadIntoModel, readTensors } from "./checkpoint.js";
import { CliError } from "./errors.js";
import { buildModel, inferArch } from "./model.js";
import { readRunConfig } from "../train/train.js";

export interface LoadedModel { model: nn.Sequential; arch: ArchConfig; config?: TrainConfig; weightsPath: string }

function archFromMetadata(meta: Record<string, string>): ArchConfig | undefined {
  if (!meta.gradlab_arch) return undefined;
  try {
    const a = JSON.parse(meta.gradlab_arch) as ArchConfig;
    if (Array.isArray(a.hidden) && (ACTIVATIONS as readonly string[]).includes(a.activation)) return a;
  } catch { /* fall back to inferring it from the shapes */ }
  return undefined;
}

/**
 * Loads the model at `target`. A run folder's config.json gives the architecture; a bare file's
 * comes from its `gradlab_arch` metadata or, for files made elsewhere (PyTorch), from its shapes,
 * with `activation` (default ReLU) filling in what weights cannot tell.
 */
export async function loadModel(target: string, activation?: Activation): Promise<LoadedModel> {
  let isDir: boolean;
  try { isDir = statSync(target).isDirectory(); } catch { throw new CliError(`${target} does not exist`); }
  if (isDir) {
    const raw = await readRunConfig(target);
    const config = configFromJson(raw, join(target, "config.json"));
    const weightsPath = join(target, "model.safetensors");
    const { tensors } = await readTensors(weightsPath);
    const arch = raw.arch ?? inferArch(new Map([...tensors].map(([k, a]) => [k, a.shape])), config.activation);
    const model = buildModel(arch);
    loadIntoModel(model, tensors, weightsPath);
    return { model, arch, config, weightsPath };
  }
  const { tensors, metadata } = await readTensors(target);
  const fromMeta = archFromMetadata(metadata);
  const arch = fromMeta && !activation ? fromMeta : inferArch(new Map([...tensors].map(([k, a]) => [k, a.shape])), activation ?? fromMeta?.activation ?? "relu");
  const model = buildModel(arch);
  loadIntoModel(model, tensors, target);
  return { model, arch, weightsPath: target };
}
