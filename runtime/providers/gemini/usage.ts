/** Translates Gemini `usageMetadata` into OpenAI usage. */

import type { Usage } from "../../canonical/chat.ts";
import type { GeminiUsage } from "./wire.ts";

/**
 * Gemini counts thinking apart from the response text (`thoughtsTokenCount`), while OpenAI's
 * `completion_tokens` includes reasoning, so the two are added. `promptTokenCount` already
 * includes cached content, as OpenAI's `prompt_tokens` does; tool-use prompt tokens are input
 * too and are added to it.
 */
export function toUsage(usage: GeminiUsage | null | undefined): Usage {
  const prompt = count(usage?.promptTokenCount) + count(usage?.toolUsePromptTokenCount);
  const thoughts = count(usage?.thoughtsTokenCount);
  const completion = count(usage?.candidatesTokenCount) + thoughts;

  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: count(usage?.cachedContentTokenCount) },
    completion_tokens_details: { reasoning_tokens: thoughts },
  };
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
