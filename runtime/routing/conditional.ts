import type { Condition, RoutingConfig } from "./config-schema.ts";
import { type RouteFacts, valueAtPath } from "./route-facts.ts";
import { type NamedTarget, selectTargets } from "./target-refs.ts";

/** Targets in the order to try them, and why the strategy chose them. */
export interface TargetChoice<T> {
  targets: T[];
  /** Stored as `detail.route_reason` in the traffic event. */
  reason: Record<string, unknown>;
}

/**
 * Picks the targets of the first rule whose conditions all hold, tried in the order the rule
 * lists them. Without a matching rule, `default` applies, or every target in config order.
 */
export function chooseConditional<T extends NamedTarget>(
  settings: RoutingConfig["conditional"],
  targets: readonly T[],
  facts: RouteFacts,
): TargetChoice<T> {
  const rules = settings?.rules ?? [];
  for (let index = 0; index < rules.length; index += 1) {
    const rule = rules[index]!;
    if (matches(rule.when, facts)) {
      return { targets: selectTargets(targets, rule.targets), reason: { rule: index } };
    }
  }

  const fallback = settings?.default;
  return {
    targets: fallback === undefined ? [...targets] : selectTargets(targets, fallback),
    reason: { rule: "default" },
  };
}

/** Returns true when every condition the rule gives holds for the request. */
export function matches(when: Condition, facts: RouteFacts): boolean {
  if (when.header !== undefined) {
    const value = facts.header(when.header.name);
    if (value === null || !matchesString(when.header, value)) return false;
  }
  if (when.metadata !== undefined) {
    const value = valueAtPath(facts.body, "metadata");
    const entry = typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)[when.metadata.key]
      : undefined;
    if (entry !== when.metadata.equals) return false;
  }
  if (when.model !== undefined && !matchesString(when.model, facts.model)) return false;
  if (when.field !== undefined) {
    if (valueAtPath(facts.body, when.field.path) !== when.field.equals) return false;
  }
  return true;
}

/** A condition with neither `equals` nor `in` holds for any present value. */
function matchesString(match: { equals?: string; in?: string[] }, value: string): boolean {
  if (match.equals !== undefined && value !== match.equals) return false;
  if (match.in !== undefined && !match.in.includes(value)) return false;
  return true;
}
