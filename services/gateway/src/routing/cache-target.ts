import type { CacheTarget } from "../../../../runtime/cache/chat-cache-key.ts";
import type { ResolvedTarget } from "../../../../runtime/config/models.ts";
import type { RoutingConfig } from "../../../../runtime/routing/config-schema.ts";
import type { RoutePlan } from "./plan-route.ts";

/**
 * Strategies whose choice follows from the request (a header, the key, a label), so two
 * requests with the same choice expect the same answer, and two with different ones may not.
 */
const REQUEST_CHOSEN: ReadonlySet<RoutingConfig["strategy"]> = new Set([
  "conditional", "absplit", "policy",
]);

/**
 * Returns the part of a route that the cache key covers. For `conditional`, `absplit` and
 * `policy` it is the chosen targets in order, so an answer from one arm or region never
 * serves another. The other strategies treat their targets as interchangeable, so it is the
 * whole target set in config order, and a stored answer serves whichever target the draw or
 * a fallback would pick. The key's own targets count here, so an override with other targets
 * never shares answers with the model's. A route of one target keys as that target alone.
 */
export function routeCacheTarget(plan: RoutePlan): CacheTarget {
  const strategy = plan.routing?.strategy ?? "single";
  const covered = REQUEST_CHOSEN.has(strategy)
    ? plan.order
    : strategy === "single" ? plan.targets.slice(0, 1) : plan.targets;
  if (covered.length === 1) return asCacheTarget(covered[0]!);
  return {
    providerId: covered.map((target) => target.providerId).join(","),
    upstreamModel: covered.map((target) => target.upstreamModel).join(","),
  };
}

function asCacheTarget(target: ResolvedTarget): CacheTarget {
  return { providerId: target.providerId, upstreamModel: target.upstreamModel };
}
