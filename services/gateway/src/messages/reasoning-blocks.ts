import type { ChatMessage } from "../../../../runtime/canonical/chat.ts";

export type ThinkingContent =
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "redacted_thinking"; data: string };

/**
 * Builds the thinking blocks of a response. Anthropic-style details carry their own text.
 * Other codecs put the text in `reasoning_content` and at most a signature in a detail (as
 * Gemini does), so the text then goes to the first thinking detail. Text with no detail
 * becomes one block with an empty signature (DeepSeek, Cohere and other providers that sign
 * nothing).
 */
export function thinkingBlocks(message: ChatMessage): ThinkingContent[] {
  const details = Array.isArray(message.reasoning_details) ? message.reasoning_details : [];
  const reasoning = typeof message.reasoning_content === "string" ? message.reasoning_content : "";
  const detailsHaveText = details.some((detail) => typeof detail.thinking === "string" &&
    detail.thinking !== "");
  let pendingText = detailsHaveText ? "" : reasoning;

  const blocks: ThinkingContent[] = [];
  for (const detail of details) {
    if (detail.type === "redacted_thinking" && typeof detail.data === "string") {
      blocks.push({ type: "redacted_thinking", data: detail.data });
    } else if (detail.type === "thinking") {
      const thinking = detailsHaveText ? (detail.thinking ?? "") : pendingText;
      pendingText = "";
      blocks.push({ type: "thinking", thinking, signature: detail.signature ?? "" });
    }
  }
  if (pendingText !== "") {
    blocks.unshift({ type: "thinking", thinking: pendingText, signature: "" });
  }
  return blocks;
}
