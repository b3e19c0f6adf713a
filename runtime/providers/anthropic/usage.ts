/** Translates Anthropic usage into OpenAI usage. */

import type { Usage } from "../../canonical/chat.ts";
import type { AnthropicUsage } from "./wire.ts";

/**
 * Anthropic's `input_tokens` excludes cached input, while OpenAI's `prompt_tokens` includes it,
 * so the prompt count adds cache reads and cache writes. Reasoning tokens appear only when
 * Anthropic reports `output_tokens_details.thinking_tokens`; they are never estimated.
 */
export function toUsage(usage: AnthropicUsage | null | undefined): Usage {
  const input = count(usage?.input_tokens);
  const cacheRead = count(usage?.cache_read_input_tokens);
  const cacheWrite = count(usage?.cache_creation_input_tokens);
  const output = count(usage?.output_tokens);
  const promptTokens = input + cacheRead + cacheWrite;

  const result: Usage = {
    prompt_tokens: promptTokens,
    completion_tokens: output,
    total_tokens: promptTokens + output,
    prompt_tokens_details: { cached_tokens: cacheRead, cache_write_tokens: cacheWrite },
  };
  const thinking = usage?.output_tokens_details?.thinking_tokens;
  if (typeof thinking === "number") {
    result.completion_tokens_details = { reasoning_tokens: thinking };
  }
  return result;
}

/**
 * Folds a `message_delta` usage into the usage so far. Its counts are cumulative, so each
 * number it carries replaces the earlier one, and a field it leaves out or sets to null keeps
 * the value from `message_start`.
 */
export function mergeUsage(base: AnthropicUsage, update: AnthropicUsage | null | undefined) {
  if (update === undefined || update === null) return base;

  const merged: AnthropicUsage = { ...base };
  for (const [field, value] of Object.entries(update)) {
    if (value !== null && value !== undefined) merged[field] = value;
  }
  return merged;
}

function count(value: number | null | undefined): number {
  return typeof value === "number" ? value : 0;
}
