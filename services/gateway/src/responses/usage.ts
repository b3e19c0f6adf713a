import type { Usage } from "../../../../runtime/canonical/chat.ts";
import { isRecord } from "../../../../runtime/providers/openai/is-record.ts";

/**
 * Converts the usage of a Responses `response` object (`input_tokens`, `output_tokens` and
 * their details) into the canonical counts the traffic event stores. Returns undefined when the
 * value carries no token counts.
 */
export function usageFromResponses(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined;
  const input = numberOr(usage.input_tokens);
  const output = numberOr(usage.output_tokens);
  if (input === undefined && output === undefined) return undefined;

  const result: Usage = {
    prompt_tokens: input ?? 0,
    completion_tokens: output ?? 0,
    total_tokens: numberOr(usage.total_tokens) ?? (input ?? 0) + (output ?? 0),
  };
  const cached = isRecord(usage.input_tokens_details)
    ? numberOr(usage.input_tokens_details.cached_tokens)
    : undefined;
  if (cached !== undefined) result.prompt_tokens_details = { cached_tokens: cached };

  const reasoning = isRecord(usage.output_tokens_details)
    ? numberOr(usage.output_tokens_details.reasoning_tokens)
    : undefined;
  if (reasoning !== undefined) result.completion_tokens_details = { reasoning_tokens: reasoning };
  return result;
}

/** Converts canonical usage into the Responses `usage` object. */
export function usageToResponses(usage: Usage | undefined): Record<string, unknown> | null {
  if (usage === undefined) return null;
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: {
      reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
    },
    total_tokens: usage.total_tokens,
  };
}

function numberOr(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}
