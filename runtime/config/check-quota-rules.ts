import type { FieldProblem } from "./check-kinds.ts";
import type { NexusConfig } from "./schema.ts";

/**
 * Checks that every quota rule on the `model` or `provider` axis names a configured model or
 * provider, or is `*`. `match` is compared for equality with the request's configured model
 * name or provider id, so a misspelt match would never apply. Org and key rules are not
 * checked, because orgs and keys live in the store, not the config.
 */
export function checkQuotaRules(config: NexusConfig): FieldProblem | null {
  const rules = config.quotas?.rules ?? [];
  for (const [index, rule] of rules.entries()) {
    if (rule.match === "*") continue;
    const field = `/quotas/rules/${index}/match`;

    if (rule.axis === "provider" && config.providers[rule.match] === undefined) {
      const known = Object.keys(config.providers).join(", ");
      return { field, message: `unknown provider "${rule.match}" (configured: ${known}, or *)` };
    }
    if (rule.axis === "model" && config.models[rule.match] === undefined) {
      return { field, message: unknownModelMessage(config, rule.match) };
    }
  }
  return null;
}

function unknownModelMessage(config: NexusConfig, match: string): string {
  const owner = Object.entries(config.models)
    .find(([, model]) => model.aliases?.includes(match))?.[0];
  if (owner !== undefined) {
    return `"${match}" is an alias; quota rules match the configured name "${owner}"`;
  }
  return `unknown model "${match}" (use a name configured under models, or *)`;
}
