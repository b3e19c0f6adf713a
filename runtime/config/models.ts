import type {
  RouteTargetConfig,
  RoutingConfig,
  TargetPrice,
} from "../routing/config-schema.ts";
import { KeyRouteTable } from "../routing/key-routes.ts";
import type { ModelConfig, ModelEntry, NexusConfig, ProviderConfig } from "./schema.ts";

/** One provider and upstream model that can serve a configured model. */
export interface ResolvedTarget {
  providerId: string;
  provider: ProviderConfig;
  upstreamModel: string;
  weight: number;
  region?: string;
  price?: TargetPrice;
}

/**
 * A configured model reached by its name or one of its aliases. `providerId`, `provider` and
 * `model.upstreamModel` are the first target's; routes without routing use only those.
 */
export interface ResolvedModel {
  /** The configured name (not the alias the client used). */
  name: string;
  model: ModelConfig;
  providerId: string;
  provider: ProviderConfig;
  /** Every target, in config order; one for a model written with `provider`. */
  targets: ResolvedTarget[];
  routing: RoutingConfig | undefined;
}

/** Looks models up by name or alias in constant time. */
export class ModelCatalog {
  readonly #byName = new Map<string, ResolvedModel>();
  readonly #names: string[] = [];
  /** The per-key routing overrides of `keyRouting`, in config order. */
  readonly keyRoutes: KeyRouteTable;

  constructor(config: NexusConfig) {
    this.keyRoutes = new KeyRouteTable(config.keyRouting ?? [],
      (written) => resolveTargetList(config, written));
    for (const [name, entry] of Object.entries(config.models)) {
      const targets = resolveTargets(config, entry);
      const first = targets[0];
      if (first === undefined) continue;
      const model: ModelConfig = {
        ...entry,
        provider: first.providerId,
        upstreamModel: first.upstreamModel,
      };
      const resolved: ResolvedModel = {
        name, model, providerId: first.providerId, provider: first.provider, targets,
        routing: entry.routing,
      };
      this.#names.push(name);
      this.#byName.set(name, resolved);
      for (const alias of model.aliases ?? []) this.#byName.set(alias, resolved);
    }
  }

  find(nameOrAlias: string): ResolvedModel | undefined {
    return this.#byName.get(nameOrAlias);
  }

  /** Configured names and aliases, in config order. */
  listNames(): string[] {
    const all: string[] = [];
    for (const name of this.#names) {
      all.push(name, ...(this.#byName.get(name)?.model.aliases ?? []));
    }
    return all;
  }
}

/** Lists a model's targets whose provider is configured; `targets` wins over `provider`. */
function resolveTargets(config: NexusConfig, entry: ModelEntry): ResolvedTarget[] {
  const written = entry.targets ??
    (entry.provider !== undefined && entry.upstreamModel !== undefined
      ? [{ provider: entry.provider, upstreamModel: entry.upstreamModel }]
      : []);
  return resolveTargetList(config, written);
}

/** Resolves written targets against `providers`, leaving out those with an unknown provider. */
export function resolveTargetList(
  config: NexusConfig,
  written: readonly RouteTargetConfig[],
): ResolvedTarget[] {
  const targets: ResolvedTarget[] = [];
  for (const target of written) {
    const provider = config.providers[target.provider];
    if (provider === undefined) continue;
    targets.push({
      providerId: target.provider,
      provider,
      upstreamModel: target.upstreamModel,
      weight: target.weight ?? 1,
      ...(target.region === undefined ? {} : { region: target.region }),
      ...(target.price === undefined ? {} : { price: target.price }),
    });
  }
  return targets;
}
