import type { Usage } from "../canonical/chat.ts";
import type { Price } from "../config/schema.ts";
import { costInUsd } from "./cost.ts";
import type { QuotaAmounts } from "./quota-store.ts";

/** Characters per token; a rule of thumb for English text, not a tokenizer. */
const CHARS_PER_TOKEN = 4;

export interface SpendEstimateInput {
  /** Characters of the request body, which bounds the prompt from above. */
  requestChars: number;
  /** The request's output maximum, or the configured default when it sets none. */
  maxOutputTokens: number;
  price: Price | undefined;
}

/**
 * Estimates a request's spend before it runs: the body's characters / 4 as prompt tokens plus
 * the output maximum. USD uses the model's price, and is 0 for a model without one.
 */
export function estimateSpend(input: SpendEstimateInput): QuotaAmounts {
  const promptTokens = Math.ceil(input.requestChars / CHARS_PER_TOKEN);
  const usage: Usage = {
    prompt_tokens: promptTokens,
    completion_tokens: input.maxOutputTokens,
    total_tokens: promptTokens + input.maxOutputTokens,
  };
  return { tokens: usage.total_tokens, usd: costInUsd(usage, input.price) ?? 0 };
}

/** Returns the real spend of a finished request; none when it reported no usage. */
export function actualSpend(usage: Usage | undefined, price: Price | undefined): QuotaAmounts {
  if (usage === undefined) return { tokens: 0, usd: 0 };
  return {
    tokens: usage.prompt_tokens + usage.completion_tokens,
    usd: costInUsd(usage, price) ?? 0,
  };
}
