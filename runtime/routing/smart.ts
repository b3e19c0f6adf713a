import type { RoutingConfig, TargetPrice } from "./config-schema.ts";
import type { TargetChoice } from "./conditional.ts";
import type { TargetStats } from "./target-stats.ts";

/** The fields of a target that `smart` scores. */
export interface ScoredTarget {
  providerId: string;
  upstreamModel: string;
  weight: number;
  price?: TargetPrice;
}

/** Weight of the newest observation in the moving averages when the config gives none. */
export const DEFAULT_SMART_ALPHA = 0.3;

/**
 * Orders the targets by a weighted score, lowest first: observed latency, error rate and price
 * (input plus output per million tokens), each divided by its maximum across the targets. A
 * target with no successful attempt yet scores 0 on latency so that it gets measured, and a
 * target without a price scores 0 on price. Ties keep config order.
 */
export function chooseSmart<T extends ScoredTarget>(
  settings: RoutingConfig["smart"],
  targets: readonly T[],
  stats: TargetStats,
): TargetChoice<T> {
  const weights = {
    latency: settings?.latencyWeight ?? 1,
    errors: settings?.errorWeight ?? 1,
    price: settings?.priceWeight ?? 1,
  };
  const facts = targets.map((target) => {
    const seen = stats.get(target.providerId, target.upstreamModel);
    const price = target.price === undefined
      ? 0
      : target.price.inputPerMTok + target.price.outputPerMTok;
    return { latency: seen?.latencyMs ?? 0, errors: seen?.errorRate ?? 0, price };
  });
  const maxLatency = Math.max(...facts.map((fact) => fact.latency));
  const maxPrice = Math.max(...facts.map((fact) => fact.price));

  const scores = facts.map((fact) =>
    weights.latency * share(fact.latency, maxLatency) +
    weights.errors * fact.errors +
    weights.price * share(fact.price, maxPrice));
  const order = targets.map((_, index) => index)
    .sort((left, right) => scores[left]! - scores[right]!);
  return {
    targets: order.map((index) => targets[index]!),
    reason: { scores: scores.map((score) => Math.round(score * 1000) / 1000) },
  };
}

function share(value: number, max: number): number {
  return max > 0 ? value / max : 0;
}
