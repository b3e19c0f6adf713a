/** Translates Bedrock TokenUsage into OpenAI usage. */

import type { Usage } from "../../canonical/chat.ts";
import type { TokenUsage } from "./wire.ts";

/**
 * Bedrock's `inputTokens` leaves out tokens read from or written to the prompt cache, while
 * OpenAI's `prompt_tokens` includes cached input, so the prompt count adds both. Bedrock does
 * not report reasoning tokens apart from `outputTokens`, so none are given.
 */
export function toUsage(usage: TokenUsage | null | undefined): Usage {
  const cacheRead = count(usage?.cacheReadInputTokens);
  const cacheWrite = count(usage?.cacheWriteInputTokens);
  const prompt = count(usage?.inputTokens) + cacheRead + cacheWrite;
  const completion = count(usage?.outputTokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead, cache_write_tokens: cacheWrite },
  };
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
