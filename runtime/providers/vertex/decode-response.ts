/**
 * Decodes a Vertex chat response with the decoder of the publisher that wrote it. The codec
 * gets no target when decoding, so the body decides: an Anthropic Message has
 * `"type": "message"`, and Gemini's GenerateContentResponse has no `type` field.
 */

import type { ChatResponse } from "../../canonical/chat.ts";
import { decodeChatResponse as decodeClaudeResponse } from "../anthropic/decode-response.ts";
import type { DecodeContext } from "../codec.ts";
import { decodeChatResponse as decodeGeminiResponse } from "../gemini/decode-response.ts";

export function decodeChatResponse(body: unknown, context: DecodeContext): ChatResponse {
  if (isClaudeMessage(body)) return decodeClaudeResponse(body, context);
  return decodeGeminiResponse(body, context);
}

function isClaudeMessage(body: unknown): boolean {
  return (body as { type?: unknown } | null)?.type === "message";
}
