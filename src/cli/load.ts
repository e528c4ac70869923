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
import {
  type Activation,
  configFromJson,
  isCnn,
  type ModelArch,
  type TrainConfig,
  validateModelArch,
} from "./config.js";
import { checkFits, loadIntoModel, readTensors } from "./checkpoint.js";
import { CliError } from "./errors.js";
import { buildModel, cnnArch, expectedEntries, inferArch } from "./model.js";
import { readRunConfig } from "../train/train.js";

export interface LoadedModel {
  model: nn.Sequential;
  arch: ModelArch;
  config?: TrainConfig;
  weightsPath: string;
}

const shapesOf = (h: SafetensorsHeader) => new Map([...h.tensors].map(([k, t]) => [k, t.shape]));

/**
 * The architecture of a file without gradlab's metadata (saved from PyTorch): LeNet-5 or the
 * CLI's ResNet when its keys and shapes are exactly theirs, otherwise an MLP read from its shapes.
 */
function inferFromShapes(h: SafetensorsHeader, activation: Activation): ModelArch {
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  for (const model of ["lenet", "resnet"] as const) {
    const want = expectedEntries(cnnArch(model));
    if (
      want.size === h.tensors.size &&
      [...want].every(([k, e]) => h.tensors.has(k) && same(h.tensors.get(k)!.shape, e.shape))
    ) {
      return cnnArch(model);
    }
  }
  return inferArch(shapesOf(h), activation);
}

/** The architecture a checkpoint's `gradlab_arch` metadata describes, validated, or undefined when it has none. */
function archFromMetadata(meta: Record<string, string>, source: string): ModelArch | undefined {
  if (meta.gradlab_arch === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(meta.gradlab_arch);
  } catch {
    throw new CliError(`${source}: its gradlab_arch metadata is not valid JSON`);
  }
  return validateModelArch(raw, `${source} (gradlab_arch metadata)`);
}

/** config.json's arch must describe the model its own fields do: a mismatch means the file was edited. */
function checkArchMatchesConfig(arch: ModelArch, c: TrainConfig, source: string): void {
  const diffs: string[] = [];
  const archModel = isCnn(arch) ? arch.model : "mlp";
  if (archModel !== c.model) diffs.push(`model ${archModel} vs ${c.model}`);
  if (isCnn(arch)) {
    if (diffs.length)
      throw new CliError(
        `${source}: "arch" and the settings beside it disagree (${diffs.join("; ")}); the file was edited`,
      );
    return;
  }
  if (arch.hidden.join(",") !== c.hidden.join(",")) {
    diffs.push(`hidden [${arch.hidden.join(", ")}] vs [${c.hidden.join(", ")}]`);
  }
  if (arch.activation !== c.activation) diffs.push(`activation ${arch.activation} vs ${c.activation}`);
  if (arch.batchnorm !== c.batchnorm) diffs.push(`batchnorm ${arch.batchnorm} vs ${c.batchnorm}`);
  if (arch.dropout > 0 !== c.dropout > 0) diffs.push(`dropout ${arch.dropout} vs ${c.dropout}`);
  if (diffs.length) {
    throw new CliError(
      `${source}: "arch" and the settings beside it disagree (${diffs.join("; ")}); ` + "the file was edited",
    );
  }
}

/**
 * Loads the model at `target`. A run folder's config.json gives the architecture; a bare file's
 * comes from its `gradlab_arch` metadata or, for files made elsewhere (PyTorch), from its shapes,
 * with `activation` (default ReLU) filling in what weights cannot tell.
 */
export async function loadModel(target: string, activation?: Activation): Promise<LoadedModel> {
  let isDir: boolean;
  try {
    isDir = statSync(target).isDirectory();
  } catch {
    throw new CliError(`${target} does not exist`);
  }
  if (isDir) {
    const configPath = join(target, "config.json");
    const raw = await readRunConfig(target);
    if ((raw as { kind?: unknown }).kind === "sequence") {
      throw new CliError(
        `${target} holds a ${String((raw as { model?: unknown }).model)} language-model run; ` +
          `this command takes an image classifier — write text with gradlab generate ${target}`,
      );
    }
    const config = configFromJson(raw, configPath);
    const fromConfig = raw.arch === undefined ? undefined : validateModelArch(raw.arch, configPath);
    if (fromConfig) checkArchMatchesConfig(fromConfig, config, configPath);
    const weightsPath = join(target, "model.safetensors");
    let arch: ModelArch = fromConfig!;
    const { tensors } = await readTensors(weightsPath, {
      inspect(h) {
        arch = fromConfig ?? inferFromShapes(h, config.activation);
        // Shapes first (a lying config is named as such), then size (an honest but huge file).
        checkFits(expectedEntries(arch), h.tensors, weightsPath);
        checkModelFits(arch, getBackend(), fromConfig ? configPath : weightsPath, { fromFile: true });
      },
    });
    const model = buildModel(arch);
    loadIntoModel(model, tensors, weightsPath);
    return { model, arch, config, weightsPath };
  }
  let arch!: ModelArch;
  const { tensors } = await readTensors(target, {
    inspect(h) {
      const fromMeta = archFromMetadata(h.metadata, target);
      // A CNN's weights say nothing of an activation; an MLP's arch is rebuilt when --activation overrides it.
      arch =
        fromMeta && (isCnn(fromMeta) || !activation)
          ? fromMeta
          : inferFromShapes(h, activation ?? (fromMeta && !isCnn(fromMeta) ? fromMeta.activation : "relu"));
      checkFits(expectedEntries(arch), h.tensors, target);
      checkModelFits(arch, getBackend(), target, { fromFile: true });
    },
  });
  const model = buildModel(arch);
  loadIntoModel(model, tensors, target);
  return { model, arch, weightsPath: target };
}
