/** Maps OpenAI `reasoning_effort` to Gemini's `thinkingConfig`. */

import type { ChatRequest } from "../../canonical/chat.ts";
import { invalidRequest } from "./request-errors.ts";
import { isGeminiThreeOrLater } from "./thought-signature.ts";
import type { GeminiThinkingConfig } from "./wire.ts";

/**
 * Thinking budgets in tokens per effort. "minimal" stays above zero because Gemini Pro models
 * cannot turn thinking off; 24576 is the largest budget every Gemini 2.5 model accepts.
 */
const BUDGET_BY_EFFORT: Record<string, number> = {
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
};

/**
 * Returns the config, or undefined to leave thinking at the model's default. Gemini 3 models
 * take a `thinkingLevel` and reject a level sent together with a budget, so they get only
 * the level. Gemini 3 Pro offers "low" and "high", Flash also "minimal" and "medium".
 */
export function planThinking(
  request: ChatRequest,
  upstreamModel: string,
): GeminiThinkingConfig | undefined {
  const effort = request.reasoning_effort;
  if (effort === undefined || effort === null) return undefined;

  const budget = BUDGET_BY_EFFORT[effort];
  if (budget === undefined) {
    throw invalidRequest(`reasoning_effort '${String(effort)}' is not valid.`, "reasoning_effort");
  }
  // includeThoughts returns thought summaries, which become reasoning_content.
  if (!isGeminiThreeOrLater(upstreamModel)) {
    return { thinkingBudget: budget, includeThoughts: true };
  }
  return { thinkingLevel: levelFor(effort, upstreamModel), includeThoughts: true };
}

function levelFor(effort: string, upstreamModel: string): string {
  if (upstreamModel.includes("flash")) return effort;
  return effort === "minimal" || effort === "low" ? "low" : "high";
}
