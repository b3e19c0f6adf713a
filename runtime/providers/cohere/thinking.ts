/**
 * Reasoning on Cohere v2. Reasoning models think by default; `thinking` turns it off or caps
 * it with `token_budget`. OpenAI's `reasoning_effort` maps onto that switch: "minimal" turns
 * thinking off, any other effort leaves it on. A client may also send Cohere's own `thinking`
 * object, which wins.
 */

import type { ChatRequest } from "../../canonical/chat.ts";
import { invalidRequest } from "./request-errors.ts";
import type { CohereThinking } from "./wire.ts";

export function encodeThinking(request: ChatRequest): CohereThinking | undefined {
  if (request.thinking !== undefined && request.thinking !== null) {
    return readThinking(request.thinking);
  }
  switch (request.reasoning_effort) {
    case "minimal":
      return { type: "disabled" };
    case "low":
    case "medium":
    case "high":
      // NOTE: Cohere has no effort levels, and no budget per level is documented, so every
      // effort above "minimal" enables thinking with the model's default budget.
      return { type: "enabled" };
    default:
      return undefined;
  }
}

function readThinking(value: unknown): CohereThinking {
  const thinking = value as { type?: unknown; token_budget?: unknown };
  if (thinking.type !== "enabled" && thinking.type !== "disabled") {
    throw invalidRequest("thinking.type must be 'enabled' or 'disabled'.", "thinking.type");
  }
  const result: CohereThinking = { type: thinking.type };
  if (thinking.token_budget !== undefined) {
    const budget = thinking.token_budget;
    if (typeof budget !== "number" || !Number.isInteger(budget) || budget < 1) {
      throw invalidRequest(
        "thinking.token_budget must be a positive integer.",
        "thinking.token_budget",
      );
    }
    result.token_budget = budget;
  }
  return result;
}
