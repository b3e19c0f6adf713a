/**
 * Carriers of Gemini thought signatures in the OpenAI shape. Gemini attaches an opaque
 * `thoughtSignature` to response parts and expects it back, on the same part, in the next turn.
 * Gemini 3 rejects a replayed function call without one. A signature on a function call rides
 * on the tool call as `extra_content.google.thought_signature` (the field Google's own
 * OpenAI-compatible endpoint uses), and one on a text part rides in `reasoning_details`.
 */

import type { ChatMessage, ReasoningDetail, ToolCall } from "../../canonical/chat.ts";

/** A tool call with the provider extras OpenAI SDKs keep when a message is sent back. */
export interface SignedToolCall extends ToolCall {
  extra_content?: { google?: { thought_signature?: string } };
}

/**
 * The value Gemini documents for replaying a function call whose signature was lost (history
 * from another provider or one the client trimmed): it turns off the check for that part.
 */
export const SKIP_SIGNATURE = "skip_thought_signature_validator";

export function signToolCall(call: ToolCall, signature: string | undefined): SignedToolCall {
  if (signature === undefined || signature === "") return call;
  return { ...call, extra_content: { google: { thought_signature: signature } } };
}

export function toolCallSignature(call: ToolCall): string | undefined {
  const signature = (call as SignedToolCall).extra_content?.google?.thought_signature;
  return typeof signature === "string" && signature !== "" ? signature : undefined;
}

export function signatureDetail(signature: string): ReasoningDetail {
  return { type: "thinking", signature };
}

/**
 * Returns the last signature a client kept in `reasoning_details`, for the text part.
 * NOTE: a detail does not say which provider signed it, so an Anthropic signature replayed
 * to Gemini is sent too, and Gemini may reject it as invalid.
 */
export function textSignature(message: ChatMessage): string | undefined {
  const details = Array.isArray(message.reasoning_details) ? message.reasoning_details : [];
  let found: string | undefined;
  for (const detail of details) {
    if (typeof detail?.signature === "string" && detail.signature !== "") {
      found = detail.signature;
    }
  }
  return found;
}

/**
 * Tells Gemini 3 and later models apart. They enforce signatures on replayed function calls
 * and take thinking levels, where Gemini 2.5 takes thinking budgets.
 */
export function isGeminiThreeOrLater(upstreamModel: string): boolean {
  return /(^|\/)gemini-[3-9]/.test(upstreamModel);
}
