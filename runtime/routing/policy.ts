import { NexusError } from "../errors/nexus-error.ts";
import type { RoutingConfig } from "./config-schema.ts";
import type { TargetChoice } from "./conditional.ts";
import type { RouteFacts } from "./route-facts.ts";
import { type NamedTarget, selectTargets } from "./target-refs.ts";

/**
 * Limits the targets by the first rule whose label the request carries: to targets in the
 * rule's regions and among its references, in config order. Throws a 403 when the rule leaves
 * no target, so that classified data never goes to a target outside its policy.
 */
export function choosePolicy<T extends NamedTarget>(
  settings: RoutingConfig["policy"],
  targets: readonly T[],
  facts: RouteFacts,
  modelName: string,
): TargetChoice<T> {
  const rules = settings?.rules ?? [];
  for (let index = 0; index < rules.length; index += 1) {
    const rule = rules[index]!;
    if (!facts.labels.includes(rule.label)) continue;

    const named = rule.targets === undefined ? targets : selectTargets(targets, rule.targets);
    const regions = rule.regions;
    const allowed = named.filter((target) =>
      regions === undefined || (target.region !== undefined && regions.includes(target.region)));
    if (allowed.length === 0) throw noAllowedTarget(modelName, rule.label);
    return { targets: [...allowed], reason: { rule: index, label: rule.label } };
  }

  const fallback = settings?.default;
  return {
    targets: fallback === undefined ? [...targets] : selectTargets(targets, fallback),
    reason: { rule: "default" },
  };
}

function noAllowedTarget(modelName: string, label: string): NexusError {
  return new NexusError(
    "data_classified",
    `The request is classified '${label}', and the routing policy of model '${modelName}' ` +
      "allows no target for that label. Use a model with a target the policy allows.",
    { status: 403, type: "permission_error" },
  );
}
