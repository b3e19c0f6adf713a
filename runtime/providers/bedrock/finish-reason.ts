import type { FinishReason } from "../../canonical/chat.ts";

/**
 * Maps Converse `stopReason` to OpenAI's `finish_reason`. `model_context_window_exceeded`
 * ends the output for lack of room, like `max_tokens`; an unknown reason becomes "stop".
 */
export function toFinishReason(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "guardrail_intervened":
    case "content_filtered":
      return "content_filter";
    default:
      return "stop";
  }
}
