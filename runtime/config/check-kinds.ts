import { codecFor } from "../providers/registry.ts";
import type { RouteTargetConfig } from "../routing/config-schema.ts";
import type { ModelEntry, NexusConfig } from "./schema.ts";

/** A config problem: the field's JSON pointer and what is wrong with it. */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * Returns the first of `targets` whose provider has no embeddings API, or null when every one
 * has. Only embedding models need the check: every provider type serves chat except Voyage,
 * whose codec rejects chat requests itself.
 */
export function findNonEmbeddingTarget(
  config: NexusConfig,
  targets: readonly RouteTargetConfig[],
): { index: number; type: string } | null {
  for (const [index, target] of targets.entries()) {
    const provider = config.providers[target.provider];
    if (provider === undefined) continue;
    if (!codecFor(provider.type).capabilities.embeddings) return { index, type: provider.type };
  }
  return null;
}

/**
 * Checks `cache.semantic.embeddingModel` when the semantic step is on: it must be a configured
 * model name or alias of `kind: embedding` whose provider has an embeddings API. The gateway
 * embeds through the model's first target.
 */
export function checkSemanticEmbeddingModel(config: NexusConfig): FieldProblem | null {
  const semantic = config.cache?.semantic;
  if (semantic === undefined || !semantic.enabled) return null;

  const field = "/cache/semantic/embeddingModel";
  const name = semantic.embeddingModel;
  const model = modelByNameOrAlias(config, name);
  if (model === undefined) {
    return { field, message: `unknown model "${name}"; name a model configured under models` };
  }
  if (model.kind !== "embedding") {
    return { field, message: `model "${name}" is not of kind "embedding" (set kind: embedding ` +
      "on an embedding model and name that one)" };
  }
  const first = model.targets?.[0] ?? { provider: model.provider ?? "", upstreamModel: "" };
  const bad = findNonEmbeddingTarget(config, [first]);
  if (bad !== null) {
    return { field, message: `model "${name}" is served by provider type "${bad.type}", ` +
      "which has no embeddings API" };
  }
  return null;
}

function modelByNameOrAlias(config: NexusConfig, name: string): ModelEntry | undefined {
  const direct = config.models[name];
  if (direct !== undefined) return direct;
  return Object.values(config.models).find((model) => model.aliases?.includes(name));
}
