import type { RouteTargetConfig, RoutingConfig, TargetRef } from "./config-schema.ts";

/** A routing rule's reference that names no target: its config path and the problem. */
export interface InvalidRef {
  field: string;
  message: string;
}

/**
 * Returns the first target reference in the strategy settings that names no target (an index
 * past the end, or a provider that no target uses), or null when all of them name one.
 */
export function findInvalidRef(
  routing: RoutingConfig | undefined,
  targets: readonly RouteTargetConfig[],
): InvalidRef | null {
  const lists: [string, readonly TargetRef[] | undefined][] = [];
  routing?.conditional?.rules.forEach((rule, index) => {
    lists.push([`/routing/conditional/rules/${index}/targets`, rule.targets]);
  });
  lists.push(["/routing/conditional/default", routing?.conditional?.default]);
  routing?.policy?.rules.forEach((rule, index) => {
    lists.push([`/routing/policy/rules/${index}/targets`, rule.targets]);
  });
  lists.push(["/routing/policy/default", routing?.policy?.default]);

  for (const [field, refs] of lists) {
    for (const [index, ref] of (refs ?? []).entries()) {
      const found = typeof ref === "number"
        ? ref < targets.length
        : targets.some((target) => target.provider === ref);
      if (!found) return { field: `${field}/${index}`, message: `names no target: ${ref}` };
    }
  }
  return null;
}
