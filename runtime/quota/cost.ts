import type { Usage } from "../canonical/chat.ts";
import type { Price } from "../config/schema.ts";

/**
 * Cost of one answer in USD. `prompt_tokens` includes cached reads and cache writes, so those
 * are taken out and priced at their own rates (falling back to the input rate when the config
 * gives none). Returns null when the model has no price.
 */
export function costInUsd(usage: Usage | undefined, price: Price | undefined): number | null {
  if (usage === undefined || price === undefined) return null;

  const cachedRead = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const cacheWrite = usage.prompt_tokens_details?.cache_write_tokens ?? 0;
  const plainInput = Math.max(0, usage.prompt_tokens - cachedRead - cacheWrite);

  const micro =
    plainInput * price.inputPerMTok +
    cachedRead * (price.cacheReadPerMTok ?? price.inputPerMTok) +
    cacheWrite * (price.cacheWritePerMTok ?? price.inputPerMTok) +
    usage.completion_tokens * price.outputPerMTok;
  return micro / 1_000_000;
}
