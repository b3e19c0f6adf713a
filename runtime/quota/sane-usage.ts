import type { Usage } from "../canonical/chat.ts";

/** Maximum token count believed in one response; more is a provider fault, not usage. */
const MAX_TOKENS = 100_000_000;

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 &&
    value <= MAX_TOKENS;
}

/**
 * Returns the usage when its counts are whole, non-negative and plausible, else undefined, so a
 * broken or hostile provider cannot write negative or infinite cost into the audit and budgets.
 * Optional detail counts that fail the check are dropped rather than failing the whole usage.
 */
export function saneUsage(usage: Usage | undefined | null): Usage | undefined {
  if (usage === undefined || usage === null) return undefined;
  if (!isCount(usage.prompt_tokens) || !isCount(usage.completion_tokens)) return undefined;

  const checked: Usage = {
    ...usage,
    total_tokens: isCount(usage.total_tokens)
      ? usage.total_tokens
      : usage.prompt_tokens + usage.completion_tokens,
  };
  checked.prompt_tokens_details = saneDetails(usage.prompt_tokens_details);
  checked.completion_tokens_details = saneDetails(usage.completion_tokens_details);
  if (checked.prompt_tokens_details === undefined) delete checked.prompt_tokens_details;
  if (checked.completion_tokens_details === undefined) delete checked.completion_tokens_details;
  return checked;
}

function saneDetails<T extends Record<string, unknown>>(details: T | undefined): T | undefined {
  if (details === undefined || details === null) return undefined;
  const kept = Object.fromEntries(
    Object.entries(details).filter(([, value]) => isCount(value)),
  ) as T;
  return Object.keys(kept).length > 0 ? kept : undefined;
}
