import type { FinishReason } from "../../canonical/chat.ts";

/**
 * Maps Anthropic's `stop_reason` to OpenAI's `finish_reason`. `pause_turn` (a server tool loop
 * paused) ends the turn like `end_turn`. An unknown reason becomes "stop".
 */
export function toFinishReason(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return "stop";
  }
}
