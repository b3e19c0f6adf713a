import { chooseAbSplit } from "./ab-split.ts";
import type { RoutingConfig } from "./config-schema.ts";
import { chooseConditional, type TargetChoice } from "./conditional.ts";
import { orderTargets, type RandomSource } from "./order-targets.ts";
import { choosePolicy } from "./policy.ts";
import type { RouteFacts } from "./route-facts.ts";
import { chooseSmart, type ScoredTarget } from "./smart.ts";
import type { NamedTarget } from "./target-refs.ts";
import type { TargetStats } from "./target-stats.ts";

/** What the request-aware strategies need besides the targets. */
export interface ChooseInput {
  modelName: string;
  facts: RouteFacts;
  stats: TargetStats;
  random: RandomSource;
}

/**
 * Orders a model's targets for one request by its routing strategy, and says why. The reason
 * names the strategy, plus the rule, bucket or scores where the strategy has one.
 */
export function chooseTargets<T extends NamedTarget & ScoredTarget>(
  routing: RoutingConfig | undefined,
  targets: readonly T[],
  input: ChooseInput,
): TargetChoice<T> {
  const strategy = routing?.strategy ?? "single";
  const choice = chooseBy(strategy, routing, targets, input);
  return { targets: choice.targets, reason: { strategy, ...choice.reason } };
}

function chooseBy<T extends NamedTarget & ScoredTarget>(
  strategy: RoutingConfig["strategy"],
  routing: RoutingConfig | undefined,
  targets: readonly T[],
  input: ChooseInput,
): TargetChoice<T> {
  switch (strategy) {
    case "conditional":
      return chooseConditional(routing?.conditional, targets, input.facts);
    case "absplit":
      return chooseAbSplit(routing?.absplit, targets, input.facts, input.random);
    case "policy":
      return choosePolicy(routing?.policy, targets, input.facts, input.modelName);
    case "smart":
      return chooseSmart(routing?.smart, targets, input.stats);
    default:
      return { targets: orderTargets(strategy, targets, input.random), reason: {} };
  }
}
