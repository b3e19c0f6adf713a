import type { ResolvedTarget } from "../../../../runtime/config/models.ts";
import type { RetryTrigger } from "../../../../runtime/routing/config-schema.ts";
import { TargetStats } from "../../../../runtime/routing/target-stats.ts";
import type { GatewayContext } from "../context.ts";
import { classifyFailure } from "./target-failure.ts";

/** Observations per running gateway, so that two gateways in one process share none. */
const registries = new WeakMap<GatewayContext, TargetStats>();

/** Returns the gateway's target observations, created on first use. */
export function targetStatsOf(context: GatewayContext): TargetStats {
  let stats = registries.get(context);
  if (stats === undefined) {
    stats = new TargetStats();
    registries.set(context, stats);
  }
  return stats;
}

/**
 * Runs one attempt and records its latency and outcome for the target. Only failures that
 * match `retryOn` enter the error rate, as for the circuit breaker, because a bad request or a
 * client leaving says nothing about the target.
 */
export async function observeAttempt<R>(
  stats: TargetStats,
  target: ResolvedTarget,
  settings: { retryOn: readonly RetryTrigger[]; alpha: number },
  attempt: () => Promise<R>,
): Promise<R> {
  const started = performance.now();
  const observe = (ok: boolean): void => stats.record(
    target.providerId, target.upstreamModel, { ok, ms: performance.now() - started },
    settings.alpha,
  );

  try {
    const result = await attempt();
    observe(true);
    return result;
  } catch (error) {
    const failure = classifyFailure(error);
    if (!failure.final && failure.trigger !== null && settings.retryOn.includes(failure.trigger)) {
      observe(false);
    }
    throw error;
  }
}
