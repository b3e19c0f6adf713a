import type { ResolvedTarget } from "../config/models.ts";
import { compileModelScope } from "../identity/keys/model-scope.ts";
import type { VirtualKey } from "../identity/keys/types.ts";
import type { RouteTargetConfig, RoutingConfig } from "./config-schema.ts";
import type { KeyRouteConfig } from "./key-routing-schema.ts";

/** The routing a key override sets for one request. */
export interface KeyRoute {
  /** Position of the entry in `keyRouting`, named in `detail.route_reason`. */
  index: number;
  /** The key id or name the entry matched the request's key by. */
  matchedKey: string;
  routing: RoutingConfig;
  /** The override's own targets; null when it uses the model's. */
  targets: ResolvedTarget[] | null;
}

interface CompiledEntry {
  keys: ReadonlySet<string>;
  /** The only org whose keys match; null when the entry names key ids only. */
  org: string | null;
  matchesModel(model: string): boolean;
  routing: RoutingConfig;
  targets: ResolvedTarget[] | null;
}

/** Finds the per-key routing override of a request; entries are compiled once at boot. */
export class KeyRouteTable {
  readonly #entries: CompiledEntry[];

  constructor(
    entries: readonly KeyRouteConfig[],
    resolve: (written: readonly RouteTargetConfig[]) => ResolvedTarget[],
  ) {
    this.#entries = entries.map((entry) => ({
      keys: new Set(entry.keys),
      org: entry.org ?? null,
      matchesModel: compileModelScope(entry.models),
      routing: entry.routing,
      targets: entry.targets === undefined ? null : resolve(entry.targets),
    }));
  }

  /**
   * Returns the first override that names the key (by id, then name), is scoped to the key's
   * org when it sets one, and matches the configured model name, or null when none does.
   */
  find(key: Pick<VirtualKey, "id" | "name" | "org">, modelName: string): KeyRoute | null {
    for (const [index, entry] of this.#entries.entries()) {
      if (entry.org !== null && entry.org !== key.org) continue;
      if (!entry.matchesModel(modelName)) continue;
      const matchedKey = entry.keys.has(key.id)
        ? key.id
        : entry.org !== null && key.name !== null && entry.keys.has(key.name) ? key.name : null;
      if (matchedKey === null) continue;
      return { index, matchedKey, routing: entry.routing, targets: entry.targets };
    }
    return null;
  }
}
