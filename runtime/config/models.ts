import type { ModelConfig, NexusConfig, ProviderConfig } from "./schema.ts";

/** A configured model reached by its name or one of its aliases. */
export interface ResolvedModel {
  /** The configured name (not the alias the client used). */
  name: string;
  model: ModelConfig;
  providerId: string;
  provider: ProviderConfig;
}

/** Looks models up by name or alias in constant time. */
export class ModelCatalog {
  readonly #byName = new Map<string, ResolvedModel>();
  readonly #names: string[] = [];

  constructor(config: NexusConfig) {
    for (const [name, model] of Object.entries(config.models)) {
      const provider = config.providers[model.provider];
      if (provider === undefined) continue;
      const resolved = { name, model, providerId: model.provider, provider };
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
