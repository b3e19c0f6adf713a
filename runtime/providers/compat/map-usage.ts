import type { Usage } from "../../canonical/chat.ts";
import type { CompatProfile } from "./profile.ts";

/**
 * Returns `usage` with the provider's cached-token count copied to
 * `prompt_tokens_details.cached_tokens`, where quota and audit read it. Without the hit field,
 * the count is `prompt_tokens` minus the miss field. The provider's own fields stay as sent,
 * except `completion_tokens`, which gains the reasoning tokens of a provider that counts them
 * apart (see `reasoningOutsideCompletion`).
 */
export function mapUsage(usage: Usage, profile: CompatProfile): Usage {
  const counted = withReasoningInCompletion(usage, profile);
  const cached = cachedTokens(usage as unknown as Record<string, unknown>, profile);
  if (cached === null) return counted;
  const details = { ...counted.prompt_tokens_details, cached_tokens: cached };
  return { ...counted, prompt_tokens_details: details };
}

/**
 * Adds the reasoning tokens to `completion_tokens` for a provider that counts them apart,
 * because quota and cost read `completion_tokens` as every output token.
 */
function withReasoningInCompletion(usage: Usage, profile: CompatProfile): Usage {
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (profile.reasoningOutsideCompletion !== true || typeof reasoning !== "number") return usage;
  return { ...usage, completion_tokens: usage.completion_tokens + reasoning };
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
