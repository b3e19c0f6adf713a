import type { FinishReason } from "../../canonical/chat.ts";

/**
 * Maps Cohere's `finish_reason` to OpenAI's. ERROR is not mapped here: the decoders raise
 * `upstream_error` for it, because the output is broken rather than finished.
 * An unknown reason becomes "stop".
 */
export function toFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case "MAX_TOKENS":
      return "length";
    // NOTE: Cohere lists TIMEOUT without saying what output arrives before it. It is treated
    // as output cut short, which OpenAI clients read as "length".
    case "TIMEOUT":
      return "length";
    case "TOOL_CALL":
      return "tool_calls";
    default:
      return "stop";
  }
}

/** Reports whether Cohere's finish reason means that the generation failed. */
export function isErrorFinish(reason: string | null | undefined): boolean {
  return reason === "ERROR";
}
