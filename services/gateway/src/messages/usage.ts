import type { Usage } from "../../../../runtime/canonical/chat.ts";

/** The token counts of Anthropic's `usage` object. */
export interface MessageUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/**
 * Translates canonical usage into Anthropic's counts. The canonical `prompt_tokens` includes
 * cached input, while Anthropic's `input_tokens` counts only the input that was neither read
 * from nor written to the cache, so both cache counts are taken out. Missing usage gives zeros.
 */
export function toMessageUsage(usage: Usage | null | undefined): MessageUsage {
  const cacheRead = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const cacheWrite = usage?.prompt_tokens_details?.cache_write_tokens ?? 0;
  const prompt = usage?.prompt_tokens ?? 0;
  return {
    input_tokens: Math.max(0, prompt - cacheRead - cacheWrite),
    output_tokens: usage?.completion_tokens ?? 0,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
}

/** Builds the `usage` of a message object, with the fields the spec requires set to null. */
export function messageUsageObject(usage: Usage | null | undefined): Record<string, unknown> {
  return {
    ...toMessageUsage(usage),
    cache_creation: null,
    server_tool_use: null,
    service_tier: null,
  };
}
