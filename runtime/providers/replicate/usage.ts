/** Translates a prediction's token metrics into OpenAI usage. */

import type { FinishReason, Usage } from "../../canonical/chat.ts";
import type { PredictionMetrics } from "./wire.ts";

/**
 * Returns usage from `metrics.input_token_count` and `output_token_count`, or undefined when
 * the prediction reported neither (models outside the LLM family report only timings).
 */
export function toUsage(metrics: PredictionMetrics | undefined): Usage | undefined {
  const input = metrics?.input_token_count;
  const output = metrics?.output_token_count;
  if (typeof input !== "number" && typeof output !== "number") return undefined;

  const prompt = typeof input === "number" ? input : 0;
  const completion = typeof output === "number" ? output : 0;
  const total = prompt + completion;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total };
}

/**
 * Replicate reports no finish reason. A completion that used the whole `max_tokens` budget was
 * most likely cut there, so it is reported as `length`; anything else as `stop`.
 */
export function finishReason(
  usage: Usage | undefined,
  maxTokens: number | undefined,
): FinishReason {
  if (usage === undefined || maxTokens === undefined) return "stop";
  return usage.completion_tokens >= maxTokens ? "length" : "stop";
}
