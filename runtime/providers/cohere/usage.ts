/** Translates Cohere usage into OpenAI usage. */

import type { Usage } from "../../canonical/chat.ts";
import type { CohereUsage } from "./wire.ts";

/**
 * Prefers `tokens` (what the model read and wrote, including the prompt template Cohere adds)
 * over `billed_units` (what Cohere charges), because quotas and audit count model tokens.
 * `cached_tokens` is part of `tokens.input_tokens`, as OpenAI's cached count is part of
 * `prompt_tokens`. Billed units are the fallback when a response carries no `tokens`.
 */
export function toUsage(usage: CohereUsage | null | undefined): Usage {
  const counted = usage?.tokens ?? usage?.billed_units ?? null;
  const input = count(counted?.input_tokens);
  const output = count(counted?.output_tokens);

  const result: Usage = {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
  };
  if (typeof usage?.cached_tokens === "number") {
    result.prompt_tokens_details = { cached_tokens: usage.cached_tokens };
  }
  return result;
}

function count(value: number | null | undefined): number {
  return typeof value === "number" ? value : 0;
}
