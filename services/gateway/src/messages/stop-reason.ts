import type { FinishReason } from "../../../../runtime/canonical/chat.ts";

/** Anthropic's `stop_reason` values that a translated response can end with. */
export type StopReason = "end_turn" | "max_tokens" | "tool_use" | "refusal";

/**
 * Maps a canonical finish reason to Anthropic's stop reason. A missing reason (a stream that
 * ended without one) counts as a natural end.
 * NOTE: "stop_sequence" is never reported, because the canonical "stop" does not say whether a
 * stop sequence matched or which one, and no codec records that today.
 */
export function toStopReason(finish: FinishReason | null | undefined): StopReason {
  switch (finish) {
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "refusal";
    default:
      return "end_turn";
  }
}
