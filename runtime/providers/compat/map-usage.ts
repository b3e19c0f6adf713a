import type { Usage } from "../../canonical/chat.ts";
import type { CompatProfile } from "./profile.ts";

/**
 * Returns `usage` with the provider's cached-token count copied to
 * `prompt_tokens_details.cached_tokens`, where quota and audit read it. Without the hit field,
 * the count is `prompt_tokens` minus the miss field. The provider's own fields stay as sent.
 */
export function mapUsage(usage: Usage, profile: CompatProfile): Usage {
  const cached = cachedTokens(usage as unknown as Record<string, unknown>, profile);
  if (cached === null) return usage;
  const details = { ...usage.prompt_tokens_details, cached_tokens: cached };
  return { ...usage, prompt_tokens_details: details };
}

function cachedTokens(usage: Record<string, unknown>, profile: CompatProfile): number | null {
  if (profile.cachedTokensField !== null) {
    const hit = usage[profile.cachedTokensField];
    if (typeof hit === "number") return hit;
  }

  if (profile.cacheMissTokensField !== null) {
    const miss = usage[profile.cacheMissTokensField];
    const prompt = usage.prompt_tokens;
    if (typeof miss === "number" && typeof prompt === "number") return Math.max(prompt - miss, 0);
  }
  return null;
}
