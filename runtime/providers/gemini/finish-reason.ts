import type { FinishReason } from "../../canonical/chat.ts";

/**
 * Maps a Gemini `finishReason` to OpenAI's `finish_reason`. Gemini reports STOP also when the
 * model called a function, so a candidate with a function call becomes "tool_calls". A
 * malformed call ends the turn without a usable call, which OpenAI clients read as "stop".
 */
export function toFinishReason(reason: string | null | undefined, hasToolCalls: boolean) {
  const mapped = mapReason(reason);
  if (hasToolCalls && mapped === "stop") return "tool_calls";
  return mapped;
}

function mapReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case "MAX_TOKENS":
      return "length";
    case "SAFETY":
    case "RECITATION":
    case "BLOCKLIST":
    case "PROHIBITED_CONTENT":
    case "SPII":
    case "IMAGE_SAFETY":
    case "IMAGE_PROHIBITED_CONTENT":
      return "content_filter";
    default:
      // STOP, MALFORMED_FUNCTION_CALL, LANGUAGE, OTHER and reasons added later.
      return "stop";
  }
}
