/**
 * Turning a command-line target — a run folder or a bare `.safetensors` file — into a ready model,
 * for `eval`, `predict`, `summary` and `export`. The architecture (from config.json, the file's
 * metadata, or its shapes) is checked against the tensors in the file's header, and its size
 * against memory, before anything is built or any weight is read.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { getBackend, type nn } from "../index.js";
import type { SafetensorsHeader } from "../io/safetensors.js";
import { checkModelFits } from "./budget.js";
import { type Activation, type ArchConfig, type TrainConfig, configFromJson, validateArch } from "./config.js";
import { checkFits, loadIntoModel, readTensors } from "./checkpoint.js";
import { CliError } from "./errors.js";
import { buildModel, expectedEntries, inferArch } from "./model.js";
import { readRunConfig } from "../train/train.js";

export interface LoadedModel { model: nn.Sequential; arch: ArchConfig; config?: TrainConfig; weightsPath: string }

const shapesOf = (h: SafetensorsHeader) => new Map([...h.tensors].map(([k, t]) => [k, t.shape]));

/** The architecture a checkpoint's `gradlab_arch` metadata describes, validated, or undefined when it has none. */
function archFromMetadata(meta: Record<string, string>, source: string): ArchConfig | undefined {
  if (meta.gradlab_arch === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(meta.gradlab_arch);
  } catch {
    throw new CliError(`${source}: its gradlab_arch metadata is not valid JSON`);
  }
  return validateArch(raw, `${source} (gradlab_arch metadata)`);
}

/** config.json's arch must describe the model its own fields do: a mismatch means the file was edited. */
function checkArchMatchesConfig(arch: ArchConfig, c: TrainConfig, source: string): void {
  const diffs: string[] = [];
  if (arch.hidden.join(",") !== c.hidden.join(",")) {
    diffs.push(`hidden [${arch.hidden.join(", ")}] vs [${c.hidden.join(", ")}]`);
  }
  if (arch.activation !== c.activation) diffs.push(`activation ${arch.activation} vs ${c.activation}`);
  if (arch.batchnorm !== c.batchnorm) diffs.push(`batchnorm ${arch.batchnorm} vs ${c.batchnorm}`);
  if ((arch.dropout > 0) !== (c.dropout > 0)) diffs.push(`dropout ${arch.dropout} vs ${c.dropout}`);
  if (diffs.length) {
    throw new CliError(`${source}: "arch" and the settings beside it disagree (${diffs.join("; ")}); `
      + "the file was edited");
  }
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
    const configPath = join(target, "config.json");
    const raw = await readRunConfig(target);
    if ((raw as { kind?: unknown }).kind === "sequence") {
      throw new CliError(`${target} holds a ${String((raw as { model?: unknown }).model)} language-model run; `
        + `this command takes an image classifier — write text with gradlab generate ${target}`);
    }
    const config = configFromJson(raw, configPath);
    const fromConfig = raw.arch === undefined ? undefined : validateArch(raw.arch, configPath);
    if (fromConfig) checkArchMatchesConfig(fromConfig, config, configPath);
    const weightsPath = join(target, "model.safetensors");
    let arch: ArchConfig = fromConfig!;
    const { tensors } = await readTensors(weightsPath, {
      inspect(h) {
        arch = fromConfig ?? inferArch(shapesOf(h), config.activation);
        // Shapes first (a lying config is named as such), then size (an honest but huge file).
        checkFits(expectedEntries(arch), h.tensors, weightsPath);
        checkModelFits(arch, getBackend(), fromConfig ? configPath : weightsPath, { fromFile: true });
      },
    });
    const model = buildModel(arch);
    loadIntoModel(model, tensors, weightsPath);
    return { model, arch, config, weightsPath };
  }
  let arch!: ArchConfig;
  const { tensors } = await readTensors(target, {
    inspect(h) {
      const fromMeta = archFromMetadata(h.metadata, target);
      arch = fromMeta && !activation ? fromMeta : inferArch(shapesOf(h), activation ?? fromMeta?.activation ?? "relu");
      checkFits(expectedEntries(arch), h.tensors, target);
      checkModelFits(arch, getBackend(), target, { fromFile: true });
    },
  });
  const model = buildModel(arch);
  loadIntoModel(model, tensors, target);
  return { model, arch, weightsPath: target };
}
