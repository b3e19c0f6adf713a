import { dirname, isAbsolute, resolve } from "node:path";
import { Value } from "@sinclair/typebox/value";
import { parse as parseYaml } from "yaml";
import { findInvalidRef } from "../routing/check-refs.ts";
import { compileModelScope } from "../identity/keys/model-scope.ts";
import { KEY_ID_PREFIX } from "../identity/keys/create.ts";
import {
  checkSemanticEmbeddingModel,
  type FieldProblem,
  findNonEmbeddingTarget,
} from "./check-kinds.ts";
import { checkQuotaRules } from "./check-quota-rules.ts";
import { checkStorageUrls } from "../storage/check-storage-urls.ts";
import { ConfigSchema, type ModelEntry, type NexusConfig } from "./schema.ts";

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** A validated config plus the facts derived from where it was loaded. */
export interface LoadedConfig {
  config: NexusConfig;
  path: string;
  /** Absolute data folder for the embedded store. */
  dataDir: string;
}

/**
 * Picks the config path: `--config`, then `NEXUS_CONFIG`, then `nexus.config.yaml` in the
 * working folder.
 */
export function resolveConfigPath(flag: string | undefined): string {
  const chosen = flag ?? process.env.NEXUS_CONFIG ?? "nexus.config.yaml";
  return isAbsolute(chosen) ? chosen : resolve(process.cwd(), chosen);
}

/** Reads, parses and validates the config; throws ConfigError naming the bad field's path. */
export async function loadConfig(path: string): Promise<LoadedConfig> {
  const file = Bun.file(path);
  if (!(await file.exists())) {
    throw new ConfigError(`config file not found: ${path} (set --config or NEXUS_CONFIG)`);
  }

  return parseConfigText(await file.text(), path);
}

/**
 * Parses and validates config text as boot does; `path` names it in errors and anchors a
 * relative `dataDir`.
 */
export function parseConfigText(text: string, path: string): LoadedConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`config ${path} is not valid YAML: ${(error as Error).message}`);
  }
  return validateConfig(raw, path);
}

export function validateConfig(raw: unknown, path: string): LoadedConfig {
  const firstError = Value.Errors(ConfigSchema, raw).First();
  if (firstError !== undefined) {
    const field = firstError.path === "" ? "(root)" : firstError.path;
    throw new ConfigError(`config ${path}: invalid field ${field}: ${firstError.message}`);
  }
  const config = raw as NexusConfig;
  checkReferences(config, path);

  const baseDir = dirname(path);
  const dataDir = resolve(baseDir, config.dataDir ?? "data");
  return { config, path, dataDir };
}

/** Checks what the schema cannot: every model names a known provider, no name is taken twice. */
function checkReferences(config: NexusConfig, path: string): void {
  for (const [name, provider] of Object.entries(config.providers)) {
    if (!URL.canParse(provider.baseUrl)) {
      throw new ConfigError(
        `config ${path}: invalid field /providers/${name}/baseUrl: not a URL: ${provider.baseUrl}`,
      );
    }
  }

  const seen = new Set<string>();
  for (const [name, model] of Object.entries(config.models)) {
    checkModelTargets(config, path, name, model);
    for (const alias of [name, ...(model.aliases ?? [])]) {
      if (seen.has(alias)) {
        throw new ConfigError(`config ${path}: model name or alias "${alias}" is used twice`);
      }
      seen.add(alias);
    }
  }
  config.keyRouting?.forEach((_, index) => checkKeyRoute(config, path, index));

  throwIfProblem(path, checkSemanticEmbeddingModel(config));
  throwIfProblem(path, checkQuotaRules(config));
  throwIfProblem(path, checkStorageUrls(config));
}

function throwIfProblem(path: string, problem: FieldProblem | null): void {
  if (problem === null) return;
  throw new ConfigError(`config ${path}: invalid field ${problem.field}: ${problem.message}`);
}

/**
 * Checks a `keyRouting` entry. It must set `org` when it names keys by name, because names are
 * unique only within an org. Its models globs must match at least one model. Its targets must
 * name configured providers and serve the kind of every model it covers. Its rules' target
 * references must name a target of every model it covers (its own targets, else each model's).
 */
function checkKeyRoute(config: NexusConfig, path: string, index: number): void {
  const entry = config.keyRouting![index]!;
  const invalid = (field: string, message: string): ConfigError =>
    new ConfigError(`config ${path}: invalid field /keyRouting/${index}${field}: ${message}`);

  const name = entry.keys.find((key) => !key.startsWith(KEY_ID_PREFIX));
  if (name !== undefined && entry.org === undefined) {
    throw invalid("/org", `missing: key "${name}" is matched by name, and key names are ` +
      "unique only within an org, so set the org of the keys (or name them by key id)");
  }

  entry.targets?.forEach((target, targetIndex) => {
    if (config.providers[target.provider] !== undefined) return;
    throw invalid(`/targets/${targetIndex}/provider`, `unknown provider "${target.provider}"`);
  });

  const matches = compileModelScope(entry.models);
  const models = Object.entries(config.models).filter(([name]) => matches(name));
  if (models.length === 0) {
    throw invalid("/models", `matches no configured model: ${entry.models.join(", ")}`);
  }
  for (const [name, model] of models) {
    const bad = model.kind === "embedding" && entry.targets !== undefined
      ? findNonEmbeddingTarget(config, entry.targets)
      : null;
    if (bad !== null) {
      throw invalid(`/targets/${bad.index}/provider`, `matches embedding model "${name}", but ` +
        `provider type "${bad.type}" has no embeddings API; narrow models or change the target`);
    }

    const targets = entry.targets ?? model.targets ??
      [{ provider: model.provider ?? "", upstreamModel: model.upstreamModel ?? "" }];
    const ref = findInvalidRef(entry.routing, targets);
    if (ref === null) continue;
    const owner = entry.targets === undefined ? ` (targets of model "${name}")` : "";
    throw invalid(ref.field, `${ref.message}${owner}`);
  }
}

/**
 * Checks that a model names `provider` with `upstreamModel`, or `targets`, but not both, and
 * that every provider it names is configured.
 */
function checkModelTargets(
  config: NexusConfig,
  path: string,
  name: string,
  model: ModelEntry,
): void {
  const invalid = (field: string, message: string): ConfigError =>
    new ConfigError(`config ${path}: invalid field /models/${name}${field}: ${message}`);

  const single = model.provider !== undefined || model.upstreamModel !== undefined;
  if (model.targets !== undefined && single) {
    throw invalid("", "set either targets or provider and upstreamModel, not both");
  }
  if (model.targets === undefined) {
    if (model.provider === undefined) throw invalid("/provider", "missing (or set targets)");
    if (model.upstreamModel === undefined) throw invalid("/upstreamModel", "missing");
  }

  const named = model.targets ?? [{ provider: model.provider ?? "" }];
  named.forEach((target, index) => {
    if (config.providers[target.provider] !== undefined) return;
    const field = model.targets === undefined ? "/provider" : `/targets/${index}/provider`;
    throw invalid(field, `unknown provider "${target.provider}"`);
  });

  const ref = findInvalidRef(model.routing, model.targets ?? []);
  if (ref !== null) throw invalid(ref.field, ref.message);
}
