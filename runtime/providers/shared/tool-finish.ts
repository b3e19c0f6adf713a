import type { FinishReason } from "../../canonical/chat.ts";

/**
 * Maps a provider's `tool_calls` finish to "stop" when no tool call reached the client. That
 * happens when the only tool called was the gateway's JSON-mode tool, whose input is content.
 */
export function finishForToolCount(reason: FinishReason, toolCallCount: number): FinishReason {
  return reason === "tool_calls" && toolCallCount === 0 ? "stop" : reason;
}
