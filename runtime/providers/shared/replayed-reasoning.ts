import type { ChatMessage, ReasoningDetail } from "../../canonical/chat.ts";
import { invalidRequest } from "../request-errors.ts";

/** One reasoning block of an earlier assistant turn, to send back unchanged. */
export type ReplayedReasoning =
  | { type: "redacted_thinking"; data: string }
  | { type: "thinking"; thinking: string; signature?: string };

/**
 * Reads the `reasoning_details` of an earlier assistant message, for providers that verify
 * replayed reasoning (Anthropic, and Anthropic models on Bedrock). With `signatureRequired`, a
 * thinking block without a signature is rejected, so each thinking block returned has one.
 */
export function readReplayedReasoning(
  message: ChatMessage,
  param: string,
  signatureRequired: boolean,
): ReplayedReasoning[] {
  const details = message.reasoning_details ?? [];
  const thinkingCount = details.filter((detail) => detail.type === "thinking").length;

  return details.map((detail: ReasoningDetail, index): ReplayedReasoning => {
    const detailParam = `${param}.reasoning_details[${index}]`;
    if (detail.type === "redacted_thinking") {
      if (typeof detail.data !== "string") {
        throw invalidRequest(`${detailParam}.data is missing.`, detailParam);
      }
      return { type: "redacted_thinking", data: detail.data };
    }
    const unsigned = typeof detail.signature !== "string";
    if (detail.type !== "thinking" || (signatureRequired && unsigned)) {
      const expected = signatureRequired ? "a thinking block with a signature" : "a thinking";
      throw invalidRequest(
        `${detailParam} must be ${expected} or a redacted_thinking block.`,
        detailParam,
      );
    }

    // A streamed response carries the text in reasoning_content and the signature in
    // reasoning_details, and a client that kept them apart can still replay a single block.
    let thinking = detail.thinking;
    if (thinking === undefined && thinkingCount === 1) thinking = message.reasoning_content ?? "";
    const block: ReplayedReasoning = { type: "thinking", thinking: thinking ?? "" };
    if (typeof detail.signature === "string") block.signature = detail.signature;
    return block;
  });
}
