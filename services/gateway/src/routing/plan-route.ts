import type { ResolvedModel, ResolvedTarget } from "../../../../runtime/config/models.ts";
import type { VirtualKey } from "../../../../runtime/identity/keys/types.ts";
import { chooseTargets } from "../../../../runtime/routing/choose-targets.ts";
import type { RoutingConfig } from "../../../../runtime/routing/config-schema.ts";
import type { RouteFacts } from "../../../../runtime/routing/route-facts.ts";
import type { GatewayContext } from "../context.ts";
import type { RequestRecord } from "../request-record.ts";
import { targetStatsOf } from "./target-stats.ts";

/** The facts of one admitted request that routing chooses by. */
export interface PlanInput {
  context: GatewayContext;
  /** For `conditional` header rules and `absplit` header keys. */
  headers: Headers;
  record: RequestRecord;
  resolved: ResolvedModel;
  key: VirtualKey;
  /** The parsed body, for `metadata`, `user` and field conditions. */
  body: unknown;
  /** The model name the client sent. */
  model: string;
  labels: readonly string[];
}

/** The route of one request, decided before any upstream call and before the cache. */
export interface RoutePlan {
  resolved: ResolvedModel;
  /** The routing in force: the key's override, else the model's; absent means `single`. */
  routing: RoutingConfig | undefined;
  /** The override's targets, else the model's, in config order. */
  targets: readonly ResolvedTarget[];
  /** The targets in the order the strategy chose to try them. */
  order: readonly ResolvedTarget[];
  source: "model" | "key";
}

/**
 * Chooses the routing for a request (a `keyRouting` entry for its key and model beats the
 * model's own) and orders the targets by its strategy. Records why as `detail.route_reason`,
 * which names the key override when one applied.
 */
export function planRoute(input: PlanInput): RoutePlan {
  const { context, resolved, key, record } = input;
  const override = context.catalog.keyRoutes.find(key, resolved.name);
  const routing = override?.routing ?? resolved.routing;
  const targets = override?.targets ?? resolved.targets;

  const choice = chooseTargets(routing, targets, {
    modelName: resolved.name,
    facts: factsOf(input),
    stats: targetStatsOf(context),
    random: Math.random,
  });
  if (override !== null) {
    record.addDetail("route_reason", {
      ...choice.reason,
      source: "key",
      keyRoute: override.index,
      key: override.matchedKey,
      ownTargets: override.targets !== null,
    });
  } else if (routing !== undefined) {
    record.addDetail("route_reason", choice.reason);
  }
  return { resolved, routing, targets, order: choice.targets,
    source: override === null ? "model" : "key" };
}

function factsOf(input: PlanInput): RouteFacts {
  return {
    header: (name) => input.headers.get(name),
    body: input.body,
    model: input.model,
    keyId: input.key.id,
    labels: input.labels,
  };
}
