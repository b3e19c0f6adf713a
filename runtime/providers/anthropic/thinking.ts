/**
 * Extended thinking and `max_tokens`. Anthropic requires `max_tokens`, and a thinking budget
 * of at least 1024 tokens that is smaller than `max_tokens` (Messages API, ThinkingConfigEnabled).
 */

import type { ChatRequest } from "../../canonical/chat.ts";
import { invalidRequest } from "./request-errors.ts";
import type { ThinkingConfig } from "./wire.ts";

/** `max_tokens` when the client sets neither max_tokens nor max_completion_tokens. */
export const DEFAULT_MAX_TOKENS = 4096;

/** Anthropic's smallest accepted `budget_tokens`. */
export const MIN_THINKING_BUDGET = 1024;

/**
 * Thinking budgets for OpenAI's `reasoning_effort`. These are choices of this gateway, not
 * values Anthropic publishes: each level roughly quadruples the one below it.
 */
export const EFFORT_BUDGETS: Record<string, number> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 24576,
};

export interface ThinkingPlan {
  thinking?: ThinkingConfig;
  maxTokens: number;
}

/** Derives `thinking` and `max_tokens` from the request. `thinking` sent as is wins. */
export function planThinking(request: ChatRequest): ThinkingPlan {
  const requestedMax = request.max_completion_tokens ?? request.max_tokens ?? null;
  const passThrough = readPassThroughThinking(request.thinking);

  if (passThrough !== null) {
    const budget = typeof passThrough.budget_tokens === "number" ? passThrough.budget_tokens : 0;
    return {
      thinking: passThrough,
      maxTokens: requestedMax ?? Math.max(DEFAULT_MAX_TOKENS, budget + DEFAULT_MAX_TOKENS),
    };
  }

  const effort = request.reasoning_effort;
  if (effort === undefined || effort === null || (effort as string) === "none") {
    return { maxTokens: requestedMax ?? DEFAULT_MAX_TOKENS };
  }

  const budget = EFFORT_BUDGETS[effort];
  if (budget === undefined) {
    throw invalidRequest(
      `Invalid reasoning_effort '${String(effort)}'; use minimal, low, medium or high.`,
      "reasoning_effort",
    );
  }
  if (requestedMax === null) {
    return {
      thinking: { type: "enabled", budget_tokens: budget },
      maxTokens: budget + DEFAULT_MAX_TOKENS,
    };
  }
  return {
    thinking: { type: "enabled", budget_tokens: fitBudget(budget, requestedMax) },
    maxTokens: requestedMax,
  };
}

/**
 * Shrinks the budget to half of the token limit when it does not fit, so the answer keeps
 * room after the reasoning (OpenAI counts reasoning tokens inside max_completion_tokens too).
 */
function fitBudget(budget: number, maxTokens: number): number {
  if (budget < maxTokens) return budget;

  const half = Math.floor(maxTokens / 2);
  if (half >= MIN_THINKING_BUDGET) return half;
  if (maxTokens > MIN_THINKING_BUDGET) return MIN_THINKING_BUDGET;
  throw invalidRequest(
    `max_completion_tokens must be greater than ${MIN_THINKING_BUDGET} when reasoning_effort is ` +
      `set, because Anthropic's smallest thinking budget is ${MIN_THINKING_BUDGET} tokens.`,
    "max_completion_tokens",
  );
}

function readPassThroughThinking(value: unknown): ThinkingConfig | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "object" || typeof (value as { type?: unknown }).type !== "string") {
    throw invalidRequest("'thinking' must be an object with a string 'type'.", "thinking");
  }
  return value as ThinkingConfig;
}

/** Whether the thinking config turns thinking on, which restricts `tool_choice` to auto/none. */
export function thinkingEnabled(thinking: ThinkingConfig | undefined): boolean {
  return thinking !== undefined && thinking.type !== "disabled";
}
